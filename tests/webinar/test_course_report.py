"""The teacher's report for a course and group: webinar minutes, lectures watched, quiet students."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from tests.helpers import both_databases
from tests.webinar.course_helpers import GROUP, add_lecture, csv_rows, group_ids, held_session
from webinar.extensions import db
from webinar.models import Role, User, WatchProgress
from webinar.models.base import utcnow


def backdate_watching(app: Flask, login: str, days: int) -> None:
    """Pretend the student last watched `days` ago."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == login))
        for row in db.session.scalars(select(WatchProgress).where(WatchProgress.user_id == user.id)):
            row.updated_at = utcnow() - timedelta(days=days)
        db.session.commit()


@both_databases
def test_report_shows_minutes_shares_and_highlights_quiet_students(app, as_teacher, as_student, as_role,
                                                                   make_user, course_id) -> None:
    make_user("quiet", Role.STUDENT, (GROUP,), full_name="+Тынч Студент")
    make_user("old", Role.STUDENT, (GROUP,), full_name="Эски")
    held_session(app, course_id, {"student": [(0, 30)]})
    with app.app_context():
        old_id = db.session.scalar(select(User.id).where(User.username == "old"))
    add_lecture(app, course_id, "Лекция", days_ago=3, watched="1" * 10, student_id=old_id)
    backdate_watching(app, "old", 30)

    page = as_teacher.get(f"/courses/{course_id}/report?group={group_ids(app, GROUP)[0]}&days=14")
    assert page.status_code == 200
    assert "2 of 3 students have done nothing in this course for 14 days." in page.text
    assert page.text.count('class="quiet"') == 2

    rows = csv_rows(as_teacher.get(f"/courses/{course_id}/report.csv?group={group_ids(app, GROUP)[0]}&days=60"))
    assert rows[0][:3] == ["Full name", "Login", "Last active"] and rows[0][-1] == "Лекция, %"
    by_login = {row[1]: row for row in rows[1:]}
    assert by_login["student"][3] == "30.0" and by_login["student"][-1] == "0"
    assert by_login["old"][3] == "0" and by_login["old"][-1] == "50"
    assert by_login["quiet"][2] == "never" and by_login["quiet"][0] == "'+Тынч Студент"

    assert as_student.get(f"/courses/{course_id}/report").status_code == 403
    assert as_role(Role.TEACHER, "other").get(f"/courses/{course_id}/report.csv").status_code == 403
