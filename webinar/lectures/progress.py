"""Watch progress: where a student stopped, and which parts of a lecture they played."""
from __future__ import annotations

from sqlalchemy import select

from webinar.extensions import db
from webinar.models import Lecture, User, WatchProgress
from webinar.models.lectures import WATCH_BUCKET_SECONDS, bucket_count


def progress_of(user: User, lecture: Lecture) -> WatchProgress:
    """The user's progress row for the lecture (a fresh, unsaved one if none)."""
    found = db.session.get(WatchProgress, (user.id, lecture.id))
    return found or WatchProgress(user_id=user.id, lecture_id=lecture.id, position=0.0, watched="")


def watch_progress(user: User, lectures: list[Lecture]) -> list[WatchProgress]:
    """The user's progress rows for these lectures."""
    ids = [lecture.id for lecture in lectures]
    return list(db.session.scalars(
        select(WatchProgress).where(WatchProgress.user_id == user.id, WatchProgress.lecture_id.in_(ids))
    ))


def mark_played(watched: str, buckets: int, ranges: list[tuple[float, float]]) -> str:
    """The bucket string with every bucket touched by a played range set to '1'."""
    marks = list(watched.ljust(buckets, "0")[:buckets])
    for start, end in ranges:
        if end < start:
            continue
        first = max(int(start // WATCH_BUCKET_SECONDS), 0)
        last = min(int(end // WATCH_BUCKET_SECONDS), buckets - 1)
        for index in range(first, last + 1):
            marks[index] = "1"
    return "".join(marks)


def record_progress(user: User, lecture: Lecture, position: float,
                    ranges: list[tuple[float, float]]) -> float:
    """Save the position and played ranges; returns the share watched so far."""
    row = progress_of(user, lecture)
    duration = lecture.duration or 0.0
    row.position = min(max(position, 0.0), duration)
    row.watched = mark_played(row.watched or "", bucket_count(duration), ranges)
    db.session.add(row)
    db.session.commit()
    return row.share(duration)
