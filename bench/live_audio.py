"""Live audio for an audio-only student: downstream bytes per minute and glass-to-glass latency.

The real app runs in its own process (bench/live_fanout.py's `--serve`, werkzeug threaded, SQLite,
the session not yet live). The teacher signs in, uploads a 6-page PDF of slides, joins /live and
goes live through the real `go_live` + `media` events, with a WebM/Opus stream encoded by ffmpeg
as Chrome's MediaRecorder would send it (Opus 32 kbit/s mono in live WebM, cut into 1 s chunks at
block boundaries and sent one per second in real time). The sound is a low, wobbling tone with
noise and, every 6 s, a 150 ms beep of its own pitch (600, 800, 1000 … Hz), so each beep is known.
The teacher also sends a chat line every 10 s and turns a slide every 20 s.

Three audio-only students join 20 s into the stream, at once (rather than in runs one after the
other), each through its own byte-counting TCP proxy (every byte the server sends that student: HTTP
headers, WebSocket frames): (a) reads the progressive `audio_url` (/live/<id>/listen) as the room
page's fetch() does; (a') reads it as a plain <audio> element asks for it (Sec-Fetch-Dest: audio,
which gets a longer backlog); (b) plays the audio-only HLS playlist as hls.js would (start 3
segments from the live edge, reload at the target duration, or half of it when nothing changed,
fetch new segments). All keep their socket (join snapshot, events, pings) and fetch each shown slide
and the next one, as the room page does. The received audio is decoded with PyAV, the beeps are
found by pitch, and each beep's latency is the arrival time of the bytes holding it minus (1) the
send time of the chunk holding it and (2) the moment it was "spoken" (the recorder's clock: up to 1
s earlier, the timeslice). "Heard" is when a player that starts at the first byte and plays on at 1x
(stalling when data is late) would play it: what /listen's backlog or hls.js's start 3 segments
behind the edge add comes in here (Chromium's <audio> waits for more than the first byte, so for
(a') this is a lower bound).

The order check: the same stream sent as fast as acks allow with 1 and with 2 chunks in flight; is
the stored recording the stream, byte for byte?

Run: .venv/bin/python bench/live_audio.py [--seconds 80]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_fanout import NAMESPACE, Server, cpu_seconds, percentile, sign_in, status_kib

BEEP_FIRST, BEEP_EVERY, BEEP_LENGTH = 4.5, 6.0, 0.15  # seconds of stream time; mid-chunk on purpose
BEEP_HZ, BEEP_STEP = 600, 200
CHAT_EVERY, SLIDE_EVERY, SLIDES = 10.0, 20.0, 6
# The students: (a) /listen read by fetch() as live-listen.js does, (a') /listen as a plain <audio> element
# asks for it (Sec-Fetch-Dest: audio: the server sends a longer backlog), (b) the audio-only HLS playlist.
STUDENTS = (("student", "listen"), ("student3", "audio"), ("student2", "hls"))
LABELS = {"listen": "listen (a)", "audio": "<audio> (a')", "hls": "HLS (b)"}
JOIN_AT = 20  # seconds into the stream when the students join (so /listen's backlog has something to send)
TAIL = 15.0  # seconds the students keep reading after the teacher stops


# ---------------------------------------------------------------------------------------------
# The teacher's stream


def beeps(seconds: float) -> list[tuple[float, int]]:
    """(stream time, pitch) of every beep in the first `seconds`."""
    count = int((seconds - BEEP_FIRST - 1) // BEEP_EVERY) + 1
    return [(BEEP_FIRST + i * BEEP_EVERY, BEEP_HZ + i * BEEP_STEP) for i in range(count)]


def recorder_chunks(workdir: Path, seconds: float) -> list[bytes]:
    """The stream as MediaRecorder(timeslice=1000) would hand it over: chunk k = the blocks of second k."""
    import av

    from media.ffmpeg import ffmpeg_binary

    pitch = f"({BEEP_HZ}+{BEEP_STEP}*floor((t-{BEEP_FIRST})/{BEEP_EVERY}))"
    voice = "0.12*sin(2*PI*170*t)*(0.5+0.5*sin(2*PI*4*t))+0.03*(random(0)-0.5)"
    beep = f"0.5*sin(2*PI*{pitch}*t)*gte(t,{BEEP_FIRST})*lt(mod(t-{BEEP_FIRST},{BEEP_EVERY}),{BEEP_LENGTH})"
    out = workdir / "recorder.webm"
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc=exprs='{voice}+{beep}':s=48000:d={seconds}", "-c:a", "libopus", "-b:a", "32k",
                    "-ac", "1", "-f", "webm", "-live", "1", "-cluster_time_limit", "1000", str(out)], check=True)
    data = out.read_bytes()
    starts = [0]  # byte offset where each second's first block starts
    with av.open(str(out)) as container:
        for packet in container.demux(container.streams.audio[0]):
            if packet.pts is None or packet.pos is None or packet.pos < 0:
                continue
            second = int(max(0.0, float(packet.pts * packet.time_base)))
            while len(starts) <= second:
                starts.append(packet.pos)
    starts.append(len(data))
    return [data[a:b] for a, b in pairwise(starts) if b > a]


# ---------------------------------------------------------------------------------------------
# A byte-counting proxy in front of the server, one per student


def kind_of(first_line: str) -> str:
    path = first_line.split(" ")[1] if " " in first_line else ""
    if path.startswith("/socket.io"):
        return "socket"
    if "/listen" in path:
        return "listen"
    if path.endswith(".m3u8"):
        return "playlist"
    if "/hls/" in path:
        return "segments"
    if "/slides/" in path:
        return "slides"
    return "other"


class CountingProxy:
    """A TCP relay on 127.0.0.1 that counts the bytes each way, by the kind of each connection's first request."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.down: dict[str, int] = defaultdict(int)
        self.up: dict[str, int] = defaultdict(int)
        self.requests: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.5)
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.stopped = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        self.sockets += [client, upstream]
        first = client.recv(65536)
        kind = kind_of(first.split(b"\r\n", 1)[0].decode("latin-1"))
        with self.lock:
            self.up[kind] += len(first)
        upstream.sendall(first)

        def pump(src: socket.socket, dst: socket.socket, counts: dict[str, int], is_up: bool) -> None:
            try:
                while data := src.recv(65536):
                    with self.lock:
                        counts[kind] += len(data)
                        if is_up:  # each request on a kept-alive connection
                            self.requests[kind] += data.count(b" HTTP/1.1\r\n")
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        with self.lock:
            self.requests[kind] += 1
        threading.Thread(target=pump, args=(client, upstream, self.up, True), daemon=True).start()
        pump(upstream, client, self.down, False)

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# What a student received, and where the beeps were in it


