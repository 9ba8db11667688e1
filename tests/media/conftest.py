"""Fixtures for media storage tests: a real moto S3 server and both storage backends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

from media.storage import LocalStorage, S3Storage, Storage

MOTO_START_TIMEOUT = 20.0


def _free_port() -> int:
    """Return a TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_http(url: str) -> bool:
    """Return whether url answers any HTTP response."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run moto in server mode as a subprocess and yield its endpoint URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + MOTO_START_TIMEOUT
        while not _answers_http(url + "/"):
            if proc.poll() is not None:
                log_text = log_path.read_text(errors="replace")
                pytest.fail(f"moto server exited with {proc.returncode}:\n{log_text}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"moto server did not answer on {url} within {MOTO_START_TIMEOUT:.0f}s:\n"
                    f"{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3_factory(moto_endpoint: str) -> Callable[..., S3Storage]:
    """Return a factory creating an S3Storage on a fresh uuid-named bucket."""

    def make(prefix: str = "") -> S3Storage:
        store = S3Storage(
            f"test-{uuid.uuid4().hex}",
            endpoint_url=moto_endpoint,
            access_key="testing",
            secret_key="testing",
            prefix=prefix,
        )
        store.ensure_bucket()
        return store

    return make


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Yield each storage backend in turn (fresh root / fresh bucket)."""
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    return request.getfixturevalue("s3_factory")()
