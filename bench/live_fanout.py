"""Live webinar fan-out: delivery latency of chat and slide events to 100, 300 and 500 students.

The real app (SQLite, werkzeug's threaded server as `flask serve` runs it, Flask-SocketIO in
threading mode with simple-websocket) runs as ONE child process (`--serve WORKDIR N`), with a
course, a teacher, N students in the session's group and a live session with 100 slides. K client
processes (`--clients ...`) sign their students in through /login, open one python-socketio
client each (websocket transport only) and `join`. Then the teacher (in this process) sends a chat
message and a slide change once a second each, for SENDS seconds; the chat text carries the send
time, and every slide page is used once, so each receiver computes receive − send on the same
machine clock. Server CPU comes from /proc/<pid>/stat, peak RSS from VmHWM.

Scaled out (`--scale-out-at N`): at N students, the same with the Redis message queue, first on one
server process, then on two (one SQLite file, the same session); the client processes alternate
between them and the teacher is on the first, so half of every delivery crosses Redis.

Run: .venv/bin/python bench/live_fanout.py [--sizes 100 300 500] [--sends 20] [--procs 8] [--scale-out-at 300]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAMESPACE = "/live"
PASSWORD = "bench password 42"
SLIDES = 100
CONNECT_TIMEOUT = 30.0
CLIENT_LIFETIME = 300.0  # a client process exits by itself after this, whatever happens
GRACE = 5.0  # seconds after the last send that late deliveries are still counted


# ---------------------------------------------------------------------------------------------
# The server process


def server_config(workdir: Path) -> dict[str, Any]:
    """Production-like settings (no TESTING), files under workdir, limits lifted for one teacher's pace;
    BENCH_DB (another server's database) and BENCH_REDIS_URL (the message queue) for the scaled-out runs."""
    database = os.environ.get("BENCH_DB") or str(workdir / "aralyk.sqlite3")
    queue = os.environ.get("BENCH_REDIS_URL")
    return {
        **({"REDIS_URL": queue, "SOCKETIO_CHANNEL": os.environ["BENCH_CHANNEL"],
            "RATELIMIT_KEY_PREFIX": os.environ["BENCH_CHANNEL"], "HUEY_NAME": os.environ["BENCH_CHANNEL"]}
           if queue else {}),
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "WTF_CSRF_ENABLED": False, "HUEY_IMMEDIATE": True, "STORAGE_LOCAL_ROOT": str(workdir / "storage"),
        "UPLOAD_STAGING_DIR": str(workdir / "staging"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "100000 per minute", "LIVE_CHAT_RATE_LIMIT": "1000 per 10 seconds",
        "LIVE_WORK_DIR": str(workdir / "live"),
    }


def populate(app: Any, students: int) -> int:
    """The course, teacher and group of tests/webinar/live_world.py, N more students, a live session."""
    from tests.webinar.live_world import GROUP, LiveWorld
    from webinar.extensions import db
    from webinar.models import Group, LiveSession, Role, User

    world = LiveWorld(app, "")
    world.populate()  # teacher (password tests.conftest.PASSWORD), three students, the course, a session
    with app.app_context():
        group = db.session.query(Group).filter_by(name=GROUP).one()
        for name in ("teacher", "student", "student2", "student3"):  # the people live_audio.py signs in
            db.session.get(User, world.users[name]).set_password(PASSWORD)
        for i in range(students):
            user = User(username=f"s{i:04d}", full_name=f"Студент {i:04d}", role=Role.STUDENT, groups=[group])
            user.set_password(PASSWORD)
            db.session.add(user)
        session = db.session.get(LiveSession, world.session_id)
        session.slide_count = SLIDES
        db.session.commit()
    if not os.environ.get("BENCH_NOT_STARTED"):  # live_audio.py lets the teacher's go_live start it
        world.start()
    return world.session_id


def serve(workdir: Path, students: int) -> None:
    """Run the app on a free loopback port until SIGTERM; print 'PORT <n> SESSION <id>' once it listens."""
    from werkzeug.serving import make_server

    from tests.conftest import make_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if os.environ.get("BENCH_NO_PRESENCE"):  # the diagnostic run: joins without the room-wide presence emit
        import webinar.live.events

        webinar.live.events.announce_presence = lambda session: None
    app = make_app(server_config(workdir))
    joining = os.environ.get("BENCH_SESSION")  # a second server on the first one's database
    session_id = int(joining) if joining else populate(app, students)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(f"PORT {server.server_port} SESSION {session_id}", flush=True)
    server.serve_forever(poll_interval=0.05)


# ---------------------------------------------------------------------------------------------
# Measuring the server


def status_kib(pid: int | str, field: str) -> int:
    """A kB field (VmHWM, VmRSS) of /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def total_kib(pids: list[int], field: str) -> int:
    """status_kib summed over the server processes."""
    return sum(status_kib(pid, field) for pid in pids)


def threads(*pids: int) -> int:
    return total_kib(list(pids), "Threads")


def cpu_seconds(*pids: int) -> float:
    """User + system CPU seconds of the processes, from /proc/<pid>/stat."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Server:
    """The app in a child process."""

    def __init__(self, workdir: Path, students: int, presence: bool = True, **env_extra: str) -> None:
        workdir.mkdir(parents=True)
        self.workdir = workdir
        self.log = (workdir / "server.log").open("wb")
        self.logfile = workdir / "server.log"
        env = dict(os.environ, **({} if presence else {"BENCH_NO_PRESENCE": "1"}), **env_extra)
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(workdir),
                                      str(students)], stdout=subprocess.PIPE, stderr=self.log, cwd=ROOT, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}\n{self.logfile.read_text()[-3000:]}")
        words = line.split()
        self.base, self.session_id = f"http://127.0.0.1:{int(words[1])}", int(words[3])
        self.pid = self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def sign_in(base: str, username: str, password: str = PASSWORD) -> str:
    """The Cookie header of a session signed in through the login form."""
    import requests

    with requests.Session() as http:
        with http.post(f"{base}/login", data={"username": username, "password": password},
                       headers={"Accept-Language": "en"}, allow_redirects=False, timeout=30) as response:
            if response.status_code != 302:
                raise RuntimeError(f"login {username}: HTTP {response.status_code}")
        return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


