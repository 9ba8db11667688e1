"""Consumers SIGKILLed 20 times at random points of real transcodes.

On PostgreSQL with the Redis queue (the scale-out setup). Every lecture is published exactly once, a student is never shown a rendition with a missing or
short file, every attempt is counted, and a job killed more often than it may be retried fails for
good with a sentence the teacher can read. The seed is in every failure message; set
ARALYK_FAULT_SEED to replay one.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from sqlalchemy import update

from media.ffmpeg import ffmpeg_binary
from tests.faults.published import missing
from tests.media import clips
from tests.services import postgres_schema
from tests.workers.lecture_setup import queued_lectures
from tests.workers.test_killed_consumer import _settings, _start_worker
from webinar import create_app
from webinar.extensions import db
from webinar.lectures.service import status_payload
from webinar.models import Job, JobStatus, Lecture, LectureStatus
from webinar.storage import storage
from workers import dispatch
from workers.lease import WORKER_LOST

SEED = int(os.environ.get("ARALYK_FAULT_SEED", random.randrange(1 << 31)))
KILLS = 20
LECTURES = 6  # that finish in the end, killed any number of times
FRAGILE_KILLS = 2  # one more lecture's job may run twice: its second kill is its last
WORKERS = 2
JITTER = 0.2  # seconds: a kill comes this long at most after its job passed a random point of its progress
TIMEOUT = 420.0  # a loaded machine; about 60 s on an idle one


class Watcher(threading.Thread):
    """Polls what students would be served of each lecture, and notes everything that is wrong."""

    def __init__(self, app: Flask, lecture_ids: list[int]) -> None:
        super().__init__(daemon=True, name="student-view")
        self.app, self.lecture_ids = app, lecture_ids
        self.stopped = threading.Event()
        self.problems: list[str] = []
        self.published: dict[int, set] = {i: set() for i in lecture_ids}
        self.had_video: set[int] = set()
        self.looks = 0

    def run(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(0.1):
                for lecture_id in self.lecture_ids:
                    self.look(lecture_id)
            db.session.remove()

    def look(self, lecture_id: int) -> None:
        """Check one lecture as it is now."""
        db.session.expire_all()
        lecture = db.session.get(Lecture, lecture_id)
        prefix, manifest = lecture.media_prefix, dict(lecture.manifest or {})
        db.session.rollback()
        self.looks += 1
        if lecture.published_at:
            self.published[lecture_id].add(lecture.published_at)
        if manifest.get("video"):
            self.had_video.add(lecture_id)
        elif lecture_id in self.had_video:
            self.problems.append(f"lecture {lecture_id} lost its video tiers ({lecture.status})")
        if not manifest:
            return
        found = missing(storage(), prefix, manifest)
        db.session.expire_all()
        if found and db.session.get(Lecture, lecture_id).media_prefix == prefix:  # not just replaced
            self.problems.append(f"lecture {lecture_id} at {prefix}: {found}")
        db.session.rollback()


def holding(app: Flask, pid: int) -> list[int]:
    """The jobs a worker process holds now."""
    with app.app_context():
        db.session.expire_all()
        jobs = db.session.query(Job).filter(Job.status == JobStatus.RUNNING,
                                            Job.lease_owner.like(f"%:{pid}:%")).all()
        ids = [job.id for job in jobs]
        db.session.rollback()
        return ids


def unfinished(app: Flask, job_ids: list[int]) -> list[int]:
    with app.app_context():
        db.session.expire_all()
        left = [j for j in job_ids if db.session.get(Job, j).status not in (JobStatus.DONE, JobStatus.FAILED)]
        db.session.rollback()
        return left


@pytest.fixture
def scaled_out(postgres_base_url: str, redis_url: str) -> Iterator[tuple[str, str]]:
    """The scale-out database and queue (a fresh schema; Redis with the test's own queue name):
    the workers' heartbeats never wait for another's write lock, as they may on one SQLite file."""
    with postgres_schema(postgres_base_url) as url:
        yield url, redis_url


def test_twenty_kills_at_random_points(tmp_path: Path, scaled_out: tuple[str, str]) -> None:
    rng = random.Random(SEED)
    clip = clips.lecture_mp4(ffmpeg_binary(), tmp_path / "lecture.mp4", d=2.5, size="320x180")  # the 144p tier alone: cheap
    settings = {**_settings(tmp_path, *scaled_out),
                "JOB_LEASE_SECONDS": "3", "REAPER_INTERVAL_SECONDS": "0.3"}
    os.makedirs(work := tmp_path / "work")
    app = create_app({**settings, "HUEY_IMMEDIATE": False, "JOB_MAX_ATTEMPTS": 30})
    with app.app_context():
        db.create_all()
    pairs = queued_lectures(app, clip, LECTURES + 1)
    jobs = [job for _, job in pairs]
    fragile = jobs[-1]
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == fragile).values(max_attempts=FRAGILE_KILLS))
        db.session.commit()
        for job_id in reversed(jobs):  # the fragile one first: its kills come while it is alone in its slot
            dispatch(job_id)
    log = tmp_path / "worker.log"
    say = f"(seed {SEED}; ARALYK_FAULT_SEED={SEED} replays it)"

    watcher = Watcher(app, [lecture for lecture, _ in pairs])
    watcher.start()
    env = {"TMPDIR": str(work)}
    workers = [_start_worker(settings, log, env) for _ in range(WORKERS)]
    hits = {job: 0 for job in jobs}
    deadline = time.monotonic() + TIMEOUT
    try:
        while sum(hits.values()) < KILLS and unfinished(app, jobs):
            assert time.monotonic() < deadline, f"kill loop stuck at {hits} {say}:\n{log.read_text()}"
            target = _next_target(app, workers, fragile, hits[fragile] < FRAGILE_KILLS)
            if target is None:
                time.sleep(0.02)
                continue
            successor = _start_worker(settings, log, env)  # starting up while the target works
            # The fragile job's kills must land before its end: a short job can pass its last progress
            # report and finish within the jitter, so it is killed within the jitter of being taken.
            fragile_next = fragile in holding(app, target.pid)
            _wait_for_progress(app, target, 0.0 if fragile_next else rng.random(), deadline)
            time.sleep(rng.uniform(0, JITTER))
            target.send_signal(signal.SIGKILL)
            target.wait()
            for job in holding(app, target.pid):  # the rows it held are the attempts it lost
                hits[job] += 1
            workers[workers.index(target)] = successor
        while unfinished(app, jobs):
            assert time.monotonic() < deadline, f"jobs unfinished after the kills {say}:\n{log.read_text()}"
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
        watcher.stopped.set()
        watcher.join()

    assert sum(hits.values()) == KILLS and hits[fragile] == FRAGILE_KILLS, (hits, say)
    assert watcher.looks > 100 and not watcher.problems, (watcher.problems, say)
    with app.app_context():
        for lecture_id, job_id in pairs[:-1]:
            _check_published_once(lecture_id, job_id, hits[job_id], watcher, tmp_path, say)
        _check_failed_for_good(app, *pairs[-1], say)
        db.session.remove()
        db.engine.dispose()
    done = {str(job) for _, job in pairs[:-1]}  # folders are lecture-<database>-<job>-<random>
    assert all(p.name.startswith("lecture-") for p in work.iterdir()), list(work.iterdir())
    left = [p.name for p in work.iterdir() if p.name.split("-")[-2] in done]
    assert not left, f"work folders of killed runs left behind: {left} {say}"


def _next_target(app: Flask, workers: list[subprocess.Popen], fragile: int,
                 fragile_left: bool) -> subprocess.Popen | None:
    """A worker that holds a job (the fragile one while it has kills left), or None yet."""
    held = {worker: holding(app, worker.pid) for worker in workers}
    for worker, ids in held.items():
        if fragile in ids and fragile_left:
            return worker
    busy = [worker for worker, ids in held.items() if ids and fragile not in ids]
    return busy[0] if busy else None


def _wait_for_progress(app: Flask, worker: subprocess.Popen, point: float, deadline: float) -> None:
    """Wait until the worker's job has got to point (0..1) of its progress, or is no longer its."""
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            jobs = db.session.query(Job).filter(Job.status == JobStatus.RUNNING,
                                                Job.lease_owner.like(f"%:{worker.pid}:%")).all()
            reached = not jobs or any(job.progress >= point for job in jobs)
            db.session.rollback()
            if reached:
                return
            time.sleep(0.02)


def _check_published_once(lecture_id: int, job_id: int, kills: int, watcher: Watcher, tmp_path: Path,
                          say: str) -> None:
    """Ready with every tier, published once, attempts counted, no earlier run's file left."""
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.DONE and job.attempts == kills + 1, (job.status, job.attempts, kills, job.error, say)
    lecture = db.session.get(Lecture, lecture_id)
    assert lecture.status == LectureStatus.READY and lecture.manifest["video"], say
    assert not missing(storage(), lecture.media_prefix, lecture.manifest), say
    assert watcher.published[lecture_id] == {lecture.published_at}, (watcher.published[lecture_id], say)
    root = tmp_path / "storage" / "lectures" / str(lecture_id)
    kept = {lecture.media_prefix.rsplit("/", 1)[1], "source"}
    stray = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in kept]
    assert not stray, f"files of killed runs left in storage: {stray} {say}"


def _check_failed_for_good(app: Flask, lecture_id: int, job_id: int, say: str) -> None:
    """The job killed as often as it may run is failed, and the teacher is told why."""
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.FAILED and job.attempts == FRAGILE_KILLS, (job.status, job.attempts, say)
    assert job.error == WORKER_LOST, (job.error, say)
    lecture = db.session.get(Lecture, lecture_id)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown: dict[str, Any] = status_payload(lecture)
    assert shown["failed"], say
    assert "cut off 2 times" in shown["message"], (shown, say)
    if lecture.manifest:  # audio published by a killed run: whole, or not shown at all
        assert not missing(storage(), lecture.media_prefix, lecture.manifest), say
