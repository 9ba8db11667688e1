"""Polls and limits as scaled out: PostgreSQL rows and locks, Redis for the message queue and the counters."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.services import postgres_schema
from tests.webinar.live_world import LiveClient, LiveWorld, live_config, served_live
from webinar.extensions import db
from webinar.live import coalesce
from webinar.live.polls import results
from webinar.live.room import seat
from webinar.models import Poll


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory, postgres_base_url: str, redis_url: str) -> Iterator[LiveWorld]:
    """One served app on a fresh PostgreSQL schema with Redis, its channel and counters its own."""
    tmp, run = tmp_path_factory.mktemp("scaled"), uuid.uuid4().hex[:8]
    with postgres_schema(postgres_base_url) as url:
        config = live_config(tmp, url, REDIS_URL=redis_url, SOCKETIO_CHANNEL=f"aralyk-{run}",
                             RATELIMIT_KEY_PREFIX=f"test-{run}", HUEY_NAME=f"live-{run}",
                             LIVE_VOTE_RATE_LIMIT="1000 per 10 seconds")
        with served_live(config) as world:
            yield world


def settle(world: LiveWorld, timeout: float = 10.0) -> None:
    """Drop the world's clients; wait until the server handled each departure and sent what it coalesced."""
    sids = [client.sid for client in world.clients]
    world.drop_clients()
    deadline = time.monotonic() + timeout
    with world.app.app_context():
        while any(seat(sid) for sid in sids) or coalesce.busy() or db.engine.pool.checkedout():
            assert time.monotonic() < deadline, "the server did not finish the disconnects"
            time.sleep(0.02)


@pytest.fixture
def live(scaled: LiveWorld) -> Iterator[LiveWorld]:
    """The module's world with a fresh webinar; its clients' departures are over before the next test."""
    scaled.session_id = scaled.new_session()
    yield scaled
    settle(scaled)


def keep_voting(client: LiveClient, poll: int, refusals: list[str]) -> None:
    """Vote over and over until the poll refuses (it was closed)."""
    for n in range(200):
        ack = client.call("vote", {"poll": poll, "choices": [n % 2]})
        if not ack["ok"]:
            refusals.append(ack["error"])
            return


def test_closing_a_poll_while_votes_pour_in_keeps_the_final_counts_true(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    students = [live.join(name)[0] for name in ("student", "student2", "student3")]
    poll = teacher.call("poll_open", {"question": "Сейчас?", "options": ["Да", "Нет"]})["id"]
    refusals: list[str] = []
    voters = [threading.Thread(target=keep_voting, args=(s, poll, refusals)) for s in students]
    for voter in voters:
        voter.start()
    teacher.wait(lambda: any(e["data"]["total"] == 3 for e in teacher.evs("poll_results")))  # all are voting
    closed = teacher.call("poll_close", {"poll": poll})
    for voter in voters:
        voter.join(30)
    assert refusals == ["This poll is closed."] * 3
    with live.app.app_context():
        after = results(db.session.get(Poll, poll))
    assert closed["ok"] and {"id": closed["id"], "counts": closed["counts"], "total": closed["total"]} == after
    assert after["total"] == 3 and sum(after["counts"]) == 3
    assert teacher.wait_ev("poll_closed")["data"] == after
    sent = teacher.evs("poll_results")
    assert all(e["seq"] < teacher.evs("poll_closed")[0]["seq"] for e in sent)  # no counts after the final ones


def test_the_question_limit_holds_in_redis(live: LiveWorld) -> None:
    student, _ = live.join("student")
    for n in range(3):
        assert student.call("ask", {"text": f"Вопрос {n}"})["ok"]
    again = student.call("ask", {"text": "Ещё"})
    assert again["ok"] is False and "Too fast" in again["error"]
    other, _ = live.join("student")  # another tab of the same person shares the budget
    assert other.call("ask", {"text": "Ещё раз"})["ok"] is False
