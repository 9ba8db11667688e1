"""Live encoding of one presenter connection ("part"): WebM on stdin → HLS fMP4 tiers + a recording.

One ffmpeg per part reads the browser's MediaRecorder stream and writes, under
`<work>/hls/<tier>/<generation>/`, an audio-only tier (AAC-LC mono 24 kbps: it plays in hls.js,
in Safari's native HLS and, as concatenated fragments, in a plain `<audio>` element) and, when
the part has video, 240p and 360p tiers. Segments are about 2 s and renamed into place only when
complete (`+temp_file`). Timestamps are relative to the session's start (`offset`), so every
part and restart continues one timeline. If ffmpeg dies, a new one (a new "generation") is fed
the stream's initialization bytes and then the data from the next Cluster on.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media.ffmpeg import input_options
from media.ladder import AAC_OPTIONS
from media.recording import assemble_recording  # noqa: F401  (part of this module's interface)
from media.stdin_process import StdinProcess
from media.webm import ClusterScanner

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = 2
AUDIO_TIER = "audio"
HLS_OPTIONS: dict[str, Any] = {
    "f": "hls", "hls_time": SEGMENT_SECONDS, "hls_list_size": 0, "hls_segment_type": "fmp4",
    "hls_flags": "+temp_file+independent_segments", "hls_fmp4_init_filename": "init.mp4",
}
# Speech at 16 kHz (7 kHz of bandwidth) in 24 kbit/s: with the containers, the socket and the slides a
# student's downstream stays under 40 kbit/s, where 32 kbit/s had it at about 55 (bench/live_audio.py).
LIVE_AAC: dict[str, Any] = {**AAC_OPTIONS, "b:a": "24k", "af": "highpass=f=80"}


@dataclass(frozen=True)
class LiveVideoTier:
    """One live video rendition: height cap, frame rate and x264 caps (GOP = one segment)."""

    name: str
    height: int
    fps: int
    crf: int
    maxrate_k: int

    def options(self) -> dict[str, Any]:
        """ffmpeg output options for this tier (video + the tier's own audio)."""
        gop = self.fps * SEGMENT_SECONDS
        return {
            "vf": f"fps={self.fps},scale=-2:'trunc(min({self.height},ih)/2)*2'",
            "c:v": "libx264", "preset": "veryfast", "tune": "zerolatency", "profile:v": "main",
            "pix_fmt": "yuv420p", "crf": self.crf, "maxrate": f"{self.maxrate_k}k",
            "bufsize": f"{self.maxrate_k * 2}k", "g": gop, "keyint_min": gop, "sc_threshold": 0,
            **{k: v for k, v in LIVE_AAC.items() if k != "af"},
        }


LIVE_VIDEO_TIERS = (LiveVideoTier("240", 240, 12, 32, 220), LiveVideoTier("360", 360, 15, 32, 420))


class LiveEncoderError(Exception):
    """ffmpeg keeps dying on this stream (bad input): the part cannot be encoded."""


def _flags(options: dict[str, Any]) -> list[str]:
    """ffmpeg options as argv pairs."""
    args: list[str] = []
    for key, value in options.items():
        args += [f"-{key}", str(value)]
    return args


def encoder_args(out: dict[str, Path], *, video: bool, offset: float) -> list[str]:
    """argv (after the binary) for one generation: WebM from stdin to every tier's folder."""
    args = _flags({**input_options("matroska", pipe=True), "probesize": 65536,
                   "analyzeduration": 1_000_000})
    args += ["-i", "pipe:0", "-copyts"]
    outputs = [(AUDIO_TIER, ["-map", "0:a:0"], LIVE_AAC)]
    if video:
        outputs += [(t.name, ["-map", "0:v:0?", "-map", "0:a:0"], t.options()) for t in LIVE_VIDEO_TIERS]
    for name, maps, options in outputs:
        folder = out[name]
        args += [*maps, *_flags(options), "-output_ts_offset", f"{offset:.3f}", *_flags(HLS_OPTIONS),
                 "-hls_segment_filename", str(folder / "%05d.m4s"), str(folder / "index.m3u8")]
    return args


def tier_names(video: bool) -> list[str]:
    """The tiers a part writes."""
    return [AUDIO_TIER, *(t.name for t in LIVE_VIDEO_TIERS)] if video else [AUDIO_TIER]


def generation_name(part: int, restart: int) -> str:
    """A generation's folder name; sorts in stream order and never repeats within a session."""
    return f"{part:03d}-{restart:02d}"


class LiveEncoder:
    """Encode one part: feed() MediaRecorder chunks, close() at the end; restarts a dead ffmpeg."""

    def __init__(self, work_dir: Path, part: int, *, video: bool, offset: float, binary: str,
                 recording: Path, max_restarts: int = 5, restart_window: float = 60.0) -> None:
        self.work_dir, self.part, self.video, self.offset = Path(work_dir), part, video, offset
        self.binary, self.recording = binary, Path(recording)
        self.max_restarts, self.restart_window = max_restarts, restart_window
        self.scanner = ClusterScanner()
        self.restarts: list[float] = []
        self.generation = 0
        self.fed_bytes = 0
        self._lock = threading.Lock()
        self._resuming = False
        self.recording.parent.mkdir(parents=True, exist_ok=True)
        self._record = self.recording.open("ab")
        self.process = self._start()

    def _start(self) -> StdinProcess:
        """Start the current generation's ffmpeg."""
        name = generation_name(self.part, self.generation)
        out = {tier: self.work_dir / "hls" / tier / name for tier in tier_names(self.video)}
        for folder in out.values():
            folder.mkdir(parents=True, exist_ok=True)
        logger.info("live encoder part %s generation %s starting", self.part, name)
        return StdinProcess(encoder_args(out, video=self.video, offset=self.offset), binary=self.binary)

    def feed(self, chunk: bytes) -> None:
        """Record the chunk and pass it to ffmpeg (restarting ffmpeg if it has died)."""
        with self._lock:
            self._record.write(chunk)
            self._record.flush()
            self.fed_bytes += len(chunk)
            if self.scanner.init is None:
                self.scanner.feed_head(chunk)
            if not self._resuming and not self.process.write(chunk):
                self._restart()
            if self._resuming:
                self._resume(chunk)

    def _restart(self) -> None:
        """ffmpeg is gone: start the next generation, to be fed from the next Cluster."""
        tail = self.process.stderr_tail()
        self.process.finish(timeout=5)
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < self.restart_window] + [now]
        if len(self.restarts) > self.max_restarts:
            raise LiveEncoderError(f"ffmpeg died {len(self.restarts)} times: {tail}")
        logger.warning("live encoder part %s: ffmpeg died (%s); restarting", self.part, tail)
        self.generation += 1
        self.process = self._start()
        self._resuming = True

    def _resume(self, chunk: bytes) -> None:
        """Feed the new ffmpeg the init bytes, then the stream from the next Cluster boundary."""
        data, pos = self.scanner.resume_point(chunk)
        if pos < 0 or self.scanner.init is None:
            return
        self._resuming = False
        if not (self.process.write(self.scanner.init) and self.process.write(data[pos:])):
            self._restart()

    def close(self, timeout: float = 30.0) -> int:
        """Flush and wait for ffmpeg; close the recording. Returns ffmpeg's exit status."""
        with self._lock:
            self._record.close()
            return self.process.finish(timeout)
