"""Watch progress per student for a course's teachers, on screen and as CSV."""
from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webinar.access import roles
from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.lectures import bp
from webinar.lectures.service import lectures_of
from webinar.models import Course, Role, WatchProgress
from webinar.roster.export import csv_bytes


def progress_table(course: Course) -> tuple[list, list[dict]]:
    """The course's lectures, and per student their share watched of each (0..1 or None)."""
    lectures = [lecture for lecture in lectures_of(course, current_user) if lecture.is_playable]
    by_id = {lecture.id: lecture for lecture in lectures}
    rows = db.session.scalars(select(WatchProgress).where(WatchProgress.lecture_id.in_(by_id)))
    shares = {(p.user_id, p.lecture_id): p.share(by_id[p.lecture_id].duration) for p in rows}
    students = []
    for group in course.groups:
        for student in group.students:
            students.append({"group": group.name, "name": student.full_name, "login": student.username,
                             "shares": [shares.get((student.id, lecture.id)) for lecture in lectures]})
    return lectures, students


@bp.get("/courses/<int:course_id>/lectures/progress")
@roles(Role.TEACHER, Role.ADMIN)
def progress_report(course_id: int):
    """Who has watched how much of each lecture."""
    course = course_for(current_user, course_id, manage=True)
    lectures, students = progress_table(course)
    return render_template("lectures/progress.html", course=course, lectures=lectures, students=students)


@bp.get("/courses/<int:course_id>/lectures/progress.csv")
@roles(Role.TEACHER, Role.ADMIN)
def progress_csv(course_id: int):
    """The same table for Excel or LibreOffice: UTF-8 with BOM, formula-safe, percent watched."""
    course = course_for(current_user, course_id, manage=True)
    lectures, students = progress_table(course)
    header = [_("Group"), _("Full name"), _("Login")] + [lecture.title for lecture in lectures]
    rows = [[s["group"], s["name"], s["login"]] + [round(100 * x) if x is not None else 0 for x in s["shares"]]
            for s in students]
    filename = f"watch-progress-{course.id}.csv"
    return Response(csv_bytes(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
