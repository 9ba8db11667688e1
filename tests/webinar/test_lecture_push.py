"""With a message queue, processing progress reaches the teacher's page over Socket.IO."""
from __future__ import annotations

import re
import threading
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import socketio

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.webinar.lecture_world import World, lecture_config, served_world


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[World]:
    """A served app with Redis as its message queue (and job queue, run inline)."""
    tmp = tmp_path_factory.mktemp("pushed")
    config = {**lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}"),
              "REDIS_URL": redis_url, "HUEY_NAME": f"push-{uuid.uuid4().hex[:8]}"}
    with served_world(config) as world:
        yield world


def listener(world: World, who: str) -> socketio.Client:
    """A Socket.IO client on the progress namespace, signed in as who."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in world.sessions[who].cookies)
    client = socketio.Client(reconnection=False)
    client.connect(world.base, namespaces=["/progress"], headers={"Cookie": cookie}, wait_timeout=10)
    return client


def test_teacher_gets_progress_pushed_while_a_recording_is_processed(pushed: World, clip: Path, tmp_path: Path) -> None:
    location = pushed.upload(clip, title="Push")
    lecture_id = int(re.fullmatch(r"/lectures/(\d+)", location).group(1))
    page = pushed.sessions["teacher"].get(f"{pushed.base}/lectures/{lecture_id}")
    assert "vendor/socket.io.min.js" not in page.text  # ready: nothing to watch, no socket library

    events: list[dict] = []
    finished = threading.Event()
    client = listener(pushed, "teacher")

    @client.on("progress", namespace="/progress")
    def progress(state: dict) -> None:
        events.append(state)
        if state["progress"] >= 1.0 and state["status"] == "ready":
            finished.set()

    try:
        state = client.call("watch", {"lecture": lecture_id}, namespace="/progress", timeout=10)
        assert state["ok"] and state["status"] == "ready"
        another = clips.another_copy(ffmpeg_binary(), clip, tmp_path / "again.mp4")
        pushed.upload(another, lecture=str(lecture_id))  # re-processing runs now, inline
        assert finished.wait(15), events
    finally:
        client.disconnect()
    fractions = [e["progress"] for e in events]
    assert fractions == sorted(fractions) and len(events) >= 3
    # a new recording replaces the old version only once whole: no audio-only step in between
    assert {"processing", "ready"} == {e["status"] for e in events}


def test_only_the_lectures_teachers_may_watch(pushed: World, clip: Path) -> None:
    copy = clips.another_copy(ffmpeg_binary(), clip, clip.parent / f"{uuid.uuid4().hex}.mp4")
    lecture_id = int(pushed.upload(copy, title="Private").rsplit("/", 1)[1])
    for who in ("student", "other", "outsider"):
        client = listener(pushed, who)
        try:
            assert client.call("watch", {"lecture": lecture_id}, namespace="/progress", timeout=10) == {"ok": False}
            assert client.call("watch", {"lecture": "1 OR 1"}, namespace="/progress", timeout=10) == {"ok": False}
        finally:
            client.disconnect()
    anonymous = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        anonymous.connect(pushed.base, namespaces=["/progress"], wait_timeout=5)
