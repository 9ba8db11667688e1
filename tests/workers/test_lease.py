"""Claiming, heartbeats and the reaper, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from flask import Flask

from tests.helpers import both_databases
from webinar.extensions import db
from webinar.models import Job, JobStatus
from webinar.models.base import utcnow
from workers import enqueue, lease


@pytest.fixture
def queued(app: Flask) -> int:
    """A queued job that nothing consumes (the queue is paused)."""
    with app.app_context():
        job = Job(kind="storage_check", payload={}, max_attempts=2)
        db.session.add(job)
        db.session.commit()
        return job.id


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


@both_databases
def test_only_one_worker_claims_a_job(app: Flask, queued: int) -> None:
    with app.app_context():
        assert lease.claim(queued, "w1", 30)
        assert not lease.claim(queued, "w2", 30)
        job = _job(queued)
        assert job.status == JobStatus.RUNNING and job.lease_owner == "w1" and job.attempts == 1


@both_databases
def test_heartbeat_extends_only_the_owners_lease(app: Flask, queued: int) -> None:
    with app.app_context():
        lease.claim(queued, "w1", 1)
        before = _job(queued).lease_expires_at
        lease.heartbeat(queued, "w1", 60, progress=0.5)
        job = _job(queued)
        assert job.lease_expires_at > before + timedelta(seconds=30) and job.progress == 0.5
        with pytest.raises(lease.LeaseLost):
            lease.heartbeat(queued, "intruder", 60)


@both_databases
def test_reaper_requeues_expired_leases_and_gives_up_after_max_attempts(app: Flask, queued: int) -> None:
    with app.app_context():
        lease.claim(queued, "dead-1", 30)
        assert lease.reap() == []  # lease still valid
        db.session.execute(db.update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert lease.reap() == [queued]
        assert _job(queued).status == JobStatus.QUEUED
        with pytest.raises(lease.LeaseLost):
            lease.complete(queued, "dead-1", {})  # the dead worker cannot finish it any more
        assert lease.claim(queued, "dead-2", 30)
        db.session.execute(db.update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert lease.reap() == []
        job = _job(queued)
        assert job.status == JobStatus.FAILED and job.attempts == 2 and "lost" in job.error


@both_databases
def test_an_expired_lease_can_be_claimed_directly(app: Flask, queued: int) -> None:
    with app.app_context():
        lease.claim(queued, "slow", 30)
        db.session.execute(db.update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert lease.claim(queued, "fast", 30)
        assert _job(queued).lease_owner == "fast"


@both_databases
def test_queue_position_counts_jobs_ahead(app: Flask) -> None:
    with app.app_context():
        jobs = [Job(kind="storage_check", payload={}) for _ in range(3)]
        db.session.add_all(jobs)
        db.session.commit()
        assert [lease.queue_position(j) for j in jobs] == [0, 1, 2]
        lease.claim(jobs[0].id, "w", 30)
        assert lease.queue_position(_job(jobs[2].id)) == 1


def test_storage_check_job_runs_through_the_queue(app: Flask) -> None:
    with app.app_context():
        job = enqueue("storage_check", {"bytes": 4096})
        job = _job(job.id)
        assert job.status == JobStatus.DONE and job.result["ok"] and job.result["bytes"] == 4096
        assert job.lease_owner.split(":")[1] == str(os.getpid()) and job.finished_at is not None  # who did it


def test_failing_job_records_the_error_and_is_retried(app: Flask, monkeypatch) -> None:
    from workers import handlers

    calls = []

    def flaky(ctx):
        calls.append(ctx.job_id)
        if len(calls) == 1:
            raise OSError("disk full")
        return {"ok": True}

    monkeypatch.setitem(handlers.HANDLERS, "flaky", flaky)
    with app.app_context():
        job = Job(kind="flaky", payload={}, max_attempts=3)
        db.session.add(job)
        db.session.commit()
        with pytest.raises(OSError):
            from workers.runner import run_job
            run_job(job.id)
        job = _job(job.id)
        assert len(calls) == 2 and job.status == JobStatus.DONE and job.attempts == 2


def test_unknown_job_kind_fails_without_retry(app: Flask) -> None:
    from workers.runner import run_job

    with app.app_context():
        job = Job(kind="no-such-kind", payload={})
        db.session.add(job)
        db.session.commit()
        run_job(job.id)
        job = _job(job.id)
        assert job.status == JobStatus.FAILED and "unknown job kind" in job.error and job.attempts == 1
