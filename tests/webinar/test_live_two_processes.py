"""Two web processes and Redis: people on different processes share one webinar.

Each process is a real `python -m tests.webinar.live_server` on its own port, on one SQLite file,
with Redis as the Socket.IO message queue and the rate-limit storage.
"""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import make_app
from tests.helpers import free_port, start_web_process, stop_process
from tests.services import postgres_schema
from tests.webinar.live_world import LiveWorld, live_config
from webinar.extensions import db, socketio

pytestmark = pytest.mark.redis


@contextmanager
def web_process(config: dict[str, Any], log: Path) -> Iterator[str]:
    """A server process for config; yields its base URL once it answers."""
    port = free_port()
    proc = start_web_process(config, port, log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


@contextmanager
def database(request: pytest.FixtureRequest, tmp: Path) -> Iterator[str]:
    """The shared database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp / 'aralyk.sqlite3'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_base_url")) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        redis_url: str) -> Iterator[tuple[LiveWorld, str, str]]:
    """The world on process A (its base) and process B's base URL."""
    tmp = tmp_path_factory.mktemp("two")
    tag = uuid.uuid4().hex[:8]
    with database(request, tmp) as db_url:
        config = live_config(tmp, db_url, REDIS_URL=redis_url, SOCKETIO_CHANNEL=f"aralyk-test-{tag}",
                             RATELIMIT_KEY_PREFIX=f"test-{tag}", HUEY_NAME=f"two-{tag}")
        first = socketio.server
        app = make_app(config)  # builds the schema and fills it; serves nothing itself
        try:
            with web_process(config, tmp / "a.log") as a, web_process(config, tmp / "b.log") as b:
                world = LiveWorld(app, a)
                world.populate()
                try:
                    yield world, a, b
                finally:
                    world.close()
        finally:
            socketio.server = first
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def fresh(two: tuple[LiveWorld, str, str]) -> Iterator[tuple[LiveWorld, str, str]]:
    """A new webinar for the test; its clients are disconnected after it."""
    world, a, b = two
    world.session_id = world.new_session()
    yield world, a, b
    world.drop_clients()


def test_students_on_different_processes_see_each_others_chat(fresh: tuple[LiveWorld, str, str]) -> None:
    world, a, b = fresh
    teacher, _ = world.join("teacher", base=a)
    on_a, _ = world.join("student", base=a)
    on_b, ack = world.join("student2", base=b)
    assert ack["online"] == 3  # counted from the database, so across processes
    assert on_b.call("chat", {"text": "привет с B"})["ok"]
    assert on_a.call("chat", {"text": "привет с A"})["ok"]
    for client in (teacher, on_a, on_b):
        evs = client.wait(lambda c=client: len(c.evs("chat")) == 2 and c.evs("chat"))
        assert [e["data"]["text"] for e in evs] == ["привет с B", "привет с A"]
        assert evs[0]["seq"] < evs[1]["seq"]
    assert on_a.wait(lambda: {"online": 3} in on_a.of("presence"))  # B's join announced on A


def test_a_teacher_on_one_process_removes_a_student_on_the_other(fresh: tuple[LiveWorld, str, str]) -> None:
    world, a, b = fresh
    teacher, _ = world.join("teacher", base=a)
    removed, _ = world.join("student3", base=b)
    classmate, _ = world.join("student2", base=b)
    assert teacher.call("remove", {"user": world.users["student3"]}) == {"ok": True}
    assert removed.wait_ev("removed")["data"] == {"user": world.users["student3"]}
    assert removed.wait_gone()
    assert classmate.wait_ev("removed")
    again = world.connect("student3", base=b)
    assert again.join(world.session_id) == {"ok": False, "error": "The teacher removed you from this webinar."}
    assert classmate.call("chat", {"text": "ещё здесь"})["ok"] and teacher.wait_ev("chat")


def test_the_chat_limit_holds_across_processes(fresh: tuple[LiveWorld, str, str]) -> None:
    world, a, b = fresh
    on_a, _ = world.join("student", base=a)
    on_b, _ = world.join("student", base=b)
    for n in range(5):
        assert (on_a if n % 2 else on_b).call("chat", {"text": str(n)})["ok"], n
    assert on_a.call("chat", {"text": "шестое"})["error"].startswith("Too fast")


def test_chat_sent_at_once_on_both_processes_is_numbered_without_gaps(fresh: tuple[LiveWorld, str, str]) -> None:
    world, a, b = fresh
    senders = [world.join(who, base=base)[0] for who, base in
               [("teacher", a), ("student", a), ("student2", b), ("student3", b)]]
    watcher, _ = world.join("admin", base=b)

    def send(client, n: int) -> None:
        for i in range(n):
            assert client.call("chat", {"text": f"{client.sid} {i}"})["ok"]

    threads = [threading.Thread(target=send, args=(c, 5 if c is senders[0] else 4)) for c in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = 5 + 3 * 4  # within everyone's limit of 5 per 10 s
    for client in [*senders, watcher]:
        evs = client.wait(lambda c=client: len(c.evs("chat")) == total and c.evs("chat"))
        assert sorted(e["seq"] for e in evs) == list(range(1, total + 1))
    late = world.connect("student", base=a).join(world.session_id, since=0)
    assert late["snapshot"] is False and [e["seq"] for e in late["events"]] == list(range(1, total + 1))
    # each sender's own messages are in the order it sent them
    for client in senders:
        mine = [e["data"]["text"] for e in late["events"] if e["data"]["text"].startswith(client.sid)]
        assert mine == sorted(mine, key=lambda text: int(text.rsplit(" ", 1)[1]))
