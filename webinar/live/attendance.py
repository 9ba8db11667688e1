"""Attendance: join/leave spans per socket, and each student's minutes from them.

A span is opened when a socket joins and closed when it leaves (or when the session ends). A
student with two tabs has two overlapping spans; minutes count the time covered once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select, update

from webinar.extensions import db
from webinar.models import AttendanceSpan, LiveSession, Role, User
from webinar.models.base import utcnow


@dataclass
class Attendance:
    """A student's presence in a session."""

    user: User
    minutes: float
    first_join: datetime
    last_leave: datetime | None  # None: still there


def open_span(session: LiveSession, user_id: int, sid: str) -> AttendanceSpan:
    """Add a span for a socket joining now (in the caller's transaction)."""
    span = AttendanceSpan(session_id=session.id, user_id=user_id, joined_at=utcnow(), sid=sid)
    db.session.add(span)
    return span


def close_span(span_id: int, at: datetime | None = None) -> None:
    """Close the span if it is still open (in the caller's transaction)."""
    db.session.execute(update(AttendanceSpan).where(AttendanceSpan.id == span_id, AttendanceSpan.left_at.is_(None))
                       .values(left_at=at or utcnow()))


def open_spans(session: LiveSession, user_id: int) -> list[AttendanceSpan]:
    """The person's spans that are still open."""
    return list(db.session.scalars(select(AttendanceSpan).where(
        AttendanceSpan.session_id == session.id, AttendanceSpan.user_id == user_id,
        AttendanceSpan.left_at.is_(None))))


def close_open_spans(session: LiveSession, at: datetime | None = None) -> int:
    """Close every open span of the session at `at` (now by default); returns how many."""
    result = db.session.execute(update(AttendanceSpan).where(AttendanceSpan.session_id == session.id,
                                                             AttendanceSpan.left_at.is_(None))
                                .values(left_at=at or utcnow()))
    return result.rowcount


def covered_seconds(intervals: Iterable[tuple[datetime, datetime]]) -> float:
    """Seconds covered by the union of the intervals."""
    total, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is not None and start < end:
            start = end
        if stop > start:
            total += (stop - start).total_seconds()
            end = stop if end is None or stop > end else end
    return total


def minutes_by_student(session: LiveSession) -> list[Attendance]:
    """Each student who joined, by name: minutes present between the start (when it went live, else the
    scheduled start) and the end (or now)."""
    spans = db.session.scalars(select(AttendanceSpan).join(User, AttendanceSpan.user_id == User.id)
                               .where(AttendanceSpan.session_id == session.id, User.role == Role.STUDENT)
                               .order_by(AttendanceSpan.joined_at)).all()
    now = utcnow()
    low, high = session.started_at or session.starts_at, session.ended_at or now
    by_user: dict[int, list[AttendanceSpan]] = {}
    for span in spans:
        by_user.setdefault(span.user_id, []).append(span)
    rows = [_row(found, low, high, now) for found in by_user.values()]
    return sorted(rows, key=lambda row: row.user.full_name)


def _row(spans: list[AttendanceSpan], low: datetime, high: datetime, now: datetime) -> Attendance:
    """One student's row from their spans, clipped to low..high."""
    clipped = [(max(s.joined_at, low), min(s.left_at or now, high)) for s in spans]
    still_there = any(s.left_at is None for s in spans)
    return Attendance(user=spans[0].user, minutes=covered_seconds(clipped) / 60,
                      first_join=min(s.joined_at for s in spans),
                      last_leave=None if still_there else max(s.left_at for s in spans))
