"""Probe an uploaded file with PyAV under a container/codec whitelist and size limits.

`probe()` raises `ProbeRejected(code, params)`; the codes are stable (the web layer translates):

- ``empty``: the file has zero bytes.
- ``too_large``: more than ``Limits.max_bytes`` (params: size, max).
- ``unreadable``: not media at all (random bytes, text, an mp4 missing its moov box).
- ``format``: a container outside the whitelist, e.g. hls, concat, image2, tty (params: format).
- ``codec``: an audio or video codec outside the whitelist (params: codec).
- ``no_audio``: no audio stream; a lecture must have sound.
- ``too_long``: longer than ``Limits.max_seconds`` (params: duration, max).
- ``frame_too_big``: more pixels per frame than ``Limits.max_pixels`` (params: width, height).
- ``too_many_streams``: more streams than ``Limits.max_streams`` (params: streams, max).
- ``frame_rate``: an absurd frame rate (params: fps, max).
- ``truncated``: the packets stop well before the declared duration, or demuxing fails.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error

from media.ffmpeg import FORMAT_WHITELIST, input_options
from media.source import AudioInfo, Limits, SourceInfo, VideoInfo
from media.rejection import Rejected

__all__ = ["AudioInfo", "Limits", "ProbeRejected", "SourceInfo", "VideoInfo", "probe"]

VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "mjpeg",
                          "h263"})
AUDIO_CODECS = frozenset({"aac", "mp3", "mp2", "opus", "vorbis", "flac", "amr_nb", "amr_wb",
                          "ac3"})
# Demuxers whose duration is only estimated from the bitrate: no truncation check.
ESTIMATED_DURATION = frozenset({"mp3", "aac", "amr"})
SNIFF_BYTES = 64
SNIFFED_FORMATS = ((b"#EXTM3U", "hls"), (b"ffconcat", "concat"), (b"\x89PNG", "image2"),
                   (b"\xff\xd8\xff", "image2"), (b"GIF8", "image2"), (b"%PDF", "pdf"))


class ProbeRejected(Rejected):
    """The upload is refused (see media.rejection)."""


def probe(path: Path | str, limits: Limits = Limits()) -> SourceInfo:
    """Inspect path and return its SourceInfo, or raise ProbeRejected."""
    path = Path(path).absolute()
    size = _check_size(path, limits)
    _check_sniffed(path)
    with _open(path) as container:
        fmt = container.format.name.split(",")[0]
        if fmt not in FORMAT_WHITELIST:
            raise ProbeRejected("format", {"format": fmt})
        audio_stream, video_stream = _pick_streams(container, limits)
        declared = container.duration / 1e6 if container.duration else None
        _check_duration(declared or 0.0, limits)
        audio = _audio_info(audio_stream)
        video = _video_info(container, video_stream, limits) if video_stream else None
    measured = _demux_end(path, fmt)
    _check_duration(max(declared or 0.0, measured), limits)  # a header may claim 10 s over 10 h of packets
    if declared and fmt not in ESTIMATED_DURATION:
        _check_complete(declared, measured)
    return SourceInfo(path, fmt, size, declared or measured, audio, video)


def _check_complete(declared: float, measured: float) -> None:
    """Reject files whose packets stop well before the duration their header declares."""
    if measured < declared - max(1.0, 0.02 * declared):
        raise ProbeRejected("truncated",
                            {"duration": round(declared, 2), "end": round(measured, 2)})


def _check_size(path: Path, limits: Limits) -> int:
    """Reject missing, empty and oversized files; return the size."""
    try:
        size = path.stat().st_size
    except OSError:
        raise ProbeRejected("unreadable") from None
    if size == 0:
        raise ProbeRejected("empty")
    if size > limits.max_bytes:
        raise ProbeRejected("too_large", {"size": size, "max": limits.max_bytes})
    return size


def _check_duration(duration: float, limits: Limits) -> None:
    """Reject sources longer than the limit."""
    if duration > limits.max_seconds:
        raise ProbeRejected("too_long", {"duration": round(duration), "max": limits.max_seconds})


def _check_sniffed(path: Path) -> None:
    """Reject playlists, images and documents by their magic bytes, before any demuxer runs."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES).lstrip(b"\xef\xbb\xbf")
    for magic, fmt in SNIFFED_FORMATS:
        if head.startswith(magic):
            raise ProbeRejected("format", {"format": fmt})


