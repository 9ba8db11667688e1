"""Web load: requests/s and p99 latency of a student's lecture page and HLS playlist, under wrk.

A 3 s lecture is uploaded and processed once (tuspy, the real pipeline, SQLite, local storage).
Then the README's gunicorn command (`gunicorn -w 1 --threads 64 … wsgi:app`, read from the README's
"Scale-out configuration" block) serves it as one process, then as two behind deploy/nginx. wrk
(apt's) sends the signed-in student's cookie and `Accept-Encoding: br, gzip` as a browser would.

ip_hash pins a client address to one instance, and all of wrk's connections come from 127.0.0.1,
so the two-instance run balances on `hash $remote_addr$remote_port` instead: each connection is a
client that sticks to its instance, as many students on many addresses would. Everything shares
this 2-core machine with wrk and nginx, so the gain of a second process is bounded by the cores.

Run: .venv/bin/python bench/web_load.py [--seconds 8] [--connections 32]
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BALANCE = "hash $remote_addr$remote_port"


def lecture(work: Path) -> tuple[str, str, dict[str, str]]:
    """Upload and process a lecture; return its page path, its playlist path and the app's settings."""
    from media.ffmpeg import ffmpeg_binary
    from tests.media import clips
    from tests.webinar.lecture_world import lecture_config, served_world

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    config = lecture_config(work, f"sqlite:///{work / 'aralyk.sqlite3'}")
    clip = clips.lecture_mp4(ffmpeg_binary(), work / "lecture.mp4", d=3)
    with served_world(config) as world:
        page = world.upload(clip)
        cookie = "; ".join(f"{c.name}={c.value}" for c in world.sessions["student"].cookies)
    settings = {f"ARALYK_{k}": str(config[k]) for k in
                ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "STORAGE_LOCAL_ROOT", "UPLOAD_STAGING_DIR")}
    settings.update(ARALYK_TRUSTED_PROXIES="1", ARALYK_HUEY_SQLITE_PATH=str(work / "huey.sqlite3"),
                    ARALYK_LIVE_WORK_DIR=str(work / "live"), COOKIE=cookie)
    return page, f"{page}/media/video.m3u8", settings


def instance(settings: dict[str, str], work: Path, n: int) -> tuple[subprocess.Popen, str]:
    """The README's gunicorn command on a free port; returns the process and its host:port."""
    from tests.helpers import answers_http, free_port
    from tests.scale.readme import scale_out

    argv = scale_out().named("gunicorn")[0]
    bind = f"127.0.0.1:{free_port()}"
    argv[argv.index("-b") + 1] = bind
    env = {**os.environ, **settings, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with (work / f"gunicorn{n}.log").open("wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not answers_http(f"http://{bind}/login"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((work / f"gunicorn{n}.log").read_text()[-2000:])
        time.sleep(0.1)
    return proc, bind


def wrk(url: str, cookie: str, seconds: int, connections: int, verify: str | bool = True) -> dict[str, float]:
    """One wrk run: requests/s, p50 and p99 in ms, and the count of non-2xx/3xx answers."""
    import requests

    with requests.get(url, headers={"Cookie": cookie}, allow_redirects=False, verify=verify) as first:
        if first.status_code != 200:  # a redirect to /login would be counted as a fast success
            raise RuntimeError(f"{url}: HTTP {first.status_code} {first.headers.get('Location')}")
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}",
            "-H", "Accept-Encoding: br, gzip", "-H", "Accept-Language: en", url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)), "bad": int(bad.group(1)) if bad else 0}


def _ms(text: str) -> float:
    """wrk's 1.23ms / 456.00us / 1.20s in milliseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run(seconds: int, connections: int) -> list[tuple[str, str, dict[str, float]]]:
    """Both routes on: one process directly, one behind nginx, two behind nginx."""
    from tests.helpers import stop_process
    from tests.scale.nginx import nginx

    rows = []
    with tempfile.TemporaryDirectory(prefix="web-load-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        page, playlist, settings = lecture(work)
        cookie = settings.pop("COOKIE")
        procs = [instance(settings, work, n) for n in (1, 2)]
        for proc, _ in procs:
            stack.callback(stop_process, proc)
        (a, b) = [bind for _, bind in procs]
        one = stack.enter_context(nginx([a, a], work / "nginx1"))
        two = stack.enter_context(nginx([a, b], work / "nginx2", balance=BALANCE))
        setups = [("1 process, direct", f"http://{a}", True), ("1 process, nginx", one.base, str(one.ca)),
                  ("2 processes, nginx", two.base, str(two.ca))]
        for label, base, verify in setups:
            for route, path in (("lecture page", page), ("HLS playlist", playlist)):
                rows.append((label, route, wrk(base + path, cookie, seconds, connections, verify)))
    return rows


def show(rows: list[tuple[str, str, dict[str, float]]], seconds: int, connections: int) -> None:
    load = os.getloadavg()
    print(f"Web load: wrk -t2 -c{connections} -d{seconds}s, a signed-in student, gunicorn -w 1 --threads 64 "
          f"per process (SQLite, local storage), 2 cores shared with wrk and nginx; load average now "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"  {'setup':<20}{'route':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx/3xx':>13}")
    for label, route, r in rows:
        print(f"  {label:<20}{route:<14}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['bad']:>13}")
    print(f"  nginx: deploy/nginx/aralyk.conf over TLS + keepalive; two processes: balanced on `{BALANCE}` "
          f"(ip_hash would send wrk's one address to one)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        print("web_load: needs wrk and nginx (apt-get install wrk nginx; .ci/run installs them)")
        sys.exit(1)
    show(run(args.seconds, args.connections), args.seconds, args.connections)


if __name__ == "__main__":
    main()
