"""Run one job: claim it, keep its lease alive, call its handler, record the outcome."""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import socket
import threading
import uuid

from flask import Flask, current_app

from webinar.extensions import db
from webinar.models import Job
from workers import lease
from workers.context import JobContext, JobRejected

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for this worker thread that no other worker shares."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


class Heartbeat(threading.Thread):
    """Renews a job's lease while its handler works, even between progress reports."""

    def __init__(self, app: Flask, ctx: JobContext) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{ctx.job_id}")
        self.app, self.ctx = app, ctx
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.ctx.lease_seconds / 3):
            with self.app.app_context():
                try:
                    lease.heartbeat(self.ctx.job_id, self.ctx.owner, self.ctx.lease_seconds)
                except lease.LeaseLost:
                    return  # the handler finds out at its next progress report or at completion


def _requeue(job_id: int, delay: float | None) -> None:
    """Hand a requeued job back to Huey: at once, or after the delay its handler asked for (RetryLater)."""
    task = current_app.extensions["aralyk.run_job_task"]
    if delay:
        task.schedule((job_id,), delay=delay)
    else:
        task(job_id)


def out_of_space(exc: BaseException) -> bool:
    """Whether the job failed for want of disk space (its own writes, or ffmpeg's)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    return "No space left on device" in str(exc) or "File too large" in str(exc)


def failure_text(exc: BaseException) -> str:
    """The job's error for operators, led by DISK_FULL when that is why."""
    text = f"{type(exc).__name__}: {exc}"
    return f"{lease.DISK_FULL}: {text}" if out_of_space(exc) else text


def database_tag() -> str:
    """A short name for the database the jobs are numbered in."""
    return hashlib.sha256(str(current_app.config["SQLALCHEMY_DATABASE_URI"]).encode()).hexdigest()[:8]


def run_job(job_id: int) -> None:
    """Claim and run a job if it is still claimable; a no-op otherwise."""
    owner = worker_id()
    seconds = current_app.config["JOB_LEASE_SECONDS"]
    if not lease.claim(job_id, owner, seconds):
        log.info("job %s not claimable, skipped", job_id)
        return
    from workers.handlers import HANDLERS  # handlers import the web features, which enqueue jobs

    job = db.session.get(Job, job_id)
    ctx = JobContext(job_id, dict(job.payload), owner, seconds, scope=database_tag())
    handler = HANDLERS.get(job.kind)
    db.session.remove()
    if handler is None:
        lease.fail(job_id, owner, f"unknown job kind {job.kind!r}", retry=False)
        return
    beat = Heartbeat(current_app._get_current_object(), ctx)
    beat.start()
    try:
        result = handler(ctx)
    except lease.LeaseLost:
        log.warning("job %s: lease lost, another worker has it", job_id)
        return
    except JobRejected as exc:
        db.session.rollback()
        lease.fail(job_id, owner, str(exc), retry=False)
        return
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        if lease.fail(job_id, owner, failure_text(exc), retry=True):
            _requeue(job_id, getattr(exc, "retry_after", None))
        raise
    finally:
        beat.stopped.set()
    lease.complete(job_id, owner, result)
    log.info("job %s done", job_id)
