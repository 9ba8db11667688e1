"""render_pages() in a child process: a PDF that crashes PDFium, or takes forever or all memory to
draw, costs that child only, never the worker (which, on the embedded default, is the web server).

The child is ``python -m media.pdf_isolated SRC OUT SETTINGS_JSON``. It prints a JSON line per
page done, then the pages (exit 0) or the refusal (exit 3). A timeout or the memory limit becomes
``PdfRejected("too_complex")``, and a crash ``PdfRejected("damaged")``.
"""
from __future__ import annotations

import json
import logging
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from media.pdf import LONG_SIDE, Page, PdfLimits, PdfRejected, render_pages

log = logging.getLogger(__name__)
REFUSED = 3  # the child's exit code for a PdfRejected
OUTPUT = re.compile(r"\d+\.(webp|jpg)")  # what render_pages writes
ROOT = Path(__file__).resolve().parents[1]  # where `media` imports from, whatever the worker's cwd


def render_isolated(path: Path | str, out_dir: Path | str, *, long_side: int = LONG_SIDE,
                    limits: PdfLimits = PdfLimits(), timeout: float = 600.0, memory_bytes: int = 2 << 30,
                    on_progress: Callable[[float], None] | None = None) -> list[Page]:
    """render_pages() under a time and an address-space limit; the same pages and refusals."""
    settings = {"long_side": long_side, "limits": asdict(limits), "memory_bytes": memory_bytes}
    command = [sys.executable, "-m", "media.pdf_isolated", str(Path(path).absolute()),
               str(Path(out_dir).absolute()), json.dumps(settings)]
    expired = threading.Event()
    with tempfile.TemporaryFile() as errors, subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                                              stderr=errors, text=True) as child:

        def expire() -> None:
            expired.set()
            child.kill()

        killer = threading.Timer(timeout, expire)
        killer.start()
        try:
            result = _follow(child, on_progress)
        finally:
            killer.cancel()
        child.wait()
        errors.seek(0)
        stderr = errors.read()[-2000:].decode(errors="replace")
    if child.returncode == 0 and result is not None:
        return [_page(entry) for entry in result["pages"]]
    _clean(Path(out_dir))
    if child.returncode == REFUSED and result is not None:
        raise PdfRejected(result["refused"]["code"], result["refused"]["params"])
    # Out of time, or out of memory inside PDFium: a failed C++ allocation under the memory limit
    # aborts the child (SIGABRT) before Python can raise MemoryError.
    if expired.is_set() or child.returncode == -signal.SIGABRT:
        raise PdfRejected("too_complex")
    log.warning("PDF renderer exited with %s: %s", child.returncode, stderr)
    raise PdfRejected("damaged")


def _follow(child: subprocess.Popen, on_progress: Callable[[float], None] | None) -> dict[str, Any] | None:
    """Pass the child's progress on; return its last message (the pages, or the refusal)."""
    last = None
    for line in child.stdout:
        try:
            message = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        if "progress" in message:
            if on_progress:
                on_progress(message["progress"])
        else:
            last = message
    return last


def _page(entry: dict[str, Any]) -> Page:
    """A Page from its JSON form."""
    return Page(entry["number"], entry["width"], entry["height"],
                {fmt: Path(name) for fmt, name in entry["files"].items()}, entry["sizes"])


def _clean(out_dir: Path) -> None:
    """Delete page images a dead child could not clean up itself."""
    if out_dir.is_dir():
        for item in out_dir.iterdir():
            if OUTPUT.fullmatch(item.name):
                item.unlink(missing_ok=True)


def _child(source: str, out_dir: str, settings: dict[str, Any]) -> int:
    """In the child: limit memory, render, report progress and the result as JSON lines."""
    memory = settings["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    def say(message: dict[str, Any]) -> None:
        print(json.dumps(message), flush=True)

    try:
        pages = render_pages(source, out_dir, long_side=settings["long_side"],
                             limits=PdfLimits(**settings["limits"]), on_progress=lambda f: say({"progress": f}))
    except PdfRejected as refusal:
        say({"refused": {"code": refusal.code, "params": refusal.params}})
        return REFUSED
    except MemoryError:
        say({"refused": {"code": "too_complex", "params": {}}})
        return REFUSED
    say({"pages": [{**asdict(p), "files": {f: str(name) for f, name in p.files.items()}} for p in pages]})
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
