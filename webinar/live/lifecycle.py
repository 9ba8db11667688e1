"""A webinar's end: stop the ingest, close attendance, and turn the recording into a lecture."""
from __future__ import annotations

import logging

from flask import url_for

from webinar.extensions import db
from webinar.lectures.service import create_lecture
from webinar.live import ingest
from webinar.live.attendance import close_open_spans
from webinar.models import LiveSession, LiveStatus, User
from webinar.models.base import utcnow
from workers import dispatch, new_job

log = logging.getLogger(__name__)
REPLAY_KIND = "live_replay"


def end_session(session: LiveSession) -> str | None:
    """End the session; returns the URL of the replay lecture, if there is a recording to make one of."""
    if session.status == LiveStatus.ENDED:
        return url_for("lectures.show", lecture_id=session.lecture_id) if session.lecture_id else None
    ingest.finish(session.id)  # uploads the last recording part, if this process ingested it
    db.session.refresh(session)
    now = utcnow()
    close_open_spans(session, now)
    session.status, session.ended_at = LiveStatus.ENDED, now
    session.presenter_id = session.presenter_sid = None
    job = None
    if session.recording_parts:
        creator = db.session.get(User, session.created_by_id) if session.created_by_id else None
        lecture = create_lecture(session.course, session.title, creator or session.course.teachers[0])
        lecture.is_visible = True
        session.lecture_id = lecture.id
        job = new_job(REPLAY_KIND, {"session_id": session.id, "lecture_id": lecture.id}, session.created_by_id)
    db.session.commit()
    if job is None:
        return None
    dispatch(job.id)
    log.info("webinar %s ended; replay lecture %s queued", session.id, session.lecture_id)
    return url_for("lectures.show", lecture_id=session.lecture_id)
