"""A consumer killed mid-job: the reaper hands the job to another consumer, which finishes it once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from webinar import create_app
from webinar.extensions import db
from webinar.models import Job, JobStatus, Role, User
from webinar.roster.export import read_credentials
from webinar.storage import read_bytes
from workers import enqueue

ROWS = 60
ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, db_url: str, redis_url: str | None) -> dict[str, str]:
    settings = {
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "STORAGE_LOCAL_ROOT": str(tmp_path / "storage"),
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        "HUEY_NAME": f"test-{uuid.uuid4().hex[:8]}",
        "JOB_LEASE_SECONDS": "3",
        "REAPER_INTERVAL_SECONDS": "1",
        "PASSWORD_HASH_METHOD": "scrypt",  # real hashing: slow enough to kill mid-job
    }
    if redis_url:
        settings["REDIS_URL"] = redis_url
    return settings


def _start_worker(settings: dict[str, str], log: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, **{f"ARALYK_{k}": v for k, v in settings.items()}, "FLASK_APP": "webinar", **(extra_env or {})}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "worker", "--threads", "1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_for(app: Flask, job_id: int, done: Callable[[Job], bool], log: Path, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            if done(job):
                return job
            time.sleep(0.1)
    pytest.fail(f"job {job_id} stuck at {job.status} {job.progress}; worker log:\n{log.read_text()}")


@pytest.mark.parametrize(("db_url", "queue"), [("sqlite", "sqlite"), ("postgres", "redis")], indirect=["db_url"])
def test_killed_consumer_job_finishes_on_another_exactly_once(db_url: str, queue: str, tmp_path: Path, request) -> None:
    redis_url = request.getfixturevalue("redis_url") if queue == "redis" else None
    settings = _settings(tmp_path, db_url, redis_url)
    app = create_app({**settings, "JOB_LEASE_SECONDS": 3, "HUEY_IMMEDIATE": False})
    rows = [{"full_name": f"Студент{i:03d} Тестов", "email": None, "group": "ПИ-1-23"} for i in range(ROWS)]
    with app.app_context():
        db.create_all()
        job_id = enqueue("roster_import", {"rows": rows, "warnings": []}).id
    log = tmp_path / "worker.log"

    first = _start_worker(settings, log)
    try:
        _wait_for(app, job_id, lambda j: 0.15 <= j.progress < 0.8, log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    second = _start_worker(settings, log)
    try:
        job = _wait_for(app, job_id, lambda j: j.status in (JobStatus.DONE, JobStatus.FAILED), log)
    finally:
        second.terminate()
        second.wait(timeout=20)

    assert job.status == JobStatus.DONE, job.error
    assert job.attempts == 2
    with app.app_context():
        _check_every_student_issued_once(rows, job)
        db.session.remove()
        db.engine.dispose()


def _check_every_student_issued_once(rows: list[dict], job: Job) -> None:
    """Every roster row has exactly one account, and the login list holds working passwords."""
    count = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.STUDENT))
    assert count == ROWS
    logins = read_credentials(read_bytes(job.result["credentials"]))
    assert sorted(r[1] for r in logins) == sorted(r["full_name"] for r in rows)
    for _, _, username, password in logins[:: ROWS // 3]:
        assert db.session.scalar(select(User).where(User.username == username)).check_password(password)
