"""Test helpers shared by several modules."""
from __future__ import annotations

import socket
import subprocess
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Iterator

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
