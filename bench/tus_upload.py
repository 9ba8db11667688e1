"""tus upload over loopback: throughput with tuspy, and the peak memory of the server and the client.

The real app (SQLite, werkzeug's threaded server) runs in its own process, started as
`python bench/tus_upload.py --serve WORKDIR`, with a bench upload purpose whose finish records the
size it got and deletes the file. A teacher signs in through the login form and uploads a file of
random-ish bytes with tuspy. Each case runs in a fresh client process (`--case`) with a fresh server,
so the VmHWM (peak RSS, from /proc/<pid>/status) of each, read just before the upload (after start-up
and sign-in) and again after it, shows what that upload cost.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MiB = 1024 * 1024
GiB = 1024 * MiB
PURPOSE = "bench-upload"
USERNAME, PASSWORD = "teacher", "bench password 42"
# (file size, chunk size): a realistic server-side chunk, and the browser's 1 MiB chunk.
CASES = ((GiB, 8 * MiB), (GiB, MiB))


# ---------------------------------------------------------------------------------------------
# The server process


def server_config(workdir: Path) -> dict[str, Any]:
    """The app's settings for the bench: files and the database under workdir, CSRF off as in the tests."""
    return {
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'aralyk.sqlite3'}",
        "WTF_CSRF_ENABLED": False, "HUEY_IMMEDIATE": True, "STORAGE_LOCAL_ROOT": str(workdir / "storage"),
        "UPLOAD_STAGING_DIR": str(workdir / "staging"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "1000 per minute", "UPLOAD_RATE_LIMIT": "1000 per hour",
        "UPLOAD_MAX_BYTES": 4 * GiB,
    }


def serve(workdir: Path) -> None:
    """Run the app on a free loopback port until SIGTERM; print 'PORT <n>' once it listens."""
    # Imported here: the client process never loads the app.
    from flask import current_app
    from werkzeug.serving import make_server

    from tests.conftest import make_app
    from webinar.extensions import db
    from webinar.models import Role, User
    from webinar.uploads import UploadPurpose, UploadRefused, purposes

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per PATCH
    done = workdir / "done.json"

    def authorize(user: User, metadata: dict[str, str]) -> None:
        if user.role != Role.TEACHER:
            raise UploadRefused(403, "Only teachers upload recordings.")

    def finish(upload: Any, path: Path) -> str | None:
        done.write_text(json.dumps({"id": upload.id, "bytes": path.stat().st_size}))
        path.unlink()
        return None

    purposes.register(PURPOSE, UploadPurpose(authorize, lambda: current_app.config["UPLOAD_MAX_BYTES"], finish))
    app = make_app(server_config(workdir))
    with app.app_context():
        user = User(username=USERNAME, full_name="Bench Teacher", role=Role.TEACHER)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"PORT {server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()


# ---------------------------------------------------------------------------------------------
# Measuring


