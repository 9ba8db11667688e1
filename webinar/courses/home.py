"""The student's home: what is next and what is new, across their courses, in one light page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from webinar.announcements.queries import recent_for, visible_to
from webinar.extensions import db
from webinar.lectures.progress import watch_progress
from webinar.live.routes import upcoming_for
from webinar.models import Announcement, Course, Lecture, LiveSession, User
from webinar.models.materials import Material, MaterialVersion, Section
from webinar.models.base import utcnow

NEW_DAYS = 14
FINISHED_SHARE = 0.9  # watched this much: no longer "to finish"


@dataclass
class LectureItem:
    """A lecture to start or to finish, with the share already watched."""

    lecture: Lecture
    share: float


@dataclass
class Overview:
    """Everything the student's home shows."""

    courses: list[Course]
    webinars: list[LiveSession]
    lectures: list[LectureItem] = field(default_factory=list)
    materials: list[MaterialVersion] = field(default_factory=list)
    announcements: list[tuple[Announcement, bool]] = field(default_factory=list)
    deadlines: list[Announcement] = field(default_factory=list)


def lectures_to_watch(user: User, courses: list[Course]) -> list[LectureItem]:
    """New lectures not yet started and started ones not yet finished, newest first."""
    course_ids = [c.id for c in courses]
    if not course_ids:
        return []
    found = [lecture for lecture in db.session.scalars(
        select(Lecture).where(Lecture.course_id.in_(course_ids), Lecture.is_visible.is_(True))
        .order_by(Lecture.created_at.desc()))
             if lecture.visible_to_students()]
    shares = {p.lecture_id: p.share(p.lecture.duration) for p in watch_progress(user, found)}
    recent = utcnow() - timedelta(days=NEW_DAYS)
    items = []
    for lecture in found:
        share = shares.get(lecture.id)
        started = share is not None and share > 0
        if (started and share < FINISHED_SHARE) or (not started and (lecture.published_at or lecture.created_at) >= recent):
            items.append(LectureItem(lecture, share or 0.0))
    return items


def new_materials(courses: list[Course], limit: int = 10) -> list[MaterialVersion]:
    """Files added or replaced in the student's courses lately, newest first (current versions only)."""
    recent = utcnow() - timedelta(days=NEW_DAYS)
    query = (select(MaterialVersion).join(Material).join(Section)
             .where(Section.course_id.in_([c.id for c in courses]), MaterialVersion.uploaded_at >= recent,
                    MaterialVersion.number == Material.current_number)
             .order_by(MaterialVersion.uploaded_at.desc()).limit(limit))
    return list(db.session.scalars(query)) if courses else []


def deadlines_of(user: User, limit: int = 5) -> list[Announcement]:
    """Announcements with a due date from today on, the nearest first."""
    query = visible_to(user).where(Announcement.due_on >= date.today()).order_by(None).order_by(Announcement.due_on)
    return list(db.session.scalars(query.limit(limit)))


def student_overview(user: User, courses: list[Course]) -> Overview:
    """The student's next webinars and deadlines, lectures to watch, new materials and announcements."""
    return Overview(courses=courses, webinars=upcoming_for(user), lectures=lectures_to_watch(user, courses),
                    materials=new_materials(courses), announcements=recent_for(user, 5),
                    deadlines=deadlines_of(user))
