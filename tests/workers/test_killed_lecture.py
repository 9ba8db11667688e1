"""A consumer SIGKILLed in the middle of a transcode: the lecture is still published exactly once."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.workers.lecture_setup import queued_lecture
from tests.workers.test_killed_consumer import _settings, _start_worker, _wait_for
from webinar import create_app
from webinar.extensions import db
from webinar.models import JobStatus, Lecture, LectureStatus
from webinar.storage import storage
from workers import dispatch


@pytest.mark.parametrize(("db_url", "queue"), [("sqlite", "sqlite"), ("postgres", "redis")], indirect=["db_url"])
def test_killed_transcode_publishes_once(db_url: str, queue: str, tmp_path: Path, request) -> None:
    clip = clips.lecture_mp4(ffmpeg_binary(), tmp_path / "lecture.mp4", d=40)
    settings = _settings(tmp_path, db_url, request.getfixturevalue("redis_url") if queue == "redis" else None)
    app = create_app({**settings, "JOB_LEASE_SECONDS": 3, "HUEY_IMMEDIATE": False})
    with app.app_context():
        db.create_all()
    lecture_id, job_id = queued_lecture(app, clip)
    with app.app_context():
        dispatch(job_id)
    log = tmp_path / "worker.log"

    first = _start_worker(settings, log)
    try:  # kill it while the video tiers encode, after audio + slides were published
        _wait_for(app, job_id, lambda j: 0.3 <= j.progress < 0.8, log, timeout=120)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    with app.app_context():
        half = db.session.get(Lecture, lecture_id)
        assert half.status == LectureStatus.AUDIO_READY and "video" not in half.manifest
    second = _start_worker(settings, log)
    try:
        job = _wait_for(app, job_id, lambda j: j.status in (JobStatus.DONE, JobStatus.FAILED), log, timeout=180)
    finally:
        second.terminate()
        second.wait(timeout=20)

    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2
    with app.app_context():
        lecture = db.session.get(Lecture, lecture_id)
        assert lecture.status == LectureStatus.READY and lecture.manifest["video"]
        keys = set(storage().list(f"lectures/{lecture_id}/"))
        assert {"/".join(k.split("/")[:3]) for k in keys} == {lecture.media_prefix, f"lectures/{lecture_id}/source"}
        for rung in lecture.manifest["video"]:
            assert f"{lecture.media_prefix}/{rung['path']}" in keys
        db.session.remove()
        db.engine.dispose()