@dataclass
class Capture:
    """Bytes of one decodable stream (init + fragments) with the wall time each piece arrived."""

    pieces: list[tuple[float, bytes]] = field(default_factory=list)

    def add(self, at: float, data: bytes) -> None:
        self.pieces.append((at, data))

    def arrival(self, end: int) -> float:
        """When the byte at offset end - 1 had arrived."""
        total = 0
        for at, data in self.pieces:
            total += len(data)
            if total >= end:
                return at
        return float("nan")


def find_beeps(capture: Capture, workdir: Path, name: str, pitches: list[int]) -> list[dict[str, Any]]:
    """Decode the capture; for each beep pitch, the first packet where it sounds, its arrival and play time."""
    import av
    import numpy as np

    if not capture.pieces:
        return []
    path = workdir / name
    path.write_bytes(b"".join(d for _, d in capture.pieces))
    found: dict[int, dict[str, Any]] = {}
    play_end = None  # the simulated player's clock: when the previous packet finishes playing
    try:
        container = av.open(str(path))
    except av.error.FFmpegError:
        return []
    with container:
        stream = container.streams.audio[0]
        try:
            for packet in container.demux(stream):
                if packet.pts is None or packet.size == 0 or packet.pos is None or packet.pos < 0:
                    continue
                arrived = capture.arrival(packet.pos + packet.size)
                duration = float((packet.duration or 0) * packet.time_base) or 1024 / (stream.sample_rate or 48000)
                plays = arrived if play_end is None else max(play_end, arrived)
                play_end = plays + duration
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue
                for frame in frames:
                    samples = frame.to_ndarray().astype(np.float64)
                    samples = samples.mean(axis=0) if samples.ndim > 1 else samples
                    if frame.format.name.startswith("s16"):
                        samples /= 32768.0
                    if len(samples) < 256 or np.sqrt(np.mean(samples ** 2)) < 0.1:
                        continue
                    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
                    hz = np.fft.rfftfreq(len(samples), 1 / frame.sample_rate)
                    total = spectrum.sum()
                    for pitch in pitches:
                        band = spectrum[(hz > pitch - 60) & (hz < pitch + 60)].sum()
                        if pitch not in found and band > 0.5 * total:
                            found[pitch] = {"pitch": pitch, "arrived": arrived, "plays": plays,
                                            "media": float(packet.pts * packet.time_base)}
        except av.error.FFmpegError:
            pass  # a cut-off tail
    return sorted(found.values(), key=lambda b: b["pitch"])


