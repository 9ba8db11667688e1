"""A long-running ffmpeg fed through its stdin: argv list, dies with its parent, stderr tail kept."""
from __future__ import annotations

import logging
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

from media.ffmpeg import _die_with_parent, _StderrTail

logger = logging.getLogger(__name__)
_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _spawn(argv: list[str], cwd: Path | str | None) -> subprocess.Popen[bytes]:
    """Start ffmpeg from one long-lived thread: Linux sends PR_SET_PDEATHSIG when the *thread*
    that forked the child exits, and the request thread that asked for it may end any moment."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ffmpeg-spawner")
    return _spawner.submit(subprocess.Popen, argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, cwd=cwd, shell=False, preexec_fn=_die_with_parent).result()


class StdinProcess:
    """One ffmpeg reading `pipe:0`; write() returns False once it is gone."""

    def __init__(self, args: Sequence[str], *, binary: str, cwd: Path | str | None = None) -> None:
        argv = [binary, "-hide_banner", "-loglevel", "error", "-nostats", *args]
        logger.debug("starting %s", argv)
        self.proc = _spawn(argv, cwd)
        assert self.proc.stderr is not None
        self.tail = _StderrTail(self.proc.stderr)
        self.tail.start()

    @property
    def pid(self) -> int:
        """The ffmpeg's process id."""
        return self.proc.pid

    def alive(self) -> bool:
        """Whether ffmpeg still runs."""
        return self.proc.poll() is None

    def write(self, data: bytes) -> bool:
        """Send bytes to ffmpeg's stdin; False if it has exited (the bytes are lost)."""
        if not self.alive():
            return False
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            return False
        return True

    def finish(self, timeout: float) -> int:
        """Close stdin so ffmpeg flushes its last segments, wait for it (kill after timeout)."""
        try:
            if self.proc.stdin is not None and not self.proc.stdin.closed:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("ffmpeg %s did not finish in %.0f s; killed", self.pid, timeout)
            self.proc.kill()
            code = self.proc.wait()
        self.tail.join(timeout=5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return code

    def stderr_tail(self) -> str:
        """The last lines ffmpeg printed."""
        return self.tail.text()