def _open(path: Path, fmt: str | None = None) -> av.container.InputContainer:
    """Open path with PyAV confined to local files and whitelisted demuxers."""
    options = input_options()
    try:
        return av.open(str(path), format=fmt, options=options)
    except av.error.ArgumentError:
        raise ProbeRejected("format", {"format": "unknown"}) from None
    except (av.error.FFmpegError, UnicodeDecodeError):
        raise ProbeRejected("unreadable") from None


def _pick_streams(container: Any, limits: Limits) -> tuple[Any, Any]:
    """The first audio and first non-cover video stream, after the stream-count limit."""
    streams = list(container.streams)
    if len(streams) > limits.max_streams:
        raise ProbeRejected("too_many_streams",
                            {"streams": len(streams), "max": limits.max_streams})
    audio = [s for s in streams if s.type == "audio" and s.codec_context is not None]
    video = [s for s in streams if s.type == "video" and s.codec_context is not None
             and not s.disposition & av.stream.Disposition.attached_pic]
    if not audio:
        raise ProbeRejected("no_audio")
    return audio[0], (video[0] if video else None)


def _codec(stream: Any, allowed: frozenset[str]) -> str:
    """The stream's canonical codec name, if whitelisted."""
    name = str(stream.codec_context.codec.canonical_name)
    if name not in allowed and not (stream.type == "audio" and name.startswith("pcm_")):
        raise ProbeRejected("codec", {"codec": name})
    return name


def _audio_info(stream: Any) -> AudioInfo:
    """AudioInfo for a whitelisted audio stream."""
    ctx = stream.codec_context
    return AudioInfo(_codec(stream, AUDIO_CODECS), ctx.channels, ctx.sample_rate, stream.index)


def _video_info(container: Any, stream: Any, limits: Limits) -> VideoInfo:
    """VideoInfo for a whitelisted video stream within the size and rate limits."""
    codec = _codec(stream, VIDEO_CODECS)
    ctx = stream.codec_context
    if ctx.width * ctx.height > limits.max_pixels or not ctx.width or not ctx.height:
        raise ProbeRejected("frame_too_big", {"width": ctx.width, "height": ctx.height})
    fps = _frame_rate(stream, limits)
    if fps > limits.max_fps:
        raise ProbeRejected("frame_rate", {"fps": round(fps, 2), "max": limits.max_fps})
    rotation = _rotation(container, stream)
    width, height = _display_size(ctx.width, ctx.height, stream.sample_aspect_ratio)
    if rotation % 180:
        width, height = height, width
    return VideoInfo(codec, width, height, rotation, fps, stream.index)


def _frame_rate(stream: Any, limits: Limits) -> float:
    """Average frame rate; a guessed rate above the limit (often a time base) counts as unknown."""
    if stream.average_rate:
        return float(stream.average_rate)
    guessed = float(stream.guessed_rate or 0)
    return guessed if guessed <= limits.max_fps else 0.0


def _display_size(width: int, height: int, sar: Fraction | None) -> tuple[int, int]:
    """Frame size with non-square pixels stretched out."""
    if sar and sar != 1:
        return round(width * sar), height
    return width, height


def _rotation(container: Any, stream: Any) -> int:
    """Display rotation in degrees (0, 90, 180, 270), read from the first decoded frame."""
    try:
        for frame in container.decode(stream):
            return int(frame.rotation) % 360
    except av.error.FFmpegError:
        raise ProbeRejected("unreadable") from None
    return 0


def _demux_end(path: Path, fmt: str) -> float:
    """Seconds up to the end of the last packet, demuxing everything without decoding."""
    end = 0.0
    with _open(path, fmt) as container:
        start = container.start_time / 1e6 if container.start_time else 0.0
        try:
            for packet in container.demux():
                if packet.pts is not None and packet.time_base:
                    stop = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    end = max(end, stop - start)
        except (av.error.FFmpegError, UnicodeDecodeError):
            raise ProbeRejected("truncated") from None
    return end
