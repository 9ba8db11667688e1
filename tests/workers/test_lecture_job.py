"""A lecture deleted or replaced while its recording is processed leaves nothing behind."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.workers.lecture_setup import queued_lecture
from webinar.extensions import db
from webinar.lectures.service import delete_lecture
from webinar.models import Job, JobStatus, Lecture
from webinar.storage import storage
from workers import dispatch
from workers.lecture_job import LectureRun


@pytest.mark.parametrize("change", ["deleted", "replaced"])
def test_a_superseded_run_removes_its_own_files(app: Flask, tmp_path: Path, monkeypatch, change: str) -> None:
    clip = clips.lecture_mp4(ffmpeg_binary(), tmp_path / "clip.mp4", d=3)
    lecture_id, job_id = queued_lecture(app, clip)
    encode_video = LectureRun.video_tiers

    def meanwhile_the_teacher_acts(run: LectureRun, info) -> None:
        lecture = db.session.get(Lecture, lecture_id)
        if change == "deleted":
            delete_lecture(lecture)
        else:
            lecture.revision += 1  # a new recording arrived; its own job will publish it
            db.session.commit()
        encode_video(run, info)

    monkeypatch.setattr(LectureRun, "video_tiers", meanwhile_the_teacher_acts)
    with app.app_context():
        dispatch(job_id)  # runs inline (HUEY_IMMEDIATE)
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.DONE and "skipped" in job.result
        left = [k for k in storage().list(f"lectures/{lecture_id}/") if "/source/" not in k]
        if change == "deleted":
            assert left == []
        else:  # the audio published before the change stays playable until the new run replaces it
            lecture = db.session.get(Lecture, lecture_id)
            assert left and all(k.startswith(lecture.media_prefix + "/") for k in left)
            assert lecture.manifest["audio"] and "video" not in lecture.manifest
