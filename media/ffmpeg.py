"""Run ffmpeg safely: argv lists only, progress on a pipe, timeouts, kill on error."""

from __future__ import annotations

import collections
import ctypes
import functools
import logging
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Sequence

logger = logging.getLogger(__name__)

# Demuxers an uploaded file may be read with (names as in `ffmpeg -demuxers`). ffmpeg copies the
# whitelists into nested demuxers, so e.g. an HLS playlist hidden in an AVI subtitle is refused.
FORMAT_WHITELIST = ("mov", "matroska", "avi", "mpegts", "mp3", "ogg", "wav", "flac", "aac", "amr")
STDERR_TAIL_LINES = 20
STDERR_TAIL_CHARS = 2000
READ_CHUNK = 1 << 20
POLL_SECONDS = 0.5
PR_SET_PDEATHSIG = 1

ProgressCallback = Callable[[float], None]


class FFmpegError(Exception):
    """ffmpeg failed; `stderr_tail` holds the last lines it printed."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(f"{message}: {stderr_tail}" if stderr_tail else message)
        self.stderr_tail = stderr_tail


class FFmpegTimeout(FFmpegError):
    """ffmpeg ran longer than its wall-clock timeout and was killed."""


@dataclass(frozen=True)
class FrameSink:
    """Receive fixed-size raw frames that ffmpeg writes to stdout (`pipe:1`)."""

    frame_bytes: int
    callback: Callable[[bytes], None]


def ffmpeg_binary(configured: str | None = None) -> str:
    """The configured binary, else `ffmpeg` on PATH, else the one bundled with imageio-ffmpeg."""
    if configured:
        return configured
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def has_filter(binary: str, name: str) -> bool:
    """Whether this ffmpeg build has the named filter (e.g. zscale needs --enable-libzimg)."""
    listing = subprocess.run([binary, "-hide_banner", "-filters"], capture_output=True, check=True,
                             timeout=30).stdout.decode("utf-8", "replace")
    return any(line.split()[1:2] == [name] for line in listing.splitlines())


def input_options(fmt: str | None = None, *, pipe: bool = False) -> dict[str, str]:
    """ffmpeg input options that confine a demuxer to local files and whitelisted formats."""
    options = {
        "protocol_whitelist": "pipe" if pipe else "file",
        "format_whitelist": ",".join(FORMAT_WHITELIST),
    }
    if fmt:
        options["f"] = fmt
    return options


def input_args(path: Path | str, fmt: str | None = None) -> list[str]:
    """argv for one safe input: whitelists, explicit format, absolute path."""
    args: list[str] = []
    for key, value in input_options(fmt).items():
        args += [f"-{key}", value]
    return [*args, "-i", str(Path(path).absolute())]


def command(args: Sequence[str], binary: str, progress_fd: int) -> list[str]:
    """The full argv: quiet logging, no stdin, machine-readable progress on progress_fd."""
    return [binary, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-progress", f"pipe:{progress_fd}", "-nostats", *args]


class _StderrTail(threading.Thread):
    """Drain ffmpeg's stderr in the background, keeping only the last lines."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)

    def run(self) -> None:
        """Read until EOF."""
        for raw in self.stream:
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def text(self) -> str:
        """The tail as one string, at most STDERR_TAIL_CHARS long."""
        return "\n".join(self.lines)[-STDERR_TAIL_CHARS:]


class _Progress:
    """Turn `-progress` key=value lines into fractions of the expected duration."""

    def __init__(self, duration: float | None, callback: ProgressCallback | None) -> None:
        self.duration = duration
        self.callback = callback
        self.pending = b""
        self.out_time = 0.0

    def feed(self, data: bytes) -> None:
        """Consume a chunk of the progress stream."""
        *lines, self.pending = (self.pending + data).split(b"\n")
        for line in lines:
            key, _, value = line.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                self.out_time = max(self.out_time, int(value) / 1e6)
            elif key == "progress":
                self.report(self.fraction())

    def fraction(self) -> float:
        """Progress so far in [0, 1]."""
        if not self.duration or self.duration <= 0:
            return 0.0
        return min(1.0, self.out_time / self.duration)

    def report(self, fraction: float) -> None:
        """Call the callback (which may raise to abort the run)."""
        if self.callback is not None:
            self.callback(fraction)


