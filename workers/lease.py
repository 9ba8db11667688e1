"""Claiming, heartbeating and finishing jobs with conditional updates, and reaping lost leases."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from webinar.extensions import db
from webinar.models import Job, JobStatus
from webinar.models.base import utcnow


# A queued job whose dispatch failed (the queue was unreachable): a reaper sends it again.
NOT_DISPATCHED = "not on the queue yet: the job queue was unreachable; sent again once it is back"
# What a job's error starts with when a disk (the work folder's or the storage's) was full.
DISK_FULL = "out of disk space"
# The reaper's reason for giving up (shown to admins; teachers get a translated sentence from it).
WORKER_LOST = "worker lost on every attempt (killed, out of memory or restarted); not retried"


class LeaseLost(Exception):
    """Another worker owns the job now; stop without writing results."""


def _update(job_id: int, where: list, **values: Any) -> bool:
    """Run one conditional UPDATE on a job row and commit; True if a row changed."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, *where)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    changed = db.session.execute(stmt).rowcount == 1
    db.session.commit()
    return changed


def claim(job_id: int, owner: str, lease_seconds: int) -> bool:
    """Take a queued job (or one whose lease expired) for this worker."""
    now = utcnow()
    claimable = (Job.status == JobStatus.QUEUED) | (
        (Job.status == JobStatus.RUNNING) & (Job.lease_expires_at < now)
    )
    return _update(
        job_id,
        [claimable, Job.attempts < Job.max_attempts],
        status=JobStatus.RUNNING,
        lease_owner=owner,
        lease_expires_at=now + timedelta(seconds=lease_seconds),
        attempts=Job.attempts + 1,
        started_at=now,
        error=None,
    )


def _owned(owner: str) -> list:
    return [Job.status == JobStatus.RUNNING, Job.lease_owner == owner]


def heartbeat(job_id: int, owner: str, lease_seconds: int, **values: Any) -> None:
    """Extend the lease (and record progress); raise LeaseLost if the job was taken away."""
    expires = utcnow() + timedelta(seconds=lease_seconds)
    if not _update(job_id, _owned(owner), lease_expires_at=expires, **values):
        raise LeaseLost(job_id)


def hold(job_id: int, owner: str) -> None:
    """Lock the job's row for this worker in the current transaction, before writing its results
    with it (not committed); raise LeaseLost, rolled back, if another worker has it now."""
    stmt = (update(Job).where(Job.id == job_id, *_owned(owner)).values(updated_at=utcnow())
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount != 1:
        db.session.rollback()
        raise LeaseLost(job_id)


def complete(job_id: int, owner: str, result: dict[str, Any]) -> None:
    """Mark the job done with its result; lease_owner stays as the record of which worker did it."""
    done = dict(status=JobStatus.DONE, progress=1.0, result=result, finished_at=utcnow())
    if not _update(job_id, _owned(owner), lease_expires_at=None, **done):
        raise LeaseLost(job_id)


def fail(job_id: int, owner: str, error: str, *, retry: bool) -> bool:
    """Record a failure; requeue when retry is allowed and attempts remain. True if requeued."""
    if retry and _update(
        job_id, [*_owned(owner), Job.attempts < Job.max_attempts],
        status=JobStatus.QUEUED, lease_owner=None, lease_expires_at=None, error=error,
    ):
        return True
    _update(
        job_id, _owned(owner), status=JobStatus.FAILED, lease_owner=None,
        lease_expires_at=None, error=error, finished_at=utcnow(),
    )
    return False


def reap() -> list[int]:
    """Requeue running jobs whose lease expired (their worker died); fail those out of attempts."""
    now = utcnow()
    expired = [Job.status == JobStatus.RUNNING, Job.lease_expires_at < now]
    requeue = (
        update(Job)
        .where(*expired, Job.attempts < Job.max_attempts)
        .values(status=JobStatus.QUEUED, lease_owner=None, lease_expires_at=None, updated_at=now)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(db.session.execute(requeue).scalars())
    give_up = (
        update(Job)
        .where(*expired, Job.attempts >= Job.max_attempts)
        .values(status=JobStatus.FAILED, lease_owner=None, lease_expires_at=None,
                error=WORKER_LOST, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(give_up)
    db.session.commit()
    return ids


def mark_undispatched(job_id: int) -> None:
    """Note on a queued job that the queue never got it."""
    db.session.rollback()  # the failed dispatch may have left nothing, or a broken transaction
    _update(job_id, [Job.status == JobStatus.QUEUED], error=NOT_DISPATCHED)


def undispatched() -> list[int]:
    """Take the queued jobs the queue never got, to send them again (a failure marks them again)."""
    stmt = (update(Job).where(Job.status == JobStatus.QUEUED, Job.error == NOT_DISPATCHED)
            .values(error=None, updated_at=utcnow()).returning(Job.id).execution_options(synchronize_session=False))
    ids = list(db.session.execute(stmt).scalars())
    db.session.commit()
    return ids


def queue_position(job: Job) -> int:
    """How many queued jobs are ahead of this one (0 when it is next or not queued)."""
    if job.status != JobStatus.QUEUED:
        return 0
    ahead = select(func.count()).where(Job.status == JobStatus.QUEUED, Job.id < job.id)
    return db.session.execute(ahead).scalar_one()