# ---------------------------------------------------------------------------------------------
# The audio-only student


def slides_from_db(server: Server) -> tuple[str | None, int]:
    """The slide image URL template and page count, read from the bench's own SQLite file."""
    import sqlite3

    with sqlite3.connect(server.workdir / "aralyk.sqlite3") as db:
        row = db.execute("select slides_prefix, slide_count from live_session where id = ?",
                         (server.session_id,)).fetchone()
    if not row or not row[0]:
        return None, 0
    return f"/live/{server.session_id}/slides/{row[0].rsplit('/', 1)[-1]}/{{n}}.webp", row[1]


class Student:
    """A signed-in audio-only student behind its own counting proxy: socket, slides, one audio path."""

    def __init__(self, server: Server, username: str, mode: str, deadline: float) -> None:
        import requests
        import socketio

        self.mode, self.deadline = mode, deadline
        self.proxy = CountingProxy(("127.0.0.1", urlsplit(server.base).port))
        self.cookie = sign_in(server.base, username)  # signing in is not part of the stream's cost
        self.headers = {"Cookie": self.cookie, "Accept-Language": "en"}  # the socket's handshake
        self.jar = requests.cookies.RequestsCookieJar()  # HTTP keeps what the server sets, as a browser does
        for pair in self.cookie.split("; "):
            name, _, value = pair.partition("=")
            self.jar.set(name, value)
        self.http_headers = {"Accept-Language": "en"}
        self.captures: list[Capture] = []
        self.errors: list[str] = []
        self.slides_fetched: set[int] = set()
        self.trace: list[Any] = []  # (time, what) for --keep
        self.first_headers: dict[str, str] = {}
        self.bodies: dict[str, list[int]] = defaultdict(list)  # kind → body bytes of each response
        self.slides_http = requests.Session()
        self.slides_http.cookies = self.jar
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("ev", self._ev, namespace=NAMESPACE)
        self.started = time.time()
        self.sio.connect(self.proxy.base, namespaces=[NAMESPACE], transports=["websocket"], headers=self.headers,
                         wait_timeout=20)
        self.ack = self.sio.call("join", {"session": server.session_id}, namespace=NAMESPACE, timeout=20)
        assert self.ack.get("ok"), self.ack
        self.session = self.ack["session"]
        if not self.session.get("slides_url"):  # the join answer does not name the slides yet: the DB does
            self.session["slides_url"], self.session["slide_count"] = slides_from_db(server)
            self.errors.append("slides_url missing from the join answer; taken from the DB")
        self._slide(self.session.get("slide") or 0)
        self.thread = threading.Thread(target=self._hls if mode == "hls" else self._listen, daemon=True)
        self.thread.start()

    def _ev(self, message: dict[str, Any]) -> None:
        if message.get("kind") == "slide":
            threading.Thread(target=self._slide, args=(message["data"]["page"],), daemon=True).start()

    def _slide(self, page: int) -> None:
        """Fetch the shown slide and the next one, unless already fetched (as the room page does)."""
        url = self.session.get("slides_url")
        if not url or page < 1:
            return
        for n in (page, page + 1):
            if n in self.slides_fetched or n > (self.session.get("slide_count") or 0):
                continue
            self.slides_fetched.add(n)
            try:
                with self.slides_http.get(urljoin(self.proxy.base, url.replace("{n}", str(n))), headers=self.http_headers,
                                          timeout=20) as response:
                    self.bodies["slides"].append(len(response.content))
                    if response.status_code != 200:
                        self.errors.append(f"slide {n}: HTTP {response.status_code}")
            except Exception as exc:  # noqa: BLE001 (reported in the table)
                self.errors.append(f"slide {n}: {exc}")

    def _listen(self) -> None:
        """Read the progressive stream like an <audio> element: one GET, bytes as they come (raw socket,
        so each piece is timed when it arrives; chunked transfer decoded here)."""
        path = self.session.get("audio_url")
        if not path:
            self.errors.append("no audio_url in the join answer")
            return
        capture = Capture()
        self.captures.append(capture)
        sock = socket.create_connection(("127.0.0.1", self.proxy.port), timeout=30)
        try:
            sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.proxy.port}\r\nCookie: {self.cookie}\r\n"
                          "Accept: */*\r\nAccept-Language: en\r\nConnection: close\r\n"
                          f"{'Sec-Fetch-Dest: audio' if self.mode == 'audio' else 'Sec-Fetch-Dest: empty'}\r\n\r\n").encode())
            buffer, head, chunked = b"", None, False
            while time.monotonic() < self.deadline:
                ready, _, _ = select.select([sock], [], [], 1.0)
                if not ready:
                    continue
                data = sock.recv(65536)
                if not data:
                    break
                now = time.time()
                buffer += data
                if head is None:
                    if b"\r\n\r\n" not in buffer:
                        continue
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    status = head.split(b"\r\n", 1)[0].decode("latin-1")
                    if " 200 " not in status + " ":
                        self.errors.append(f"listen: {status}")
                        return
                    chunked = b"transfer-encoding: chunked" in head.lower()
                if not chunked:
                    if buffer:
                        capture.add(now, buffer)
                    buffer = b""
                    continue
                while b"\r\n" in buffer:  # whole chunks: size line, data, CRLF
                    size_line, rest = buffer.split(b"\r\n", 1)
                    size = int(size_line.split(b";")[0] or b"0", 16)
                    if size == 0:
                        return
                    if len(rest) < size + 2:
                        break
                    capture.add(now, rest[:size])
                    buffer = rest[size + 2:]
        except OSError as exc:
            self.errors.append(f"listen: {type(exc).__name__}: {exc}")
        finally:
            sock.close()

    def _hls(self) -> None:
        """Play the audio-only playlist as hls.js does: live edge − 3 segments, reload every target duration."""
        import requests

        url = self.session.get("audio_hls")
        if not url:
            self.errors.append("no audio_hls in the join answer")
            return
        url = urljoin(self.proxy.base, url)
        playlists, segments = requests.Session(), requests.Session()
        playlists.cookies = segments.cookies = self.jar
        next_seq, init_uri, capture = None, None, None
        while time.monotonic() < self.deadline:
            try:
                with playlists.get(url, headers=self.http_headers, timeout=10) as response:
                    text = response.text if response.status_code == 200 else ""
                    self.bodies["playlist"].append(len(response.content))
                    if response.status_code != 200:
                        self.bodies["playlist_missing"].append(response.status_code)
                    elif not self.first_headers:
                        self.first_headers = dict(response.headers)
            except Exception as exc:  # noqa: BLE001 (reported in the table)
                self.errors.append(f"playlist: {exc}")
                time.sleep(1)
                continue
            target = float((re.search(r"#EXT-X-TARGETDURATION:(\d+)", text) or [None, "2"])[1])
            sequence = int((re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text) or [None, "0"])[1])
            entries, current_map = [], None  # (media sequence number, map uri, segment uri)
            for line in text.splitlines():
                if line.startswith("#EXT-X-MAP:"):
                    current_map = re.search(r'URI="([^"]+)"', line)[1]
                elif line and not line.startswith("#"):
                    entries.append((sequence + len(entries), current_map, line))
            if next_seq is None and entries:
                next_seq = entries[max(0, len(entries) - 3)][0]
            fresh = [e for e in entries if next_seq is not None and e[0] >= next_seq]
            self.trace.append((time.time(), sequence, len(entries), len(fresh)))
            for number, map_uri, uri in fresh:
                if map_uri != init_uri:
                    capture = Capture()
                    self.captures.append(capture)
                    init_uri = map_uri
                    with segments.get(urljoin(url, map_uri), headers=self.http_headers, timeout=10) as response:
                        capture.add(time.time(), response.content)
                with segments.get(urljoin(url, uri), headers=self.http_headers, timeout=10) as response:
                    if response.status_code == 200:
                        capture.add(time.time(), response.content)
                    else:
                        self.errors.append(f"segment {uri}: HTTP {response.status_code}")
                next_seq = number + 1
            if "#EXT-X-ENDLIST" in text:
                break
            time.sleep(target if fresh or not entries else target / 2)
        playlists.close()
        segments.close()

    def finish(self) -> None:
        self.thread.join(timeout=max(0.0, self.deadline - time.monotonic()) + 10)
        self.ended = time.time()
        with suppress(Exception):  # a socket the other side already closed
            self.sio.disconnect()
        self.slides_http.close()
        time.sleep(0.3)
        self.proxy.close()


