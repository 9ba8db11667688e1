"""Attendance of webinars for the teachers: per session and per group, on screen and as CSV."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from webinar.access import roles
from webinar.courses.queries import course_for
from webinar.live import bp
from webinar.live.access import session_for
from webinar.live.attendance import minutes_by_student
from webinar.live.routes import sessions_of
from webinar.models import Course, Group, LiveSession, Role
from webinar.roster.export import csv_bytes


def session_rows(session: LiveSession) -> list[dict]:
    """Every student of the session's groups with their minutes, absent ones included."""
    seen = {row.user.id: row for row in minutes_by_student(session)}
    rows = []
    for group in session.groups:
        for student in group.students:
            found = seen.get(student.id)
            rows.append({"group": group.name, "name": student.full_name, "login": student.username,
                         "minutes": found.minutes if found else 0,
                         "first_join": found.first_join if found else None,
                         "last_leave": found.last_leave if found else None})
    return rows


def group_table(course: Course, group: Group) -> tuple[list[LiveSession], list[dict]]:
    """The group's held webinars, and per student the minutes in each and in all."""
    held = [s for s in sessions_of(course, current_user) if s.started_at and group in s.groups]
    minutes = {(row.user.id, s.id): row.minutes for s in held for row in minutes_by_student(s)}
    students = [{"name": st.full_name, "login": st.username,
                 "minutes": [minutes.get((st.id, s.id), 0) for s in held]} for st in group.students]
    for student in students:
        student["total"] = sum(student["minutes"])
    return held, students


def csv_response(filename: str, header: list[str], rows: list[list]) -> Response:
    """A CSV download for Excel or LibreOffice."""
    return Response(csv_bytes(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _time(value) -> str:
    return format_datetime(value, "HH:mm") if value else ""


@bp.get("/live/<int:session_id>/attendance")
@roles(Role.TEACHER, Role.ADMIN)
def attendance(session_id: int):
    """Who attended a webinar, for how long, from when to when."""
    session = session_for(current_user, session_id, manage=True)
    return render_template("live/attendance.html", session=session, rows=session_rows(session))


@bp.get("/live/<int:session_id>/attendance.csv")
@roles(Role.TEACHER, Role.ADMIN)
def attendance_csv(session_id: int):
    """The same table as CSV."""
    session = session_for(current_user, session_id, manage=True)
    header = [_("Group"), _("Full name"), _("Login"), _("Minutes"), _("Joined"), _("Left")]
    rows = [[r["group"], r["name"], r["login"], r["minutes"], _time(r["first_join"]), _time(r["last_leave"])]
            for r in session_rows(session)]
    return csv_response(f"attendance-webinar-{session.id}.csv", header, rows)


def _course_and_group(course_id: int) -> tuple[Course, Group | None]:
    course = course_for(current_user, course_id, manage=True)
    groups = course.groups
    wanted = request.args.get("group", type=int)
    return course, next((g for g in groups if g.id == wanted), groups[0] if groups else None)


@bp.get("/courses/<int:course_id>/attendance")
@roles(Role.TEACHER, Role.ADMIN)
def group_attendance(course_id: int):
    """A group's minutes in each webinar of the course."""
    course, group = _course_and_group(course_id)
    held, students = group_table(course, group) if group else ([], [])
    return render_template("live/group_attendance.html", course=course, group=group, held=held, students=students)


@bp.get("/courses/<int:course_id>/attendance.csv")
@roles(Role.TEACHER, Role.ADMIN)
def group_attendance_csv(course_id: int):
    """The same table as CSV: one column of minutes per webinar, then the total."""
    course, group = _course_and_group(course_id)
    held, students = group_table(course, group) if group else ([], [])
    header = [_("Full name"), _("Login")] + [f"{s.title} ({format_datetime(s.starts_at, 'dd.MM.yyyy')})" for s in held]
    rows = [[s["name"], s["login"], *s["minutes"], s["total"]] for s in students]
    return csv_response(f"attendance-{course.id}-{group.id if group else 0}.csv", header + [_("Total")], rows)