# ---------------------------------------------------------------------------------------------
# A client process: `count` students, each with its own socket


def client_process(base: str, session_id: int, first: int, count: int) -> None:
    """Sign in, connect and join `count` students; print READY, wait for STOP on stdin, print what arrived."""
    import socketio

    deadline = time.monotonic() + CLIENT_LIFETIME
    started = time.time()
    cookies = []
    failures: list[str] = []
    for i in range(first, first + count):
        try:
            cookies.append(sign_in(base, f"s{i:04d}"))
        except Exception as exc:  # noqa: BLE001 (counted and reported, not fatal)
            failures.append(f"sign-in s{i:04d}: {exc}")
    signed = time.time()
    received: list[list[Any]] = []  # [kind, key, receive time], every student of this process
    lock = threading.Lock()
    clients = []
    join_seconds = []

    def on_ev(message: dict[str, Any]) -> None:
        now = time.time()
        data = message.get("data") or {}
        key = data.get("text") if message.get("kind") == "chat" else data.get("page")
        with lock:
            received.append([message.get("kind"), key, now])

    for cookie in cookies:
        if time.monotonic() > deadline - 60:
            failures.append("gave up joining: out of time")
            break
        sio = socketio.Client(reconnection=False)
        sio.on("ev", on_ev, namespace=NAMESPACE)
        t0 = time.time()
        try:
            sio.connect(base, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=CONNECT_TIMEOUT,
                        headers={"Cookie": cookie, "Accept-Language": "en"})
            ack = sio.call("join", {"session": session_id}, namespace=NAMESPACE, timeout=CONNECT_TIMEOUT)
            if not ack.get("ok"):
                raise RuntimeError(ack)
        except Exception as exc:  # noqa: BLE001 (reported in the table)
            failures.append(f"connect/join: {type(exc).__name__}: {exc}")
            with suppress(Exception):  # a socket the other side already closed
                sio.disconnect()
            continue
        join_seconds.append(time.time() - t0)
        clients.append(sio)
    print("READY " + json.dumps({"started": started, "signed": signed, "joined": time.time(),
                                 "join_seconds": join_seconds, "failures": failures[:20],
                                 "failed": len(failures)}), flush=True)
    while time.monotonic() < deadline:  # wait for STOP (or the end of our lifetime)
        ready, _, _ = select.select([sys.stdin], [], [], 1.0)
        if ready and sys.stdin.readline().strip() in ("STOP", ""):
            break
    with lock:
        connected = sum(1 for c in clients if c.connected)
        print("DONE " + json.dumps({"received": received, "connected": connected}), flush=True)
    os._exit(0)  # no orderly disconnects: the server is stopped next anyway


