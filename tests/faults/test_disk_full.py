"""A new recording of a published lecture processed with a full disk: the work folder is a tiny
tmpfs of our own (mounted here; the tests run as root).

The job fails with a reason the teacher can read, students keep the earlier version whole, no
file of the failed run is left in storage, and the work folder is empty again.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.faults.published import missing
from tests.media import clips
from tests.workers.lecture_setup import queued_lecture
from webinar import create_app
from webinar.extensions import db
from webinar.lectures.service import attach_source, status_payload
from webinar.models import Job, JobStatus, Lecture, LectureStatus, User
from webinar.storage import storage
from workers.lease import DISK_FULL
from workers.runner import run_job

ROOM = 96 * 1024  # bytes of the work folder beyond the source's copy: far less than the outputs need


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clips.lecture_mp4(ffmpeg_binary(), tmp_path_factory.mktemp("clip") / "lecture.mp4", d=2.5, size="320x180")


@pytest.fixture
def tiny_disk(tmp_path: Path, clip: Path) -> Iterator[Path]:
    """A tmpfs with room for the source's copy and little more, unmounted afterwards."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    size = clip.stat().st_size + ROOM
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.fail(f"cannot mount a tmpfs (the fault tests run as root): {mounted.stderr}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_work_disk_fails_the_job_clearly_and_publishes_nothing(tmp_path: Path, clip: Path, tiny_disk: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app({"SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite3'}",
                      "STORAGE_LOCAL_ROOT": str(tmp_path / "storage"), "HUEY_IMMEDIATE": True})
    with app.app_context():
        db.create_all()
    lecture_id, first_job = queued_lecture(app, clip)
    with app.app_context():
        run_job(first_job)  # published whole on a roomy disk
        before = db.session.get(Lecture, lecture_id)
        assert before.status == LectureStatus.READY
        shown = (before.media_prefix, dict(before.manifest))
        lecture = db.session.get(Lecture, lecture_id)
        job, _ = attach_source(lecture, clip, "новая запись.mp4", db.session.get(User, lecture.created_by_id))
        job.max_attempts = 1
        db.session.commit()
        second = job.id

    monkeypatch.setattr(tempfile, "tempdir", str(tiny_disk))  # where the job makes its work folder
    with app.app_context():
        with pytest.raises(Exception):
            run_job(second)  # the consumer logs it; the row says why
        job = db.session.get(Job, second)
        assert job.status == JobStatus.FAILED and job.error.startswith(DISK_FULL), job.error
        lecture = db.session.get(Lecture, lecture_id)
        assert (lecture.media_prefix, lecture.manifest) == shown  # students play the earlier version
        assert not missing(storage(), *shown)
        runs = {"/".join(key.split("/")[:3]) for key in storage().list(f"lectures/{lecture_id}/")}
        assert runs == {shown[0], f"lectures/{lecture_id}/source"}, runs
        with app.test_request_context(headers={"Accept-Language": "en"}):
            message = status_payload(lecture)["message"]
        assert "ran out of disk space" in message, message
        db.session.remove()
        db.engine.dispose()
    assert not list(tiny_disk.iterdir()), "the failed run's work folder is left behind"
