"""deploy/nginx as a real nginx in the foreground under a test prefix, on loopback ports.

The site file is taken as shipped, TLS and HTTP/2 included; only what names this machine changes:
the upstream servers, the listen lines (free loopback ports instead of 80 and 443), the snippet and
certificate folders (a throwaway self-signed certificate for 127.0.0.1) and the checkout's path.
Each substitution must match exactly once, so an edited site fails here first.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.helpers import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx"
SNIPPETS = ("aralyk-proxy.conf", "aralyk-headers.conf")
UPSTREAMS = ("127.0.0.1:8001", "127.0.0.1:8002")
# One access-log line per request: client, URI, the instance that answered, status.
LOG_FORMAT = "log_format probe '$remote_addr $request_uri $upstream_addr $status';"


def _swap(text: str, old: str, new: str) -> str:
    """text with old replaced by new; old must occur exactly once."""
    assert text.count(old) == 1, f"expected one {old!r} in the site config, found {text.count(old)}"
    return text.replace(old, new)


def local(name: str, prefix: Path) -> str:
    """A shipped file with the snippet, certificate and cache folders under prefix, the checkout for /srv/aralyk."""
    text = (SITE / name).read_text().replace("/etc/nginx/snippets/", f"{prefix}/snippets/")
    text = text.replace("/etc/ssl/aralyk/", f"{prefix}/tls/").replace("/srv/aralyk/", f"{ROOT}/")
    return text.replace("/var/cache/nginx/aralyk", f"{prefix}/cache")


def certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (fullchain.pem, privkey.pem); returns the certificate."""
    folder.mkdir(parents=True)
    cert = folder / "fullchain.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "privkey.pem"), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert


def site(upstreams: list[str], http_port: int, https_port: int, prefix: Path, balance: str | None = None) -> str:
    """The site file for this machine: instances, loopback ports without TLS, local paths (and another
    balancing rule than ip_hash, for a load generator whose connections all come from 127.0.0.1)."""
    text = local("aralyk.conf", prefix)
    if balance:
        text = _swap(text, "    ip_hash;", f"    {balance};")
    for shipped, ours in zip(UPSTREAMS, upstreams, strict=True):
        text = _swap(text, f"server {shipped};", f"server {ours};")
    text = _swap(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    return _swap(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")


def main_conf(prefix: Path) -> str:
    """A top-level nginx.conf like Debian's: mime types, then the site; everything under prefix."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach tmp_path (0700)
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  {LOG_FORMAT}\n  access_log {prefix}/access.log probe;\n"
            f"  include {prefix}/aralyk.conf;\n}}\n")


def _listening(port: int) -> bool:
    """Whether something accepts TCP connections on the loopback port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@dataclass
class Nginx:
    """The running nginx: its TLS base URL, the redirecting plain one, its folder, and its certificate."""

    base: str
    http_base: str
    prefix: Path
    ca: Path

    def upstream_of(self, uri: str) -> str:
        """The instance (host:port) that answered the last request for uri."""
        deadline = time.monotonic() + 5  # nginx writes the line once the response is done
        while time.monotonic() < deadline:
            lines = [ln.split() for ln in (self.prefix / "access.log").read_text().splitlines()]
            found = [ln[2] for ln in lines if ln[1] == uri]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no access-log line for {uri}")


@contextmanager
def nginx(upstreams: list[str], prefix: Path, balance: str | None = None) -> Iterator[Nginx]:
    """deploy/nginx in front of the upstreams, in the foreground until the block ends."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists() or not shutil.which("openssl"):
        if os.environ.get("CI") == "true":
            pytest.fail("nginx or openssl is not installed (CI=true: .ci/run installs them)")
        pytest.skip("nginx or openssl is not installed (apt-get install nginx openssl)")
    (prefix / "snippets").mkdir(parents=True)
    ca = certificate(prefix / "tls")
    for name in SNIPPETS:
        (prefix / "snippets" / name).write_text(local(name, prefix))
    http_port, https_port = free_port(), free_port()
    (prefix / "aralyk.conf").write_text(site(upstreams, http_port, https_port, prefix, balance))
    (prefix / "nginx.conf").write_text(main_conf(prefix))
    argv = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    proc = subprocess.Popen(argv)
    try:
        base, http_base = f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 10
        while not _listening(https_port):
            assert proc.poll() is None, f"nginx exited: {(prefix / 'error.log').read_text()}"
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.05)
        yield Nginx(base, http_base, prefix, ca)
    finally:
        stop_process(proc)
