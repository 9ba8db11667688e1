"""Attendance of a webinar for its teachers, on screen and as CSV (per group: the course report)."""
from __future__ import annotations

from flask import Response, render_template
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from webinar.access import roles
from webinar.live import bp
from webinar.live.access import session_for
from webinar.live.attendance import minutes_by_student
from webinar.models import LiveSession, Role
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
