"""Join a session's recorded parts into one file for the lecture pipeline, gaps filled.

Each part is the WebM a presenter connection sent, starting `t` seconds after the session went
live. Between parts the result holds silence (and black frames when there is video), so a
moment of the replay is the same moment of the session as the chat and slide times say.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import av
import av.error

from media.ffmpeg import input_args, input_options, run

logger = logging.getLogger(__name__)

MIN_GAP = 0.05  # seconds; smaller gaps are clock noise between parts
MAX_SIZE = (1280, 720)
FPS = 24
SAMPLE_RATE = 48000
OUTPUT_OPTIONS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                  "-c:a", "libopus", "-b:a", "64k", "-map_metadata", "-1", "-f", "matroska"]


class RecordingEmpty(Exception):
    """No part of the session holds any readable media."""


@dataclass(frozen=True)
class RecordedPart:
    """One part's file, its start (seconds since the session went live) and whether it has video."""

    path: Path
    t: float
    video: bool


@dataclass(frozen=True)
class _Measured:
    part: RecordedPart
    duration: float
    size: tuple[int, int] | None  # video width, height


def measure(path: Path) -> tuple[float, tuple[int, int] | None]:
    """(duration from the packets, video size) of a recorded part; (0, None) if unreadable."""
    try:
        with av.open(str(path), format="matroska", options=input_options()) as container:
            video = next((s for s in container.streams if s.type == "video"), None)
            size = (video.codec_context.width, video.codec_context.height) if video is not None else None
            start, end = None, 0.0
            for packet in container.demux():
                if packet.pts is None or packet.stream.type not in ("audio", "video"):
                    continue
                at = float(packet.pts * packet.time_base)
                start = at if start is None else min(start, at)
                end = max(end, at + float((packet.duration or 0) * packet.time_base))
            return (max(0.0, end - (start or 0.0)), size if size and all(size) else None)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError):
        logger.warning("recorded part %s is unreadable; left out", path)
        return 0.0, None


def _frame_size(sizes: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The output frame: the first video part's size, fitted into MAX_SIZE, even."""
    width, height = next(iter(sizes))
    scale = min(1.0, MAX_SIZE[0] / width, MAX_SIZE[1] / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _gap(label: str, seconds: float, size: tuple[int, int] | None) -> list[str]:
    """Filter chains for silence (and black) lasting seconds; outputs [<label>v] [<label>a]."""
    chains = [f"anullsrc=r={SAMPLE_RATE}:cl=mono,atrim=duration={seconds:.3f}[{label}a]"]
    if size:
        chains.append(f"color=black:s={size[0]}x{size[1]}:r={FPS}:d={seconds:.3f},setsar=1,"
                      f"format=yuv420p[{label}v]")
    return chains


def _part(index: int, item: _Measured, size: tuple[int, int] | None) -> list[str]:
    """Filter chains for one part, cut or padded to its measured duration."""
    d = f"{item.duration:.3f}"
    chains = [f"[{index}:a:0]aresample={SAMPLE_RATE}:async=1:first_pts=0,aformat=channel_layouts=mono,"
              f"apad=whole_dur={d},atrim=duration={d},asetpts=PTS-STARTPTS[p{index}a]"]
    if size and item.size:
        w, h = size
        chains.append(f"[{index}:v:0]fps={FPS}:start_time=0,scale={w}:{h}:force_original_aspect_ratio=decrease,"
                      f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,"
                      f"tpad=stop_mode=clone:stop_duration={d},trim=duration={d},setpts=PTS-STARTPTS[p{index}v]")
    elif size:
        chains += [c.replace("[gv]", f"[p{index}v]") for c in _gap("g", item.duration, size)[1:]]
    return chains


def _graph(items: Sequence[_Measured], size: tuple[int, int] | None) -> tuple[str, int]:
    """The filter graph placing each part at its time; returns (graph, total duration)."""
    chains, labels, clock = [], [], 0.0
    for index, item in enumerate(items):
        gap = item.part.t - clock
        if gap > MIN_GAP:
            chains += _gap(f"g{index}", gap, size)
            labels.append(f"g{index}")
        chains += _part(index, item, size)
        labels.append(f"p{index}")
        clock = max(clock, item.part.t) + item.duration
    streams = "".join(f"[{label}v][{label}a]" if size else f"[{label}a]" for label in labels)
    chains.append(f"{streams}concat=n={len(labels)}:v={1 if size else 0}:a=1" + ("[v][a]" if size else "[a]"))
    return ";".join(chains), clock


def as_part(part: RecordedPart | Mapping[str, Any]) -> RecordedPart:
    """A RecordedPart from itself or from a dict with path, t and video."""
    if isinstance(part, RecordedPart):
        return part
    return RecordedPart(Path(part["path"]), float(part["t"]), bool(part.get("video")))


def assemble_recording(parts: Sequence[RecordedPart | Mapping[str, Any]], out_path: Path, binary: str,
                       timeout: float | None = None) -> float:
    """Write the session's recording (Matroska: H.264 if any video, Opus) to out_path; returns
    its duration. Unreadable or empty parts are left out (their time becomes a gap)."""
    measured = []
    for part in sorted((as_part(p) for p in parts), key=lambda p: p.t):
        duration, size = measure(Path(part.path))
        if duration > 0:
            measured.append(_Measured(part, duration, size))
    if not measured:
        raise RecordingEmpty("no recorded part holds media")
    sizes = [m.size for m in measured if m.size]
    size = _frame_size(sizes) if sizes else None
    graph, total = _graph(measured, size)
    args = ["-y"]
    for item in measured:
        args += input_args(item.part.path, "matroska")
    maps = ["-map", "[v]", "-map", "[a]"] if size else ["-map", "[a]"]
    run([*args, "-filter_complex", graph, *maps, *OUTPUT_OPTIONS, str(Path(out_path).absolute())],
        binary=binary, duration=total, timeout=timeout)
    return total
