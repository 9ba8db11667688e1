"""Packaging: what each output is, HLS playlist facts, the master playlist, the offline MP4."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import av

from media.ffmpeg import input_args, input_options, run

OFFLINE_LABEL = 240
MAP_URI = re.compile(r'URI="([^"]+)"')


@dataclass(frozen=True)
class Output:
    """One produced rendition: `path` (its main file) is relative to the output folder."""

    name: str
    kind: str  # "audio" | "hls_audio" | "hls_video" | "offline"
    path: str
    bytes: int
    width: int = 0
    height: int = 0
    bitrate: int = 0
    peak_bitrate: int = 0
    frame_rate: float = 0.0
    codecs: str = ""


@dataclass(frozen=True)
class PlaylistStats:
    """Sizes and bit rates of one media playlist's files."""

    files: tuple[Path, ...]
    total_bytes: int
    average_bps: int
    peak_bps: int


def media_files(playlist: Path) -> tuple[Path, list[tuple[Path, float]]]:
    """The init segment and (segment, duration) pairs of one of our VOD fMP4 media playlists."""
    init: re.Match[str] | None = None
    segments: list[tuple[Path, float]] = []
    duration = 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXT-X-MAP:"):
            init = MAP_URI.search(line)
        elif line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",")[0])
        elif line and not line.startswith("#"):
            segments.append((_local(playlist, line), duration))
    if init is None:
        raise ValueError(f"{playlist} has no EXT-X-MAP init segment")
    return _local(playlist, init.group(1)), segments


def _local(playlist: Path, uri: str) -> Path:
    """A playlist URI as a file beside the playlist (we only write plain relative names)."""
    if "/" in uri or uri.startswith("."):
        raise ValueError(f"unexpected URI {uri!r} in {playlist}")
    return playlist.parent / uri


def playlist_stats(playlist: Path) -> PlaylistStats:
    """Total bytes and average/peak segment bit rates; files = (playlist, init, *segments)."""
    init, segments = media_files(playlist)
    sizes = [(path.stat().st_size, duration) for path, duration in segments]
    seconds = sum(duration for _, duration in sizes) or 1.0
    average = round(sum(size for size, _ in sizes) * 8 / seconds)
    peak = max((round(size * 8 / max(duration, 0.1)) for size, duration in sizes), default=0)
    files = (playlist, init, *(path for path, _ in segments))
    return PlaylistStats(files, sum(f.stat().st_size for f in files), average, peak)


def codecs_string(init_segment: Path) -> str:
    """RFC 6381 CODECS value (e.g. 'avc1.4d401e,mp4a.40.2') read from an fMP4 init segment."""
    names = []
    with av.open(str(init_segment), format="mov", options=input_options()) as container:
        for stream in container.streams:
            names.append(_codec_tag(stream))
    return ",".join(name for name in names if name)


def _codec_tag(stream: av.stream.Stream) -> str:
    """One stream's codec tag from its extradata (avcC / AudioSpecificConfig)."""
    ctx = stream.codec_context
    extradata = bytes(ctx.extradata or b"") if ctx is not None else b""
    name = ctx.codec.canonical_name if ctx is not None else ""
    if name == "h264" and len(extradata) >= 4 and extradata[0] == 1:
        return "avc1.{:02x}{:02x}{:02x}".format(*extradata[1:4])
    if name == "aac" and extradata:
        return f"mp4a.40.{extradata[0] >> 3}"
    if name == "aac":
        return "mp4a.40.2"
    return ""


def master_playlist(outputs: Iterable[Output]) -> str:
    """The video master playlist: one EXT-X-STREAM-INF per HLS video rung, lowest first."""
    rungs = sorted((o for o in outputs if o.kind == "hls_video"),
                   key=lambda o: (o.height * o.width, o.bitrate))
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in rungs:
        attributes = [
            f"BANDWIDTH={rung.peak_bitrate}", f"AVERAGE-BANDWIDTH={rung.bitrate}",
            f"RESOLUTION={rung.width}x{rung.height}", f"FRAME-RATE={rung.frame_rate:.3f}",
            f'CODECS="{rung.codecs}"',
        ]
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), rung.path]
    return "\n".join(lines) + "\n"


def _offline_label(labels: Iterable[int]) -> int | None:
    """240, else the largest label below it, else the smallest one."""
    ordered = sorted(labels)
    fitting = [label for label in ordered if label <= OFFLINE_LABEL]
    return fitting[-1] if fitting else (ordered[0] if ordered else None)


def offline_rung(outputs: Iterable[Output]) -> Output | None:
    """The rung for the offline file: 240p, or the largest one when the source is smaller."""
    rungs = {min(o.width, o.height): o for o in outputs if o.kind == "hls_video"}
    label = _offline_label(rungs)
    return None if label is None else rungs[label]


def _offline_playlist(video_dir: Path) -> tuple[Path, Path]:
    """(playlist, root): video_dir's own rung, or the offline rung among its v<label>/ folders."""
    if (video_dir / "index.m3u8").is_file():
        return video_dir / "index.m3u8", video_dir.parent
    labels = {int(p.parent.name[1:]): p for p in video_dir.glob("v*/index.m3u8")
              if p.parent.name[1:].isdigit()}
    label = _offline_label(labels)
    if label is None:
        raise FileNotFoundError(f"no video rung under {video_dir}")
    return labels[label], video_dir


def offline_mp4(video_dir: Path, out_path: Path, *, binary: str,
                timeout: float | None = None) -> Output:
    """Remux one HLS rung (init + segments = a fragmented MP4) into a +faststart MP4.

    video_dir is either a rung folder (v240/) or the folder holding the rungs, in which case the
    240p one (or the largest below it) is taken; Output.path is relative to the latter.
    """
    playlist, root = _offline_playlist(video_dir)
    init, segments = media_files(playlist)
    joined = out_path.with_name(out_path.name + ".fmp4.part")
    try:
        with joined.open("wb") as sink:
            for path in (init, *(path for path, _ in segments)):
                sink.write(path.read_bytes())
        run([*input_args(joined, "mov"), "-map", "0:v:0", "-map", "0:a:0", "-c", "copy",
             "-movflags", "+faststart", "-f", "mp4", "-y", str(out_path.absolute())],
            binary=binary, timeout=timeout)
    finally:
        joined.unlink(missing_ok=True)
    rel = Path(os.path.relpath(out_path, root)).as_posix()
    width, height = _video_size(out_path)
    return Output("offline_mp4", "offline", rel, out_path.stat().st_size, width, height)


def _video_size(path: Path) -> tuple[int, int]:
    """Width and height of an MP4's first video stream."""
    with av.open(str(path), format="mov", options=input_options()) as container:
        ctx = container.streams.video[0].codec_context
        return ctx.width, ctx.height

