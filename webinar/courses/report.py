"""The teacher's report for a course and group: webinar minutes, lectures watched, who has gone quiet."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Response, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from webinar.access import roles
from webinar.courses import bp
from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.lectures.reports import progress_table
from webinar.live.attendance import minutes_by_student
from webinar.live.routes import sessions_of
from webinar.models import AttendanceSpan, Course, Group, Lecture, LiveSession, Role, User, WatchProgress
from webinar.models.base import utcnow
from webinar.roster.export import csv_bytes

QUIET_DAYS = 14


@dataclass
class StudentRow:
    """One student's line: minutes per webinar, share per lecture, when last active."""

    student: User
    minutes: list[float] = field(default_factory=list)
    shares: list[float | None] = field(default_factory=list)
    last_active: datetime | None = None
    quiet: bool = False


@dataclass
class GroupReport:
    course: Course
    group: Group
    webinars: list[LiveSession]
    lectures: list[Lecture]
    rows: list[StudentRow]
    days: int


def last_activity(course: Course, student_ids: list[int]) -> dict[int, datetime]:
    """Each student's latest watching of the course's lectures or presence in its webinars."""
    watched = db.session.execute(
        select(WatchProgress.user_id, func.max(WatchProgress.updated_at)).join(Lecture)
        .where(Lecture.course_id == course.id, WatchProgress.user_id.in_(student_ids)).group_by(WatchProgress.user_id))
    attended = db.session.execute(
        select(AttendanceSpan.user_id, func.max(func.coalesce(AttendanceSpan.left_at, AttendanceSpan.joined_at)))
        .join(LiveSession).where(LiveSession.course_id == course.id, AttendanceSpan.user_id.in_(student_ids))
        .group_by(AttendanceSpan.user_id))
    latest: dict[int, datetime] = {}
    for user_id, at in [*watched, *attended]:
        at = at if at is None or at.tzinfo else at.replace(tzinfo=utcnow().tzinfo)  # SQLite's max() drops the zone
        if at and (user_id not in latest or at > latest[user_id]):
            latest[user_id] = at
    return latest


def group_report(course: Course, group: Group, days: int) -> GroupReport:
    """The report of one group of a course; quiet = nothing for `days` days."""
    webinars = [s for s in sessions_of(course, current_user) if s.started_at and group in s.groups]
    minutes = {(row.user.id, s.id): row.minutes for s in webinars for row in minutes_by_student(s)}
    lectures, progress = progress_table(course)
    shares = {p["login"]: p["shares"] for p in progress if p["group"] == group.name}
    latest = last_activity(course, [s.id for s in group.students])
    cutoff = utcnow() - timedelta(days=days)
    rows = [StudentRow(student=s, minutes=[minutes.get((s.id, w.id), 0) for w in webinars],
                       shares=shares.get(s.username, [None] * len(lectures)), last_active=latest.get(s.id),
                       quiet=latest.get(s.id) is None or latest[s.id] < cutoff) for s in group.students]
    return GroupReport(course, group, webinars, lectures, rows, days)


def _requested_report(course_id: int) -> GroupReport | None:
    """The report for the course and the ?group= and ?days= asked for (the first group by default)."""
    course = course_for(current_user, course_id, manage=True)
    wanted = request.args.get("group", type=int)
    group = next((g for g in course.groups if g.id == wanted), course.groups[0] if course.groups else None)
    days = min(max(request.args.get("days", QUIET_DAYS, type=int), 1), 365)
    return group_report(course, group, days) if group else None


@bp.get("/courses/<int:course_id>/report")
@roles(Role.TEACHER, Role.ADMIN)
def report(course_id: int):
    """The group's engagement on screen; students quiet for N days are highlighted."""
    found = _requested_report(course_id)
    return render_template("courses/report.html", report=found, course=course_for(current_user, course_id, manage=True))


@bp.get("/courses/<int:course_id>/report.csv")
@roles(Role.TEACHER, Role.ADMIN)
def report_csv(course_id: int):
    """The same report for Excel or LibreOffice (UTF-8 with BOM, formula-safe)."""
    found = _requested_report(course_id)
    if found is None:
        return Response(status=404)
    header = ([_("Full name"), _("Login"), _("Last active")]
              + [f"{w.title} ({format_datetime(w.starts_at, 'dd.MM.yyyy')}), {_('min')}" for w in found.webinars]
              + [f"{lecture.title}, %" for lecture in found.lectures])
    rows = [[r.student.full_name, r.student.username,
             format_datetime(r.last_active, "dd.MM.yyyy HH:mm") if r.last_active else _("never"),
             *r.minutes, *[round(100 * s) if s is not None else 0 for s in r.shares]] for r in found.rows]
    name = f"report-{found.course.id}-{found.group.id}.csv"
    return Response(csv_bytes(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
