"""Which announcements a user sees, which are unread, and marking them read."""
from __future__ import annotations

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webinar.extensions import db
from webinar.models import (Announcement, AnnouncementRead, Course, CourseTeacher, Lecture, Role, User,
                            announcement_groups, group_members)


def _for_groups_of(user: User) -> Select:
    """Ids of announcements sent to one of the user's groups."""
    return (select(announcement_groups.c.announcement_id)
            .join(group_members, group_members.c.group_id == announcement_groups.c.group_id)
            .where(group_members.c.user_id == user.id))


def _readable_by_student(user: User) -> tuple:
    """The conditions: sent to one of the student's groups, and not about a lecture that is hidden now."""
    hidden = select(Lecture.id).where(Lecture.is_visible.is_(False))
    return (Announcement.id.in_(_for_groups_of(user)),
            or_(Announcement.lecture_id.is_(None), Announcement.lecture_id.not_in(hidden)))


def _unread(user: User):
    """The condition: the user has no read mark on the announcement."""
    return ~exists().where(AnnouncementRead.user_id == user.id, AnnouncementRead.announcement_id == Announcement.id)


def visible_to(user: User, course: Course | None = None) -> Select:
    """Announcements the user may read: their groups' (students), their courses' (teachers), all (admins)."""
    query = select(Announcement)
    if user.role == Role.STUDENT:
        query = query.where(*_readable_by_student(user))
    elif user.role == Role.TEACHER and (course is None or not course.is_taught_by(user)):
        taught = select(CourseTeacher.course_id).where(CourseTeacher.teacher_id == user.id)
        query = query.where(Announcement.course_id.in_(taught))
    if course is not None:
        query = query.where(Announcement.course_id == course.id)
    return query.order_by(Announcement.created_at.desc(), Announcement.id.desc())


def unread_count(user: User) -> int:
    """How many of a student's announcements they have not seen (one COUNT query; 0 for staff)."""
    if not user.is_authenticated or user.role != Role.STUDENT:
        return 0
    query = select(func.count()).select_from(Announcement).where(*_readable_by_student(user), _unread(user))
    return db.session.execute(query).scalar_one()


def recent_for(user: User, limit: int = 3) -> list[tuple[Announcement, bool]]:
    """The user's newest announcements across courses, each with whether it is unread."""
    return page_of(visible_to(user), user, limit)


def page_of(query: Select, user: User, limit: int, offset: int = 0) -> list[tuple[Announcement, bool]]:
    """One page of announcements, each paired with whether the user has not read it yet."""
    unread = (_unread(user) if user.role == Role.STUDENT else false()).label("unread")
    rows = db.session.execute(query.add_columns(unread).limit(limit).offset(offset)).all()
    return [(row[0], bool(row[1])) for row in rows]


def mark_read(user: User, announcement_ids: list[int]) -> None:
    """Record that the user has seen these announcements (a second tab doing the same is harmless)."""
    if not announcement_ids:
        return
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    rows = [{"user_id": user.id, "announcement_id": i} for i in announcement_ids]
    db.session.execute(insert(AnnouncementRead).values(rows).on_conflict_do_nothing())
    db.session.commit()
