"""Redis (the job queue, the rate limits and the Socket.IO message queue) killed under a running app,
then started again on its port.

While it is gone pages render, signing in and creating uploads keep their limits in the process,
chat is still taken (and stored), and a finished upload's job is kept as "not on the queue yet"
instead of failing the request; once it is back, the reaper sends that job, the limits are shared
again and chat reaches everyone live, with no restart and nothing done by hand.
"""
from __future__ import annotations

import io
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import redis
import requests
from tusclient.client import TusClient

from tests.conftest import PASSWORD, make_app
from tests.faults.redis_server import OwnRedis
from tests.helpers import serving
from tests.webinar.live_world import LiveWorld, live_config
from webinar.extensions import db, socketio
from webinar.models import Job, JobStatus
from workers.consumer import Reaper
from workers.lease import NOT_DISPATCHED


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[LiveWorld, OwnRedis]]:
    """A served app whose REDIS_URL is a redis-server of our own, with a live webinar."""
    own = OwnRedis(tmp_path / "redis")
    tag = uuid.uuid4().hex[:8]
    config = live_config(tmp_path, f"sqlite:///{tmp_path / 'aralyk.sqlite3'}", REDIS_URL=own.url,
                         SOCKETIO_CHANNEL=f"faults-{tag}", HUEY_NAME=f"faults-{tag}", HUEY_IMMEDIATE=False,
                         REAPER_INTERVAL_SECONDS=0.3, LOGIN_RATE_LIMIT="50 per minute",
                         LIVE_CHAT_RATE_LIMIT="100 per 10 seconds")
    first = socketio.server
    app = make_app(config)
    try:
        with serving(app) as base:
            live = LiveWorld(app, base)
            live.populate()
            live.start()
            try:
                yield live, own
            finally:
                live.close()
    finally:
        own.close()
        socketio.server = first


def sign_in(world: LiveWorld, username: str) -> int:
    with requests.post(f"{world.base}/login", data={"username": username, "password": PASSWORD},
                       headers={"Accept-Language": "en"}, allow_redirects=False) as response:
        return response.status_code


def upload(world: LiveWorld, data: bytes) -> str:
    """A recording sent with tuspy by the teacher; returns the lecture's page."""
    client = TusClient(f"{world.base}/uploads/", headers={"Cookie": world.cookie("teacher"), "Accept-Language": "en"})
    metadata = {"purpose": "lecture", "filename": "лекция.mp4", "course": str(world.course_id), "title": "Лекция"}
    uploader = client.uploader(file_stream=io.BytesIO(data), chunk_size=64 * 1024, metadata=metadata)
    uploader.upload()
    return uploader.request.response_headers["aralyk-location"]


def eventually(check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, "did not recover in time"
        time.sleep(0.1)
    return found


def test_the_app_degrades_while_redis_is_gone_and_recovers_by_itself(world: tuple[LiveWorld, OwnRedis]) -> None:
    live, own = world
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    assert student.call("chat", {"text": "до"})["ok"] and teacher.wait_ev("chat")
    assert sign_in(live, "student2") == 302

    own.kill()
    with live.sign_in("student").get(f"{live.base}/") as home:
        assert home.status_code == 200
    assert sign_in(live, "student3") == 302  # limits counted in this process meanwhile
    during = student.call("chat", {"text": "во время"})
    assert during["ok"], during  # stored; the live broadcast is what Redis carried
    lecture_page = upload(live, b"\0" * 300_000)  # the last PATCH queues the job: it must not fail
    job = _job(live)
    assert job.status == JobStatus.QUEUED and job.error == NOT_DISPATCHED
    with live.sign_in("teacher").get(f"{live.base}{lecture_page}/status.json") as status:
        assert status.status_code == 200 and status.json()["message"].startswith("Processing")

    own.start()
    reaper = Reaper(live.app)
    reaper.start()
    try:
        eventually(lambda: _job(live).error is None)
    finally:
        reaper.stopped.set()
        reaper.join()
    huey = live.app.extensions["aralyk.huey"]
    assert huey.pending_count() == 1, "the reaper sent the job once Redis was back"
    sent = []

    def heard_live() -> bool:
        """Say something new; True once the teacher got one of these lines live (the queue carries again)."""
        sent.append(f"после {len(sent) + 1}")
        assert student.call("chat", {"text": sent[-1]})["ok"]
        time.sleep(0.3)
        return any(e["data"]["text"].startswith("после") for e in teacher.evs("chat"))

    eventually(heard_live)
    everything = teacher.call("catch_up", {"since": 0})["events"]  # what a gap in seq makes live.js ask for
    assert [e["data"]["text"] for e in everything if e["kind"] == "chat"] == ["до", "во время", *sent]
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))
    keys = redis.Redis.from_url(own.url)
    try:
        eventually(lambda: sign_in(live, "admin") == 302 and keys.keys("*LIMITER/*"))  # shared limits again
    finally:
        keys.close()


def _job(live: LiveWorld) -> Job:
    with live.app.app_context():
        job = db.session.query(Job).filter_by(kind="lecture_process").one()
        db.session.expunge(job)
        return job
