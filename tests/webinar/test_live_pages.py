"""Scheduling webinars and their pages: the right people see them, at the right time, in their words."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers import both_databases
from tests.webinar.course_helpers import GROUP, OTHER_GROUP, csv_rows, group_ids, held_session
from webinar.extensions import db
from webinar.models import LiveSession, LiveStatus, Role
from webinar.models.base import utcnow


def schedule(client: FlaskClient, course_id: int, **fields) -> object:
    """Post the schedule form (both groups, 80 minutes, unless said otherwise)."""
    data = {"title": "Кинематика", "day": "2026-12-10", "time": "10:30", "duration": "80"}
    data.update(fields)
    return client.post(f"/courses/{course_id}/webinars/new", data=data)


def only_session(app: Flask) -> LiveSession:
    with app.app_context():
        found = db.session.scalars(select(LiveSession)).one()
        db.session.expunge(found)
        return found


def test_teacher_schedules_a_webinar_in_bishkek_time_for_chosen_groups(app, as_teacher, course_id) -> None:
    form = as_teacher.get(f"/courses/{course_id}/webinars/new")
    assert form.status_code == 200 and "Bishkek time" in form.text and 'type="file"' in form.text
    response = schedule(as_teacher, course_id, groups=group_ids(app, GROUP))
    assert response.status_code == 302
    session = only_session(app)
    assert response.headers["Location"].endswith(f"/live/{session.id}")
    assert session.starts_at.isoformat() == "2026-12-10T04:30:00+00:00"  # 10:30 in Bishkek is UTC+6
    assert session.duration_minutes == 80 and session.status == LiveStatus.SCHEDULED
    with app.app_context():
        assert [g.name for g in db.session.get(LiveSession, session.id).groups] == [GROUP]
    page = as_teacher.get(f"/live/{session.id}")
    assert "Open the room" in page.text and "Upload slides" in page.text and "10:30" in page.text


@pytest.mark.parametrize("fields, error", [
    ({"title": ""}, "This field is required."),
    ({"duration": "5"}, "Number must be between 10 and 480."),
    ({"day": "10.12.2026"}, "Not a valid date value."),
    ({}, "Choose at least one group."),
])
def test_bad_schedule_forms_are_refused_with_a_reason_and_nothing_is_created(app, as_teacher, course_id,
                                                                            fields, error) -> None:
    chosen = {} if not fields else {"groups": group_ids(app, GROUP)}
    response = schedule(as_teacher, course_id, **chosen, **fields)
    assert response.status_code == 200 and error in response.text
    with app.app_context():
        assert db.session.scalars(select(LiveSession)).all() == []


def test_only_the_courses_teachers_schedule(app, as_role, as_student, course_id) -> None:
    other_teacher = as_role(Role.TEACHER, "other")
    assert schedule(other_teacher, course_id, groups=group_ids(app, GROUP)).status_code == 403
    assert schedule(as_student, course_id, groups=group_ids(app, GROUP)).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(LiveSession)).all() == []


@both_databases
def test_students_of_the_groups_are_invited_and_join_when_the_lobby_opens(app, as_teacher, as_student, as_role,
                                                                        course_id) -> None:
    soon = utcnow() + timedelta(hours=2)
    schedule(as_teacher, course_id, groups=group_ids(app, GROUP))
    session = only_session(app)
    with app.app_context():
        db.session.get(LiveSession, session.id).starts_at = soon
        db.session.commit()
    home = as_student.get("/")
    assert "Upcoming webinars" in home.text and "Кинематика" in home.text
    page = as_student.get(f"/live/{session.id}")
    assert "You can join from" in page.text and f"/live/{session.id}/room" not in page.text
    with app.app_context():
        db.session.get(LiveSession, session.id).starts_at = utcnow() + timedelta(minutes=10)
        db.session.commit()
    assert f"/live/{session.id}/room" in as_student.get(f"/live/{session.id}").text
    assert "Кинематика" in as_student.get(f"/courses/{course_id}").text

    outsider = as_role(Role.STUDENT, "outsider", groups=(OTHER_GROUP,))  # in the course, not in the webinar
    assert "Кинематика" not in outsider.get("/").text
    assert outsider.get(f"/live/{session.id}").status_code == 403
    assert "Кинематика" not in outsider.get(f"/courses/{course_id}").text


def test_cancel_asks_first_then_removes_the_webinar(app, as_teacher, as_student, course_id) -> None:
    schedule(as_teacher, course_id, groups=group_ids(app, GROUP))
    session = only_session(app)
    assert as_student.post(f"/live/{session.id}/cancel").status_code == 403
    confirm = as_teacher.get(f"/live/{session.id}/cancel")
    assert "This cannot be undone." in confirm.text
    assert as_teacher.post(f"/live/{session.id}/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(LiveSession, session.id) is None


def test_an_ended_webinar_links_to_its_recording_and_cannot_be_cancelled(app, as_teacher, as_student,
                                                                        course_id) -> None:
    schedule(as_teacher, course_id, groups=group_ids(app, GROUP))
    session = only_session(app)
    with app.app_context():
        found = db.session.get(LiveSession, session.id)
        found.status, found.started_at, found.ended_at = LiveStatus.ENDED, utcnow(), utcnow()
        db.session.commit()
    assert "There is no recording" in as_teacher.get(f"/live/{session.id}").text
    assert "The webinar has ended." in as_student.get(f"/live/{session.id}").text
    assert as_teacher.post(f"/live/{session.id}/cancel").status_code == 409


def test_pages_speak_the_users_language(app, as_teacher, course_id) -> None:
    as_teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ru"
    assert "Запланировать вебинар" in as_teacher.get(f"/courses/{course_id}/webinars/new").text


@both_databases
def test_attendance_of_a_webinar_on_screen_and_as_csv(app, as_teacher, as_student, as_role,
                                                                  make_user, course_id) -> None:
    make_user("absent", Role.STUDENT, (GROUP,), full_name="=HYPERLINK(\"x\")")
    # two tabs overlapping (0–30 and 20–40) count once: 40 minutes; a stretch after the end is clipped
    session_id = held_session(app, course_id, {"student": [(0, 30), (20, 40), (45, 70)]})
    page = as_teacher.get(f"/live/{session_id}/attendance")
    assert page.status_code == 200 and "45.0" in page.text and "absent" in page.text

    rows = csv_rows(as_teacher.get(f"/live/{session_id}/attendance.csv"))
    assert rows[0] == ["Group", "Full name", "Login", "Minutes", "Joined", "Left"]
    by_login = {row[2]: row for row in rows[1:]}
    assert by_login["student"][3] == "45.0" and by_login["absent"][3] == "0"
    assert by_login["absent"][1].startswith("'=")  # no formula smuggled into the spreadsheet

    assert as_student.get(f"/live/{session_id}/attendance").status_code == 403
    assert as_role(Role.TEACHER, "other").get(f"/live/{session_id}/attendance.csv").status_code == 403
