"""Posting announcements (by the teacher or automatically) and queueing their e-mail copies."""
from __future__ import annotations

import logging
from datetime import date

from flask import current_app, has_request_context, request
from sqlalchemy import select

from webinar.announcements.mail import mail_enabled
from webinar.extensions import db
from webinar.models import (Announcement, AnnouncementKind, AnnouncementSettings, Course, DeliveryStatus,
                            EmailDelivery, Group, JobStatus, Lecture, LiveSession, User, group_members)
from workers import dispatch, new_job

log = logging.getLogger(__name__)
EMAIL_JOB = "announcement_email"


def automatic_on(course_id: int) -> bool:
    """Whether new lectures and webinars of the course are announced by themselves."""
    found = db.session.get(AnnouncementSettings, course_id)
    return found is None or found.automatic


def set_automatic(course_id: int, on: bool) -> None:
    """Switch the course's automatic announcements on or off."""
    found = db.session.get(AnnouncementSettings, course_id) or AnnouncementSettings(course_id=course_id)
    found.automatic = on
    db.session.add(found)
    db.session.commit()


def post(course: Course, groups: list[Group], author_id: int | None, title: str, text: str,
         due_on: date | None = None, **link: object) -> Announcement:
    """Save an announcement for the groups, then queue its e-mail copies (if mail is set up)."""
    found = Announcement(course=course, groups=groups, author_id=author_id, title=" ".join(title.split())[:200],
                         text=text.strip(), due_on=due_on, **link)
    db.session.add(found)
    db.session.commit()
    queue_emails(found)
    return found


def _recipients(found: Announcement) -> list[User]:
    """Students of the announcement's groups who have an e-mail address, each once."""
    group_ids = [g.id for g in found.groups]
    members = select(group_members.c.user_id).where(group_members.c.group_id.in_(group_ids))
    query = select(User).where(User.id.in_(members), User.email.is_not(None), User.email != "",
                               User.is_active_account.is_(True))
    return list(db.session.scalars(query.order_by(User.id)))


def _base_url() -> str | None:
    """Where links in e-mails point: PUBLIC_BASE_URL, else the host the teacher used."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    return configured or (request.host_url if has_request_context() else None)


def queue_emails(found: Announcement, created_by_id: int | None = None, *, retry: bool = False) -> bool:
    """Start the e-mail job: for the groups' students (a retry: for those not sent yet); False if nobody waits."""
    if not mail_enabled():
        return False
    if not retry:
        for user in _recipients(found):
            db.session.add(EmailDelivery(announcement_id=found.id, user_id=user.id, address=user.email.strip()))
        db.session.flush()
    waiting = db.session.scalar(select(EmailDelivery.id).where(
        EmailDelivery.announcement_id == found.id, EmailDelivery.status != DeliveryStatus.SENT).limit(1))
    if waiting is None:
        db.session.commit()
        return False
    job = new_job(EMAIL_JOB, {"announcement_id": found.id, "base_url": _base_url()},
                  created_by_id or found.author_id)
    found.email_job_id = job.id
    db.session.commit()
    dispatch(job.id)
    return True


def sending(found: Announcement) -> bool:
    """Whether the announcement's e-mail job is queued or running."""
    return found.email_job is not None and found.email_job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def announce_webinar(session: LiveSession) -> Announcement | None:
    """Announce a newly scheduled webinar to its groups, unless the course's switch is off."""
    if not automatic_on(session.course_id):
        return None
    return post(session.course, list(session.groups), session.created_by_id, session.title, "",
                kind=AnnouncementKind.WEBINAR, live_session_id=session.id)


def announce_lecture(lecture_id: int) -> Announcement | None:
    """Announce a lecture the first time it is published (never twice); an error here never fails the lecture."""
    try:
        lecture = db.session.get(Lecture, lecture_id)
        if lecture is None or not lecture.is_visible or not automatic_on(lecture.course_id):
            return None
        if db.session.scalar(select(Announcement.id).where(Announcement.lecture_id == lecture_id).limit(1)):
            return None
        return post(lecture.course, lecture.course.groups, lecture.created_by_id, lecture.title, "",
                    kind=AnnouncementKind.LECTURE, lecture_id=lecture_id)
    except Exception:
        db.session.rollback()
        log.exception("lecture %s: the automatic announcement failed", lecture_id)
        return None
