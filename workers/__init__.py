"""Background jobs: Huey dispatches job ids, the Job table is the truth."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app

from webinar.extensions import db
from webinar.models import Job
from workers import lease
from workers.queue import make_huey
from workers.runner import run_job

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Build the app's Huey instance and register the one task that runs jobs."""
    huey = make_huey(app.config, app.instance_path)

    @huey.task(name="aralyk.run_job")
    def run_job_task(job_id: int) -> None:
        with app.app_context():
            run_job(job_id)

    app.extensions["aralyk.huey"] = huey
    app.extensions["aralyk.run_job_task"] = run_job_task


def dispatch(job_id: int) -> None:
    """Put a job id on the queue; the row must already be committed. When the queue (Redis) is
    unreachable the row is marked instead, and a reaper sends it once the queue is back."""
    try:
        current_app.extensions["aralyk.run_job_task"](job_id)
    except Exception as exc:  # whatever the queue's client raises: the row is the truth, and is kept
        log.warning("job %s not queued (%s: %s); a reaper will send it", job_id, type(exc).__name__, exc)
        lease.mark_undispatched(job_id)


def new_job(kind: str, payload: dict[str, Any], created_by_id: int | None = None) -> Job:
    """Add a job row to the session (uncommitted); dispatch it once committed."""
    job = Job(
        kind=kind,
        payload=payload,
        created_by_id=created_by_id,
        max_attempts=current_app.config["JOB_MAX_ATTEMPTS"],
    )
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(kind: str, payload: dict[str, Any], created_by_id: int | None = None) -> Job:
    """Create a job row, commit it, then hand it to the queue."""
    job = new_job(kind, payload, created_by_id)
    db.session.commit()
    dispatch(job.id)
    return job
