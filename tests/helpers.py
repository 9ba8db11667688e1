"""Test helpers shared by several modules."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

both_databases = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a real threaded HTTP server on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    """Return a TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_http(url: str) -> bool:
    """Return whether url answers any HTTP response."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen) -> None:
    """Ask a test server process to stop; kill it if it has not within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


ROOT = Path(__file__).resolve().parents[1]
WEB_START_TIMEOUT = 30.0


def start_web_process(config: dict[str, Any], port: int, log: Path) -> subprocess.Popen:
    """A real web process (tests/webinar/live_server.py) for config on port, once it answers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.webinar.live_server", json.dumps(config), str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + WEB_START_TIMEOUT
    while not answers_http(f"http://127.0.0.1:{port}/login"):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc)
            raise AssertionError(f"server on {port} did not start ({proc.returncode}):\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    return proc
