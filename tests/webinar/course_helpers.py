"""Small builders shared by the course, webinar and home page tests: rows made directly, CSV read back."""
from __future__ import annotations

import codecs
import csv
import io
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from webinar.extensions import db
from webinar.models import (AttendanceSpan, Course, Group, Lecture, LectureStatus, LiveSession, LiveStatus, User,
                            WatchProgress)
from webinar.models.base import utcnow

GROUP, OTHER_GROUP = "ПИ-1-23", "ФИ-2-22"


def group_ids(app: Flask, *names: str) -> list[int]:
    """The ids of the groups with these names."""
    with app.app_context():
        return [db.session.scalar(select(Group.id).where(Group.name == n)) for n in names]


def held_session(app: Flask, course_id: int, spans: dict[str, list[tuple[int, int]]]) -> int:
    """A webinar held an hour ago for GROUP, with attendance spans (minutes after the start) per login."""
    start = utcnow() - timedelta(hours=1)
    with app.app_context():
        course = db.session.get(Course, course_id)
        group = db.session.scalar(select(Group).where(Group.name == GROUP))
        session = LiveSession(course=course, title="Динамика", groups=[group], starts_at=start, started_at=start,
                              ended_at=start + timedelta(minutes=50), status=LiveStatus.ENDED)
        db.session.add(session)
        db.session.flush()
        for login, stretches in spans.items():
            user = db.session.scalar(select(User).where(User.username == login))
            for a, b in stretches:
                db.session.add(AttendanceSpan(session_id=session.id, user_id=user.id, sid=f"{login}-{a}",
                                              joined_at=start + timedelta(minutes=a),
                                              left_at=start + timedelta(minutes=b)))
        db.session.commit()
        return session.id


def csv_rows(response) -> list[list[str]]:
    """A CSV download parsed back as Excel would read it (UTF-8 with BOM)."""
    assert response.data.startswith(codecs.BOM_UTF8) and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def add_lecture(app: Flask, course_id: int, title: str, *, days_ago: int, watched: str | None = None,
                student_id: int | None = None) -> None:
    """A published 100 s lecture; optionally with the student's watch buckets (20 of 5 s)."""
    with app.app_context():
        published = utcnow() - timedelta(days=days_ago)
        lecture = Lecture(course_id=course_id, title=title, status=LectureStatus.READY, duration=100.0,
                          manifest={"audio": {"audio_opus": {"path": "audio.webm", "bytes": 1}}},
                          media_prefix="lectures/x", created_at=published, published_at=published)
        db.session.add(lecture)
        db.session.flush()
        if watched is not None:
            db.session.add(WatchProgress(user_id=student_id, lecture_id=lecture.id, watched=watched, position=10))
        db.session.commit()