def status_kib(pid: int | str, field: str) -> int:
    """A kB field (VmHWM, VmRSS) of /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_data(path: Path, size: int) -> None:
    """size bytes of random-ish data: one random MiB written over and over."""
    block = os.urandom(MiB)
    with path.open("wb") as out:
        for _ in range(size // MiB):
            out.write(block)
        out.write(block[: size % MiB])


class Server:
    """The app in a child process, for one case."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True)
        self.workdir = workdir
        self.log = (workdir / "server.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(workdir)],
                                     stdout=subprocess.PIPE, stderr=self.log, cwd=Path(__file__).resolve().parents[1])
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()  # "PORT <n>", or "" when the server died
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}\n{(workdir / 'server.log').read_text()}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"

    def uploaded_bytes(self) -> int:
        return int(json.loads((self.workdir / "done.json").read_text())["bytes"])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def upload_case(data: Path, size: int, chunk: int, workdir: Path) -> dict[str, Any]:
    """Start a server, sign in, upload the first `size` bytes of data in `chunk`-byte PATCHes."""
    import requests
    from tusclient.client import TusClient

    server = Server(workdir)
    try:
        with requests.Session() as session:
            with session.post(f"{server.base}/login", data={"username": USERNAME, "password": PASSWORD},
                              headers={"Accept-Language": "en"}, allow_redirects=False) as response:
                assert response.status_code == 302, response.text
            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        pid = server.proc.pid
        server_base, server_rss = status_kib(pid, "VmHWM"), status_kib(pid, "VmRSS")
        server_cpu = cpu_seconds(pid)
        client_base = status_kib("self", "VmHWM")
        client = TusClient(f"{server.base}/uploads/", headers={"Cookie": cookie, "Accept-Language": "en"})
        with data.open("rb") as stream:
            view = _Limited(stream, size)
            uploader = client.uploader(file_stream=view, chunk_size=chunk,
                                       metadata={"purpose": PURPOSE, "filename": "lecture.mp4"})
            started = time.perf_counter()
            uploader.upload()
            seconds = time.perf_counter() - started
        got = server.uploaded_bytes()
        assert got == size, f"the server finished with {got} bytes, expected {size}"
        return {
            "size": size, "chunk": chunk, "patches": -(-size // chunk), "seconds": seconds,
            "server_base": server_base, "server_rss": server_rss, "server_peak": status_kib(pid, "VmHWM"),
            "server_cpu": cpu_seconds(pid) - server_cpu,
            "client_base": client_base, "client_peak": status_kib("self", "VmHWM"),
        }
    finally:
        server.stop()


class _Limited:
    """The first `size` bytes of a binary file, as tuspy sees a file stream (read, seek, tell)."""

    def __init__(self, stream: Any, size: int) -> None:
        self.stream, self.size = stream, size

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.stream.tell()
        return self.stream.read(left if n < 0 else min(n, left))

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END:
            return self.stream.seek(self.size + offset)
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()


def human(size: int) -> str:
    return f"{size // GiB} GiB" if size >= GiB and size % GiB == 0 else f"{size // MiB} MiB"


def run_case(data: Path, size: int, chunk: int, workdir: Path) -> dict[str, Any]:
    """One case in a fresh client process (so its peak memory is this upload's alone)."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--case", str(data), str(size), str(chunk),
                          str(workdir)], stdout=subprocess.PIPE, check=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", metavar="WORKDIR", help=argparse.SUPPRESS)
    parser.add_argument("--case", nargs=4, metavar=("DATA", "SIZE", "CHUNK", "WORKDIR"), help=argparse.SUPPRESS)
    parser.add_argument("--mib", type=int, default=None, help="upload this many MiB in every case instead")
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return
    if args.case:
        data, size, chunk, workdir = args.case
        print(json.dumps(upload_case(Path(data), int(size), int(chunk), Path(workdir))))
        return
    cases = [(args.mib * MiB if args.mib else size, chunk) for size, chunk in CASES]
    results = []
    with tempfile.TemporaryDirectory(prefix="tus-bench-") as tmp:
        data = Path(tmp) / "data.bin"
        print(f"writing {human(max(s for s, _ in cases))} of test data", file=sys.stderr, flush=True)
        make_data(data, max(s for s, _ in cases))
        for i, (size, chunk) in enumerate(cases):
            print(f"uploading {human(size)} in {human(chunk)} chunks", file=sys.stderr, flush=True)
            results.append(run_case(data, size, chunk, Path(tmp) / f"case{i}"))
    print("tus upload over loopback: tuspy (requests) → werkzeug threaded server in its own process, SQLite, "
          "no Upload-Checksum")
    print(f"{'file':<8}{'chunk':>7}{'PATCHes':>9}{'seconds':>9}{'MB/s':>8}{'srv CPU s':>11}"
          f"{'srv before':>12}{'srv peak':>10}{'srv Δ':>8}{'cli before':>12}{'cli peak':>10}{'cli Δ':>8}")
    for r in results:
        mib = {k: r[k] / 1024 for k in ("server_base", "server_peak", "client_base", "client_peak")}
        print(f"{human(r['size']):<8}{human(r['chunk']):>7}{r['patches']:>9}{r['seconds']:>9.1f}"
              f"{r['size'] / 1e6 / r['seconds']:>8.1f}{r['server_cpu']:>11.1f}"
              f"{mib['server_base']:>12.1f}{mib['server_peak']:>10.1f}{mib['server_peak'] - mib['server_base']:>8.1f}"
              f"{mib['client_base']:>12.1f}{mib['client_peak']:>10.1f}{mib['client_peak'] - mib['client_base']:>8.1f}")
    print("memory in MiB: VmHWM (peak RSS) of the server / the client process just before the upload (after "
          "start-up and sign-in) and after it; MB/s = 10^6 B/s")


if __name__ == "__main__":
    main()