# ---------------------------------------------------------------------------------------------
# The run


def children_cpu(pid: int) -> float:
    """CPU seconds of the process's live children (ffmpeg)."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                total += cpu_seconds(int(child)) + children_cpu(int(child))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def run(seconds: float, workdir: Path) -> dict[str, Any]:
    import requests
    import socketio

    from tests.media.pdfs import slides_pdf

    chunks = recorder_chunks(workdir, seconds)
    schedule = beeps(len(chunks))
    load = os.getloadavg()
    server = Server(workdir / "server", 3, BENCH_NOT_STARTED="1")
    teacher = None
    students: list[Student] = []
    try:
        cookie = sign_in(server.base, "teacher")
        with slides_pdf(workdir / "slides.pdf", pages=SLIDES).open("rb") as pdf, requests.post(
                f"{server.base}/live/{server.session_id}/slides", files={"file": ("slides.pdf", pdf)},
                headers={"Cookie": cookie, "Accept-Language": "en"}, allow_redirects=False, timeout=120) as response:
            slides_status = response.status_code
        teacher = socketio.Client(reconnection=False)
        teacher.connect(server.base, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=20,
                        headers={"Cookie": cookie, "Accept-Language": "en"})
        joined = teacher.call("join", {"session": server.session_id}, namespace=NAMESPACE, timeout=20)
        assert joined.get("ok"), joined
        went = teacher.call("go_live", {"video": False, "mime": "audio/webm;codecs=opus"}, namespace=NAMESPACE,
                            timeout=20)
        assert went.get("ok"), went
        cpu0 = cpu_seconds(server.pid)
        sent: list[float] = []
        acks: list[float] = []
        refusals: list[Any] = []
        t0 = time.time()  # the recorder's start: chunk k is handed over at t0 + k + 1

        def acked(at: float, k: int) -> Any:
            def got(reply: Any) -> None:
                acks.append(time.time() - at)
                if not (isinstance(reply, dict) and reply.get("ok")):
                    refusals.append((f"chunk {k}", reply))
            return got

        deadline = time.monotonic() + len(chunks) + 2 + TAIL
        next_chat, next_slide, page = CHAT_EVERY / 2, 0.0, 0
        for k, chunk in enumerate(chunks):
            time.sleep(max(0.0, t0 + k + 1 - time.time()))
            at = time.time()
            sent.append(at)
            teacher.emit("media", chunk, namespace=NAMESPACE, callback=acked(at, k))
            if k == JOIN_AT:  # the students come in while the teacher speaks
                students = [Student(server, name, mode, deadline) for name, mode in STUDENTS]
            if k + 1 >= next_slide and page < SLIDES:
                page += 1
                teacher.emit("slide", {"page": page}, namespace=NAMESPACE)
                next_slide += SLIDE_EVERY
            if k + 1 >= next_chat:
                teacher.emit("chat", {"text": f"Вопросы есть? ({k + 1} с)"}, namespace=NAMESPACE)
                next_chat += CHAT_EVERY
        ffmpeg_cpu = children_cpu(server.pid)
        stopped = time.time()
        teacher.call("stop_live", {}, namespace=NAMESPACE, timeout=20)
        for student in students:
            student.finish()
        server_cpu = cpu_seconds(server.pid) - cpu0
        recorded = server.workdir / "storage" / "live" / str(server.session_id) / "recording" / "part-000.webm"
        in_order = recorded.is_file() and recorded.read_bytes() == b"".join(chunks[:len(sent)])
        results = {"seconds": seconds, "chunks": len(chunks), "upstream": sum(map(len, chunks)), "load": load,
                   "load_end": os.getloadavg(), "acks": acks, "refusals": refusals[:3], "server_cpu": server_cpu,
                   "ffmpeg_cpu": ffmpeg_cpu, "rss_peak": status_kib(server.pid, "VmHWM"),
                   "slides_status": slides_status, "in_order": in_order, "students": []}
        for student in students:
            found = []
            for i, capture in enumerate(student.captures):
                found += find_beeps(capture, workdir, f"{student.mode}-{i}.mp4", [p for _, p in schedule])
                (workdir / f"{student.mode}-{i}.arrivals.json").write_text(
                    json.dumps([(at - t0, len(d)) for at, d in capture.pieces]))
            (workdir / f"{student.mode}.trace.json").write_text(json.dumps(
                {"playlists": [(a - t0, *rest) for a, *rest in student.trace], "headers": student.first_headers}))
            latencies = []
            for beep in found:
                b = next(b for b, p in schedule if p == beep["pitch"])
                if t0 + b <= student.started:  # spoken before the student came: part of the backlog, not a latency
                    continue
                latencies.append({"pitch": beep["pitch"], "media": beep["media"], "from_sent": beep["arrived"] - sent[int(b)], "from_spoken": beep["arrived"] - (t0 + b),
                                  "heard": beep["plays"] - (t0 + b)})
            expected = sum(1 for b, _ in schedule if t0 + b > student.started)
            results["students"].append({
                "mode": student.mode, "seconds": stopped - student.started, "down": dict(student.proxy.down),
                "up": dict(student.proxy.up), "requests": dict(student.proxy.requests), "errors": student.errors[:5],
                "slides": sorted(student.slides_fetched), "latencies": latencies, "beeps": len(latencies),
                "backlog_beeps": len(found) - len(latencies),
                "expected": expected, "bodies": dict(student.bodies), "received": sum(len(d) for c in student.captures for _, d in c.pieces)})
        return results
    finally:
        if teacher is not None:
            with suppress(Exception):  # a socket the other side already closed
                teacher.disconnect()
        for student in students:
            student.proxy.close()
        server.stop()


def order_check(workdir: Path, in_flight: int, seconds: int = 40) -> dict[str, Any]:
    """Send a stream as fast as acks allow with in_flight chunks unacknowledged (present-media.js keeps 2
    after a stall); whether the server fed them to the encoder in order (its recording, byte for byte)."""
    import socketio

    workdir.mkdir(parents=True, exist_ok=True)
    chunks = recorder_chunks(workdir, seconds)
    server = Server(workdir / "server", 1, BENCH_NOT_STARTED="1")
    try:
        sio = socketio.Client(reconnection=False)
        sio.connect(server.base, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=20,
                    headers={"Cookie": sign_in(server.base, "teacher"), "Accept-Language": "en"})
        assert sio.call("join", {"session": server.session_id}, namespace=NAMESPACE, timeout=20).get("ok")
        assert sio.call("go_live", {"video": False, "mime": "audio/webm;codecs=opus"}, namespace=NAMESPACE,
                        timeout=20).get("ok")
        slots, done, refusals, left = threading.BoundedSemaphore(in_flight), threading.Event(), [], [len(chunks)]

        def acked(reply: Any) -> None:
            if not (isinstance(reply, dict) and reply.get("ok")):
                refusals.append(reply.get("error") if isinstance(reply, dict) else reply)
            slots.release()
            left[0] -= 1
            if left[0] == 0:
                done.set()

        for seq, chunk in enumerate(chunks):  # numbered as the page numbers them (present-media.js)
            if not slots.acquire(timeout=20):
                break
            sio.emit("media", {"seq": seq, "data": chunk}, namespace=NAMESPACE, callback=acked)
        done.wait(20)
        sio.call("stop_live", {}, namespace=NAMESPACE, timeout=30)
        sio.disconnect()
        recorded = server.workdir / "storage" / "live" / str(server.session_id) / "recording" / "part-000.webm"
        data, want = (recorded.read_bytes() if recorded.is_file() else b""), b"".join(chunks)
        offsets = [data.find(c) for c in chunks]
        swapped = sum(1 for a, b in pairwise(offsets) if a > b >= 0)
        return {"in_flight": in_flight, "chunks": len(chunks), "identical": data == want, "swapped": swapped,
                "recorded": len(data), "sent": len(want), "refusals": sorted(set(map(str, refusals)))}
    finally:
        server.stop()


def show_order(rows: list[dict[str, Any]]) -> None:
    print("\nmedia chunk order at the encoder: a stream sent as fast as acks allow (the page's catch-up after a stall)")
    print(f"{'in flight':>10}{'chunks':>8}{'recording == sent':>19}{'swapped pairs':>15}  refusals")
    for r in rows:
        print(f"{r['in_flight']:>10}{r['chunks']:>8}{r['identical']!s:>19}{r['swapped']:>15}  "
              f"{'; '.join(r['refusals']) or '-'}")
    print("Socket.IO runs each event in its own thread (async_handlers), so two chunks in flight may reach "
          "ingest.feed in either order; numbered chunks ({seq, data}, as the page sends them) are put back in order")


def show(r: dict[str, Any]) -> None:
    print("Live audio for an audio-only student: one server process (werkzeug threaded, SQLite, ffmpeg ingest), "
          f"the teacher's WebM/Opus sent as 1 s chunks in real time for {r['chunks']} s "
          f"({r['upstream'] * 8 / r['chunks'] / 1000:.1f} kbit/s up)")
    print(f"load average (1/5/15 min) before {' '.join(f'{x:.2f}' for x in r['load'])}, "
          f"at the end {' '.join(f'{x:.2f}' for x in r['load_end'])}; server CPU {r['server_cpu']:.1f} s "
          f"+ ffmpeg {r['ffmpeg_cpu']:.1f} s; server peak RSS {r['rss_peak'] / 1024:.0f} MiB; media ack p50 "
          f"{percentile(r['acks'], 50) * 1000:.0f} ms, p99 {percentile(r['acks'], 99) * 1000:.0f} ms; "
          f"slides upload HTTP {r['slides_status']}")
    print(f"the stored recording of the part is the sent chunks in order, byte for byte: {r['in_order']}")
    if r["refusals"]:
        print(f"refused media chunks: {r['refusals']}")
    print(f"\n{'student':<14}{'part':<10}{'bytes':>9}{'req':>5}{'bytes/min':>11}{'kbit/s':>8}")
    for s in r["students"]:
        minutes = s["seconds"] / 60
        path = LABELS[s["mode"]]
        parts = ["playlist", "segments"] if s["mode"] == "hls" else ["listen"]
        rows = [(p, s["down"].get(p, 0), s["requests"].get(p, 0)) for p in parts + ["socket", "slides"]]
        rows.append(("total", sum(b for _, b, _ in rows) + s["down"].get("other", 0), 0))
        for part, count, requests_made in rows:
            print(f"{path:<14}{part:<10}{count:>9}{requests_made or '':>5}{count / minutes:>11.0f}"
                  f"{count * 8 / s['seconds'] / 1000:>8.1f}")
        print(f"{'':<14}rates over the {s['seconds']:.0f} s from joining to stop_live (bytes: until {TAIL:.0f} s "
              f"after it); slides fetched {s['slides']}; "
              f"audio payload {s['received']} B; up {sum(s['up'].values())} B")
        missing = len(s["bodies"].get("playlist_missing", []))
        if missing:
            print(f"{'':<14}{missing} playlist requests were answered 404 (before the first segment was published)")
        for kind, sizes in s["bodies"].items():
            if kind == "playlist_missing":
                continue
            wire = s["down"].get(kind, 0)
            print(f"{'':<14}{kind}: {len(sizes)} responses, body {sum(sizes) / max(1, len(sizes)):.0f} B each on "
                  f"average, {(wire - sum(sizes)) / max(1, len(sizes)):.0f} B of HTTP headers each")
        for e in s["errors"]:
            print(f"{'':<14}error: {e}")
    print(f"\n{'glass-to-glass':<14}{'beeps':>10}{'from sent p50':>15}{'max':>7}{'from spoken p50':>17}{'max':>7}"
          f"{'heard p50':>11}{'max':>7}")
    widths = {"from_sent": 15, "from_spoken": 17, "heard": 11}
    for s in r["students"]:
        cols = ""
        for key, width in widths.items():
            values = [x[key] for x in s["latencies"]]
            cols += f"{percentile(values, 50):>{width}.2f}{(max(values) if values else float('nan')):>7.2f}"
        name = LABELS[s["mode"]]
        counted = f"{s['beeps']}/{s['expected']}" + (f" +{s['backlog_beeps']}" if s["backlog_beeps"] else "")
        print(f"{name:<14}{counted:>10}{cols}")
    print("seconds; a beep every 6 s at its own pitch, found in the decoded audio; from sent = arrival of the bytes "
          "holding it − send of the chunk holding it (+n: beeps spoken before the student joined, sent as backlog); from spoken = − the moment it was recorded (adds the 1 s "
          "timeslice); heard = when a player starting at the first byte and playing at 1x plays it. Goals: "
          "≤ 40 kbit/s average downstream, glass-to-glass ≤ 8 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=80, help="length of the teacher's stream")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (server log, received audio)")
    parser.add_argument("--no-order-check", action="store_true", help="skip the chunk-order check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="live-audio-") as scratch:
        tmp = tempfile.mkdtemp(prefix="live-audio-") if args.keep else scratch
        if args.keep:
            print(f"work folder: {tmp}", file=sys.stderr)
        try:
            result = run(args.seconds, Path(tmp))
            order = [] if args.no_order_check else [order_check(Path(tmp) / f"order{n}", n) for n in (1, 2)]
        except Exception as exc:  # noqa: BLE001 (reported in the table)
            log = Path(tmp) / "server" / "server.log"
            print(f"live audio bench could not run: {type(exc).__name__}: {exc}")
            if log.exists():
                print(log.read_text()[-3000:])
            return
    show(result)
    if order:
        show_order(order)
    print(json.dumps({"students": [{k: s[k] for k in ("mode", "latencies")} for s in result["students"]]}),
          file=sys.stderr)


if __name__ == "__main__":
    main()