# ---------------------------------------------------------------------------------------------
# One size


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def read_line(proc: subprocess.Popen, prefix: str, deadline: float) -> dict[str, Any]:
    """The JSON after `prefix` on the process's stdout, by the deadline."""
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.1, min(5.0, deadline - time.monotonic())))
        if ready:
            line = proc.stdout.readline().decode()
            if not line:
                raise RuntimeError(f"client process {proc.pid} ended before {prefix}")
            if line.startswith(prefix + " "):
                return json.loads(line[len(prefix) + 1:])
    raise TimeoutError(f"no {prefix} from client process {proc.pid}")


def start_servers(workdir: Path, students: int, presence: bool, processes: int, queue: str | None) -> list[Server]:
    """The first server (it fills the database), then any more on its database and session."""
    env = {"BENCH_REDIS_URL": queue, "BENCH_CHANNEL": f"bench-fanout-{os.getpid()}-{workdir.name}"} if queue else {}
    servers = [Server(workdir / "p0", students, presence, **env)]
    for n in range(1, processes):
        servers.append(Server(workdir / f"p{n}", students, presence, BENCH_DB=str(workdir / "p0" / "aralyk.sqlite3"),
                              BENCH_SESSION=str(servers[0].session_id), **env))
    return servers


def run_size(students: int, sends: int, procs: int, workdir: Path, presence: bool = True, processes: int = 1,
             queue: str | None = None) -> dict[str, Any]:
    """Fresh servers with N students; join them all; the teacher's SENDS chats and slides; the results."""
    import socketio

    load = os.getloadavg()
    servers = start_servers(workdir, students, presence, processes, queue)
    server = servers[0]
    clients: list[subprocess.Popen] = []
    teacher = None
    try:
        pids = [s.pid for s in servers]
        cpu_idle, rss_idle = cpu_seconds(*pids), total_kib(pids, "VmRSS")
        k = max(1, min(procs, students // 10))
        shares = [students // k + (1 if i < students % k else 0) for i in range(k)]
        spawn = time.time()
        first = 0
        for n, share in enumerate(shares):
            clients.append(subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--clients", servers[n % processes].base,
                 str(server.session_id),
                 str(first), str(share)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT))
            first += share
        deadline = time.monotonic() + CLIENT_LIFETIME - 30
        ready = [read_line(c, "READY", deadline) for c in clients]
        joined_all = time.time()
        cpu_joined, rss_joined, threads_joined = cpu_seconds(*pids), total_kib(pids, "VmRSS"), threads(*pids)
        joined = sum(len(r["join_seconds"]) for r in ready)

        teacher = socketio.Client(reconnection=False)
        teacher.connect(server.base, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=CONNECT_TIMEOUT,
                        headers={"Cookie": sign_in(server.base, "teacher"), "Accept-Language": "en"})
        ack = teacher.call("join", {"session": server.session_id}, namespace=NAMESPACE, timeout=CONNECT_TIMEOUT)
        assert ack.get("ok"), ack
        time.sleep(1.0)  # let the teacher's presence broadcast pass
        refusals: list[Any] = []
        acks: list[float] = []  # the teacher's send → ack: the server's handling, up to the emit to the room
        slide_sent: dict[int, float] = {}
        cpu_before, clients_cpu_before = cpu_seconds(*pids), sum(cpu_seconds(c.pid) for c in clients)
        t0 = time.monotonic() + 0.5

        def answered(kind: str, sent: float) -> Any:
            def got(reply: Any) -> None:
                acks.append(time.time() - sent)
                if not reply.get("ok"):
                    refusals.append((kind, reply))
            return got

        for i in range(sends):
            time.sleep(max(0.0, t0 + i - time.monotonic()))
            sent = time.time()
            teacher.emit("chat", {"text": f"fanout {i} {sent:.6f}"}, namespace=NAMESPACE,
                         callback=answered("chat", sent))
            time.sleep(max(0.0, t0 + i + 0.5 - time.monotonic()))
            slide_sent[i + 1] = sent = time.time()
            teacher.emit("slide", {"page": i + 1}, namespace=NAMESPACE, callback=answered("slide", sent))
        load_sending = os.getloadavg()
        time.sleep(GRACE)
        cpu_sending = cpu_seconds(*pids) - cpu_before
        clients_cpu = sum(cpu_seconds(c.pid) for c in clients) - clients_cpu_before
        for c in clients:
            assert c.stdin is not None
            c.stdin.write(b"STOP\n")
            c.stdin.flush()
        done = [read_line(c, "DONE", time.monotonic() + 60) for c in clients]
        result = {
            "students": students, "procs": k, "load": load, "joined": joined,
            "failed": sum(r["failed"] for r in ready), "failures": [f for r in ready for f in r["failures"]][:5],
            "sign_in_s": max(r["signed"] for r in ready) - spawn,
            "join_wall_s": joined_all - min(r["signed"] for r in ready),
            "total_join_s": joined_all - spawn,
            "join_each": [s for r in ready for s in r["join_seconds"]],
            "connected": sum(d["connected"] for d in done),
            "cpu_join": cpu_joined - cpu_idle, "cpu_send": cpu_sending, "send_seconds": sends + GRACE,
            "rss_idle": rss_idle, "rss_joined": rss_joined, "rss_peak": total_kib(pids, "VmHWM"),
            "processes": processes, "queue": bool(queue),
            "threads": threads_joined, "refusals": refusals[:5], "sends": sends, "acks": acks,
            "load_sending": load_sending, "clients_cpu": clients_cpu, "presence": presence,
        }
        chat_lat, slide_lat = [], []
        for d in done:
            for kind, key, at in d["received"]:
                if kind == "chat" and isinstance(key, str) and key.startswith("fanout "):
                    chat_lat.append(at - float(key.split()[2]))
                elif kind == "slide" and key in slide_sent:
                    slide_lat.append(at - slide_sent[key])
        result["chat"], result["slide"] = chat_lat, slide_lat
        return result
    finally:
        if teacher is not None:
            with suppress(Exception):  # a socket the other side already closed
                teacher.disconnect()
        for c in clients:
            if c.poll() is None:
                c.kill()
            c.wait()
        for s in servers:
            s.stop()


def show(results: list[dict[str, Any]]) -> None:
    print("Live fan-out: server processes (werkzeug threaded, Flask-SocketIO threading + simple-websocket, "
          "SQLite), python-socketio clients (websocket) in separate processes, same 2-core machine")
    for r in results:
        n, sends = r["students"], r["sends"]
        where = (f"on {r['processes']} server process{'es' if r['processes'] > 1 else ''} with the Redis queue"
                 if r["queue"] else "on 1 server process, no message queue")
        print(f"\nN = {n} students {where}, in {r['procs']} client processes"
              f"{'' if r['presence'] else ' — DIAGNOSTIC: the presence emit on join switched off'}; load average "
              f"(1/5/15 min) before {r['load'][0]:.2f} {r['load'][1]:.2f} {r['load'][2]:.2f}, at the last send "
              f"{r['load_sending'][0]:.2f} {r['load_sending'][1]:.2f} {r['load_sending'][2]:.2f}")
        print(f"  joined {r['joined']}/{n} (failed {r['failed']}), still connected at the end {r['connected']}; "
              f"sign-in of all through /login {r['sign_in_s']:.1f} s, then connect+join of all "
              f"{r['join_wall_s']:.1f} s (one join p50 {percentile(r['join_each'], 50) * 1000:.0f} ms, "
              f"p99 {percentile(r['join_each'], 99) * 1000:.0f} ms); spawn to all in {r['total_join_s']:.1f} s")
        for f in r["failures"]:
            print(f"  failure: {f}")
        if r["refusals"]:
            print(f"  teacher's refused sends: {r['refusals']}")
        print(f"  {'event':<7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'delivered/expected':>21}")
        for kind in ("chat", "slide"):
            lat = [x * 1000 for x in r[kind]]
            expected = sends * r["joined"]
            print(f"  {kind:<7}{percentile(lat, 50):>9.0f}{percentile(lat, 99):>9.0f}"
                  f"{(max(lat) if lat else float('nan')):>9.0f}{f'{len(lat)}/{expected}':>21}")
        print(f"  server{'s' if r['processes'] > 1 else ''}: CPU {r['cpu_join']:.1f} s for the joins, {r['cpu_send']:.1f} s over the "
              f"{r['send_seconds']:.0f} s of sending ({r['cpu_send'] / r['send_seconds'] * 100:.0f}% of one core); "
              f"RSS {r['rss_idle'] / 1024:.0f} MiB idle → {r['rss_joined'] / 1024:.0f} MiB joined, peak "
              f"{r['rss_peak'] / 1024:.0f} MiB; {r['threads']} threads")
        print(f"  teacher's send → ack (server handling incl. the emit to the room) p50 "
              f"{percentile(r['acks'], 50) * 1000:.0f} ms, p99 {percentile(r['acks'], 99) * 1000:.0f} ms; "
              f"the client processes used {r['clients_cpu']:.1f} CPU s over the same time")
    print(f"\nlatency = receive time in the student's handler − the teacher's send time (same clock); one chat and "
          f"one slide per second; a delivery later than {GRACE:.0f} s after the last send counts as missing; "
          f"goal p99 ≤ 300 ms at 500")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", nargs=2, metavar=("WORKDIR", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--clients", nargs=4, metavar=("BASE", "SESSION", "FIRST", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 500])
    parser.add_argument("--sends", type=int, default=20, help="chat messages (and slide changes) at 1 per second")
    parser.add_argument("--procs", type=int, default=8, help="client processes")
    parser.add_argument("--no-presence-at", type=int, nargs="*", default=[500], metavar="N",
                        help="also run these sizes with the presence emit on join switched off (a diagnostic)")
    parser.add_argument("--scale-out-at", type=int, nargs="*", default=[], metavar="N",  # live_fanout_scaled.py
                        help="also run these sizes with the Redis queue on one server process, then on two")
    args = parser.parse_args(argv)
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    if args.clients:
        base, session_id, first, count = args.clients
        client_process(base, int(session_id), int(first), int(count))
        return
    runs = [(n, True, 1, False) for n in args.sizes] + [(n, False, 1, False) for n in args.no_presence_at]
    queue = redis_queue() if args.scale_out_at else None
    runs += [(n, True, processes, True) for n in args.scale_out_at if queue for processes in (1, 2)]
    results = []
    with tempfile.TemporaryDirectory(prefix="live-fanout-") as tmp:
        for n, presence, processes, queued in runs:
            print(f"N = {n}: starting", file=sys.stderr, flush=True)
            workdir = Path(tmp) / f"n{n}{'' if presence else 'np'}-{processes}{'q' if queued else ''}"
            try:
                results.append(run_size(n, args.sends, args.procs, workdir, presence, processes,
                                        queue if queued else None))
            except Exception as exc:  # noqa: BLE001 (reported in the table)
                print(f"N = {n} failed: {type(exc).__name__}: {exc}", flush=True)
                log = workdir / "p0" / "server.log"
                if log.exists():
                    print(log.read_text()[-2000:], flush=True)
                break
    show(results)
    if args.scale_out_at and not queue:
        print("\nscaled-out runs skipped: Redis unreachable (ARALYK_TEST_REDIS_URL, default redis://127.0.0.1:6379/15)")


def redis_queue() -> str | None:
    """The tests' Redis URL if that server answers (a fresh channel name keeps runs apart)."""
    import redis

    from tests.services import REDIS_URL

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
        return REDIS_URL
    except redis.RedisError:
        return None
    finally:
        client.close()


if __name__ == "__main__":
    main()
