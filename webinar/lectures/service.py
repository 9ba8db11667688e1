"""A lecture's life: created from an upload, replaced, reordered, deleted."""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from webinar.extensions import db
from webinar.lectures.messages import describe, disk_full, worker_lost
from webinar.models import Course, Job, JobStatus, Lecture, LectureStatus, Role, User
from webinar.storage import storage
from workers import new_job
from workers.lease import DISK_FULL, WORKER_LOST, queue_position

log = logging.getLogger(__name__)
PROCESS_KIND = "lecture_process"


def lectures_of(course: Course, user: User) -> list[Lecture]:
    """The course's lectures in the teacher's order; students see only visible, playable ones."""
    query = select(Lecture).where(Lecture.course_id == course.id).order_by(Lecture.position, Lecture.id)
    found = list(db.session.scalars(query))
    if user.role == Role.STUDENT:
        found = [lecture for lecture in found if lecture.visible_to_students()]
    return found


def can_manage(lecture_or_course: Lecture | Course, user: User) -> bool:
    """Teachers of the course and admins manage its lectures."""
    course = lecture_or_course.course if isinstance(lecture_or_course, Lecture) else lecture_or_course
    return user.role == Role.ADMIN or course.is_taught_by(user)


def create_lecture(course: Course, title: str, creator: User) -> Lecture:
    """A new lecture at the end of the course's list, waiting for its recording."""
    last = db.session.scalar(select(func.max(Lecture.position)).where(Lecture.course_id == course.id))
    lecture = Lecture(course=course, title=title[:200], position=(last or 0) + 1,
                      created_by_id=creator.id, revision=0)
    db.session.add(lecture)
    db.session.flush()
    return lecture


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fileobj:
        while chunk := fileobj.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def same_recording(course: Course, sha256: str) -> Lecture | None:
    """A lecture of the course whose recording is this very file."""
    return db.session.scalar(
        select(Lecture).where(Lecture.course_id == course.id, Lecture.source_sha256 == sha256).limit(1)
    )


def attach_source(lecture: Lecture, staged: Path, filename: str, creator: User,
                  sha256: str | None = None) -> tuple[Job, str | None]:
    """Store a new recording and add its processing job (uncommitted: the caller commits, then
    dispatches the job). Returns the job and the replaced source's key, to delete after the commit."""
    old_key = lecture.source_key
    lecture.revision += 1
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix[1:].isalnum() and suffix.isascii() and len(suffix) <= 6 else ""
    key = f"lectures/{lecture.id}/source/r{lecture.revision}{suffix}"
    with staged.open("rb") as fileobj:
        storage().put(key, fileobj)
    lecture.source_key, lecture.source_filename = key, filename[:255]
    lecture.source_bytes = staged.stat().st_size
    lecture.source_sha256 = sha256 or file_sha256(staged)
    lecture.status, lecture.error_code, lecture.error_params = LectureStatus.PROCESSING, None, None
    job = new_job(PROCESS_KIND, {"lecture_id": lecture.id, "revision": lecture.revision}, creator.id)
    lecture.job_id = job.id
    return job, old_key if old_key != key and not current_app.config["KEEP_OLD_SOURCES"] else None


def delete_lecture(lecture: Lecture) -> None:
    """Remove the lecture and every file it has in storage."""
    lecture_id = lecture.id
    db.session.delete(lecture)
    db.session.commit()
    removed = storage().delete_prefix(f"lectures/{lecture_id}/")
    log.info("lecture %s deleted with %s stored files", lecture_id, removed)


def move(lecture: Lecture, step: int) -> None:
    """Swap the lecture with its neighbour above (step -1) or below (+1)."""
    siblings = list(db.session.scalars(
        select(Lecture).where(Lecture.course_id == lecture.course_id).order_by(Lecture.position, Lecture.id)
    ))
    for index, item in enumerate(siblings):
        item.position = index + 1
    index = siblings.index(lecture)
    other = index + step
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = siblings[other].position, siblings[index].position
    db.session.commit()


def processing_state(lecture: Lecture) -> dict:
    """The job's progress, queue position and a time estimate, for the teacher's status panel."""
    job = db.session.get(Job, lecture.job_id) if lecture.job_id else None
    state = {"status": lecture.status.value, "progress": 1.0 if lecture.status == LectureStatus.READY else 0.0,
             "queue_position": 0, "eta_seconds": None, "failed": lecture.status == LectureStatus.FAILED}
    if job is None or lecture.status == LectureStatus.FAILED:
        return state
    if lecture.status == LectureStatus.READY:  # playable; but a job that failed for good left it short
        state["failed"] = job.status == JobStatus.FAILED
        return state
    state["progress"] = job.progress
    state["queue_position"] = queue_position(job)
    state["failed"] = job.status == JobStatus.FAILED
    if job.status == JobStatus.RUNNING and job.started_at and job.progress > 0.02:
        elapsed = (job.updated_at - job.started_at).total_seconds()
        state["eta_seconds"] = round(elapsed * (1 - job.progress) / job.progress)
    return state


def status_payload(lecture: Lecture) -> dict:
    """processing_state plus a translated sentence for the teacher."""
    state = processing_state(lecture)
    if lecture.status == LectureStatus.FAILED:
        state["message"] = describe(lecture.error_code, lecture.error_params)
    elif state["failed"]:
        state["message"] = _failed_job_message(db.session.get(Job, lecture.job_id))
    elif lecture.status == LectureStatus.READY:
        state["message"] = _("Ready: students can watch and download it.")
    elif lecture.status == LectureStatus.AUDIO_READY:
        state["message"] = _("Audio and slides are ready; students can listen now. Video is being prepared.")
    elif state["queue_position"]:
        state["message"] = _("Waiting in line: %(n)s recordings ahead.", n=state["queue_position"])
    else:
        state["message"] = _("Processing the recording…")
    return state


def _failed_job_message(job: Job) -> str:
    """Why processing stopped for good, when the job's error says (a lost worker, a full disk)."""
    if job.error == WORKER_LOST:
        return worker_lost(job.attempts)
    if (job.error or "").startswith(DISK_FULL):
        return disk_full()
    return describe(None)