class _Frames:
    """Split stdout bytes into whole frames for a FrameSink."""

    def __init__(self, sink: FrameSink) -> None:
        self.sink = sink
        self.buffer = bytearray()

    def feed(self, data: bytes) -> None:
        """Consume stdout bytes, emitting each complete frame."""
        self.buffer += data
        size = self.sink.frame_bytes
        while len(self.buffer) >= size:
            frame = bytes(self.buffer[:size])
            del self.buffer[:size]
            self.sink.callback(frame)


def _pump(handlers: dict[int, Callable[[bytes], None]], deadline: float | None) -> None:
    """Read the progress pipe and stdout until both close, honouring the deadline."""
    with selectors.DefaultSelector() as selector:
        for fd in handlers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            if deadline is not None and time.monotonic() > deadline:
                raise FFmpegTimeout("ffmpeg timed out")
            for key, _ in selector.select(POLL_SECONDS):
                data = os.read(key.fd, READ_CHUNK)
                if data:
                    handlers[key.fd](data)
                else:
                    selector.unregister(key.fd)


def _wait(proc: subprocess.Popen[bytes], deadline: float | None) -> int:
    """Wait for exit within the deadline."""
    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        return proc.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        raise FFmpegTimeout("ffmpeg timed out") from None


def _die_with_parent() -> None:
    """In the child: ask Linux to kill ffmpeg if the worker that started it dies (a SIGKILLed
    consumer must not leave an orphan encoder burning the CPU its replacement needs)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run(args: Sequence[str], *, binary: str, duration: float | None = None,
        on_progress: ProgressCallback | None = None, timeout: float | None = None,
        cwd: Path | str | None = None, frame_sink: FrameSink | None = None) -> None:
    """Run ffmpeg with args; report progress; kill it if a callback raises or time runs out."""
    progress = _Progress(duration, on_progress)
    deadline = None if timeout is None else time.monotonic() + timeout
    read_fd, write_fd = os.pipe()
    try:
        argv = command(args, binary, write_fd)
        logger.debug("running %s", argv)
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, shell=False,
            stdout=subprocess.PIPE if frame_sink else subprocess.DEVNULL, pass_fds=(write_fd,),
            preexec_fn=_die_with_parent,
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    _supervise(proc, read_fd, progress, frame_sink, deadline)


def _supervise(proc: subprocess.Popen[bytes], read_fd: int, progress: _Progress,
               frame_sink: FrameSink | None, deadline: float | None) -> None:
    """Pump ffmpeg's pipes to completion; on any exception kill it (always reaped) and re-raise."""
    assert proc.stderr is not None
    tail = _StderrTail(proc.stderr)
    tail.start()
    handlers: dict[int, Callable[[bytes], None]] = {read_fd: progress.feed}
    if frame_sink is not None and proc.stdout is not None:
        handlers[proc.stdout.fileno()] = _Frames(frame_sink).feed
    try:
        try:
            progress.report(0.0)
            _pump(handlers, deadline)
            code = _wait(proc, deadline)
        finally:
            _cleanup(proc, tail, read_fd)
    except FFmpegTimeout:
        raise FFmpegTimeout("ffmpeg timed out", tail.text()) from None
    if code != 0:
        raise FFmpegError(f"ffmpeg exited with status {code}", tail.text())
    progress.report(1.0)


def _cleanup(proc: subprocess.Popen[bytes], tail: _StderrTail, read_fd: int) -> None:
    """Kill ffmpeg if still running, reap it, drain stderr and close our pipe ends."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    tail.join(timeout=5)
    os.close(read_fd)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
