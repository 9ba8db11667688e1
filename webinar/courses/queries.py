"""Which courses a user sees, and the narrowing of the teacher's main form."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import select

from webinar.extensions import db
from webinar.models import Course, CourseGroup, CourseTeacher, Group, Role, User, group_members


def courses_of(user: User) -> list[Course]:
    """Courses the user teaches, studies, or (admin) all of them; newest term first."""
    query = select(Course)
    if user.role == Role.TEACHER:
        query = query.join(CourseTeacher).where(CourseTeacher.teacher_id == user.id)
    elif user.role == Role.STUDENT:
        query = (query.join(CourseGroup).join(group_members, group_members.c.group_id == CourseGroup.group_id)
                 .where(group_members.c.user_id == user.id).distinct())
    query = query.order_by(Course.academic_year.desc(), Course.semester.desc(), Course.title)
    return list(db.session.scalars(query))


def course_for(user: User, course_id: int, *, manage: bool = False) -> Course:
    """The course if the user may see it (or manage it); 404 if missing, 403 if not theirs."""
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    allowed = user.role == Role.ADMIN or course.is_taught_by(user)
    if not manage:
        allowed = allowed or course.is_attended_by(user)
    if not allowed:
        abort(403)
    return course


@dataclass
class Picker:
    """The main form: year → semester → discipline → group, each list narrowed by the choice before."""

    years: list[str] = field(default_factory=list)
    semesters: list[int] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    year: str | None = None
    semester: int | None = None
    course: Course | None = None
    group: Group | None = None


def _pick(options: list, wanted, key=lambda x: x):
    """The wanted option if offered, else the first one."""
    return next((o for o in options if key(o) == wanted), options[0] if options else None)


def pick(courses: list[Course], year: str | None, semester: int | None,
         course_id: int | None, group_id: int | None) -> Picker:
    """Fill the main form from the user's courses and the choices made so far."""
    p = Picker(years=sorted({c.academic_year for c in courses}, reverse=True))
    p.year = _pick(p.years, year)
    p.semesters = sorted({c.semester for c in courses if c.academic_year == p.year})
    p.semester = _pick(p.semesters, semester)
    p.courses = [c for c in courses if c.academic_year == p.year and c.semester == p.semester]
    p.course = _pick(p.courses, course_id, key=lambda c: c.id)
    p.groups = p.course.groups if p.course else []
    p.group = _pick(p.groups, group_id, key=lambda g: g.id)
    return p
