"""The web process of a live webinar killed and started again on its port, people still in the room.

Their clients reconnect by themselves within 5 s and join again with `since`, as live.js does,
and catch up: every chat message, question and vote the server acknowledged is there exactly
once, and every event is applied once, in seq order. Whatever is sent while the process is down is
refused to the sender (live.js shows "not sent" and keeps the text), never queued or lost silently.
"""
from __future__ import annotations

import gc
import signal
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import make_app
from tests.helpers import free_port, start_web_process, stop_process
from tests.webinar.live_world import NAMESPACE, LiveClient, LiveWorld, live_config
from webinar.extensions import db, socketio
from webinar.models import LiveSession

RECONNECT_WITHIN = 3  # live.js: reconnectionDelayMax 3000 (capped after its jitter)
BACK_WITHIN = 5.0  # seconds from the restarted process answering to everyone seated again


class Follower:
    """A /live client that behaves as live.js: reconnects by itself, joins again with the last seq
    it applied, catches up when a seq is skipped, and applies each event once."""

    def __init__(self, world: LiveWorld, username: str) -> None:
        self.world, self.session_id = world, world.session_id
        self.last = 0
        self.applied: list[dict[str, Any]] = []
        self.seated = threading.Event()
        self.lock = threading.Lock()
        self.client = LiveClient(world.base, world.cookie(username), transports=["websocket", "polling"], reconnection=True,
                                 reconnection_delay=1, reconnection_delay_max=RECONNECT_WITHIN,
                                 randomization_factor=0)
        world.clients.append(self.client)
        self.client.sio.on("connect", self._connected, namespace=NAMESPACE)
        self.client.sio.on("disconnect", lambda *a: self.seated.clear(), namespace=NAMESPACE)
        self.client.sio.on("ev", self._ev, namespace=NAMESPACE)
        self._join()

    def _connected(self) -> None:
        threading.Thread(target=self._join, daemon=True).start()  # an ack cannot arrive inside a handler

    def _join(self) -> None:
        try:
            ack = self.client.join(self.session_id, since=self.last or None)
        except Exception:  # no answer in time (the process went again): the next connect joins
            return
        assert ack["ok"], ack
        if ack["snapshot"]:
            assert self.last == 0, f"a snapshot after seq {self.last}: the catch-up window was missed"
        self._apply(ack.get("events", []))
        self.seated.set()

    def _ev(self, ev: dict[str, Any]) -> None:
        with self.lock:
            gap = ev["seq"] > self.last + 1
        if gap:
            threading.Thread(target=self._catch_up, daemon=True).start()
        else:
            self._apply([ev])

    def _catch_up(self) -> None:
        try:
            self._apply(self.client.call("catch_up", {"since": self.last})["events"])
        except Exception:
            pass  # the link went: the join after the reconnect asks again

    def _apply(self, events: list[dict[str, Any]]) -> None:
        with self.lock:
            for ev in sorted(events, key=lambda e: e["seq"]):
                if ev["seq"] == self.last + 1:
                    self.applied.append(ev)
                    self.last = ev["seq"]

    def send(self, event: str, data: Any) -> dict[str, Any] | None:
        """The ack, or None when the event was refused for the link (not connected, no answer)."""
        if not self.seated.is_set():
            return None  # live.js refuses to send while not seated
        try:
            return self.client.call(event, data, timeout=2)
        except Exception:
            return None

    def ids(self, kind: str) -> list[int]:
        with self.lock:
            return [ev["data"]["id"] for ev in self.applied if ev["kind"] == kind]


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[tuple[LiveWorld, dict[str, Any], int]]:
    """A webinar served by a real web process (SQLite file) on a port it can be started on again."""
    config = live_config(tmp_path, f"sqlite:///{tmp_path / 'aralyk.sqlite3'}", HUEY_IMMEDIATE=False,
                         HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite3"), LIVE_QUESTION_RATE_LIMIT="100 per minute",
                         LIVE_CHAT_RATE_LIMIT="100 per 10 seconds")
    first = socketio.server
    app = make_app(config)
    port = free_port()
    world = LiveWorld(app, f"http://127.0.0.1:{port}")
    world.process = start_web_process(config, port, tmp_path / "server.log")
    try:
        world.populate()
        world.start()
        yield world, config, port
    finally:
        world.close()
        stop_process(world.process)
        socketio.server = first


@pytest.fixture
def collected() -> Iterator[None]:
    """Collect garbage at the end of the test, inside it: the python-socketio client leaves the socket
    of a WebSocket whose server was killed unclosed (a client library's leak, not the app's)."""
    yield
    gc.collect()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_restarted_process_loses_nothing(collected: None, restartable: tuple[LiveWorld, dict[str, Any], int], tmp_path: Path) -> None:
    world, config, port = restartable
    teacher = Follower(world, "teacher")
    students = [Follower(world, "student"), Follower(world, "student2")]
    poll = teacher.send("poll_open", {"question": "Понятно?", "options": ["да", "нет"]})["id"]
    sent: dict[str, list[int]] = {"chat": [], "question": []}
    voters: set[int] = set()
    stop = threading.Event()

    def talk(index: int, who: Follower) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            for event, kind, data in (("chat", "chat", {"text": f"{index}: {n}"}),
                                      ("ask", "question", {"text": f"{index}: вопрос {n}?"})):
                if (ack := who.send(event, data)) and ack["ok"]:
                    sent[kind].append(ack["id"])
            if n == 2 and (ack := who.send("vote", {"poll": poll, "choices": [index % 2]})) and ack["ok"]:
                voters.add(index)
            time.sleep(0.05)

    talkers = [threading.Thread(target=talk, args=(i, s), daemon=True) for i, s in enumerate(students)]
    for thread in talkers:
        thread.start()
    deadline = time.monotonic() + 20
    while (len(voters) < 2 or len(sent["chat"]) < 4) and time.monotonic() < deadline:
        time.sleep(0.05)  # everyone has talked and voted: kill it now, mid-talk
    world.process.send_signal(signal.SIGKILL)
    world.process.wait()
    time.sleep(0.5)
    world.process = start_web_process(config, port, tmp_path / "server.log")
    back = time.monotonic()
    for follower in (teacher, *students):
        assert follower.seated.wait(BACK_WITHIN - (time.monotonic() - back)), "not seated again within 5 s"
    took = time.monotonic() - back
    time.sleep(0.5)  # a little more talk on the new process
    stop.set()
    for thread in talkers:
        thread.join()
    closed = teacher.send("poll_close", {"poll": poll})

    assert took < BACK_WITHIN
    assert len(sent["chat"]) >= 6 and len(voters) == 2
    with world.app.app_context():
        last_seq = db.session.get(LiveSession, world.session_id).last_seq
    for follower in (teacher, *students):
        deadline = time.monotonic() + 10
        while follower.last < last_seq and time.monotonic() < deadline:
            time.sleep(0.05)
        with follower.lock:
            assert [ev["seq"] for ev in follower.applied] == list(range(1, last_seq + 1))
        for kind in ("chat", "question"):
            got = follower.ids(kind)
            assert len(got) == len(set(got)) and set(sent[kind]) <= set(got), kind
    assert closed["ok"] and closed["total"] == 2 and sum(closed["counts"]) == 2
