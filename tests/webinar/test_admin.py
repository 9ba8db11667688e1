"""Admin pages: new teachers, passwords, switching accounts off, the accounts list, jobs."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login
from tests.helpers import both_databases
from webinar.extensions import db
from webinar.models import Group, Job, JobStatus, Role, User


# --- helpers ---------------------------------------------------------------------------------------------

def issued(response) -> tuple[str, str]:
    """The login and the one-time password shown on the 'password issued' page."""
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert "Password issued" in html
    login_name = re.search(r"Login: <code>([^<]+)</code>", html).group(1)
    password = re.search(r"Password: <code>([^<]+)</code>", html).group(1)
    return login_name, password


def new_teacher(admin: FlaskClient, full_name: str = "Асанов Айбек", username: str = "", email: str = ""):
    return admin.post("/admin/teachers/new", data={"full_name": full_name, "username": username, "email": email})


def signs_in(app: Flask, username: str, password: str = PASSWORD) -> bool:
    """Whether the sign-in form accepts the login and password."""
    return login(app.test_client(), username, password).status_code == 302


def listed(admin: FlaskClient, **query: Any) -> list[str]:
    """Logins in the accounts table for the query."""
    response = admin.get("/admin/", query_string=query)
    assert response.status_code == 200
    return re.findall(r"<td><code>([^<]+)</code></td>", response.get_data(as_text=True))


def stored(app: Flask, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def group_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Group.id).where(Group.name == name))


def reset(admin: FlaskClient, user_id: int):
    return admin.post(f"/admin/users/{user_id}/password")


def toggle(admin: FlaskClient, user_id: int):
    return admin.post(f"/admin/users/{user_id}/active", follow_redirects=True)


# --- new teachers --------------------------------------------------------------------------------------------

def test_new_teacher_gets_a_working_one_time_password(app: Flask, as_admin) -> None:
    login_name, password = issued(new_teacher(as_admin, "Асанов  Айбек", "aibek", "aibek@example.kg"))
    assert login_name == "aibek"
    teacher = stored(app, "aibek")
    assert (teacher.full_name, teacher.email, teacher.role) == ("Асанов Айбек", "aibek@example.kg", Role.TEACHER)
    client = app.test_client()
    assert login(client, "aibek", password).status_code == 302
    assert client.get("/").location == "/password"


def test_new_teacher_password_is_shown_once_and_differs(as_admin) -> None:
    _, first = issued(new_teacher(as_admin, "Асанов Айбек"))
    _, second = issued(new_teacher(as_admin, "Сыдыкова Айгерим"))
    assert first != second and len(first) >= 8


@pytest.mark.parametrize(("taken", "expected"), [((), "asanov.a"), (("asanov.a",), "asanov.a2")])
def test_empty_login_is_made_from_the_name(as_admin, make_user, taken: tuple[str, ...], expected: str) -> None:
    for username in taken:
        make_user(username, Role.STUDENT)
    assert issued(new_teacher(as_admin, "Асанов Айбек"))[0] == expected


def test_login_is_stored_lowercase(app: Flask, as_admin) -> None:
    login_name, password = issued(new_teacher(as_admin, "Aibek Asanov", "Aibek.A"))
    assert login_name == "aibek.a"
    assert signs_in(app, "aibek.a", password)


@pytest.mark.parametrize(("fields", "error"), [
    ({"username": "taken"}, "This login is taken"),
    ({"username": "TAKEN"}, "This login is taken"),
    ({"username": "айбек"}, "Use Latin letters"),
    ({"email": "not-an-email"}, "Invalid email address."),
    ({"email": "aibek@"}, "Invalid email address."),
    ({"full_name": "   "}, "This field is required."),
])
def test_bad_teacher_form_shows_the_error_and_creates_nothing(app: Flask, as_admin, make_user,
                                                              fields: dict, error: str) -> None:
    make_user("taken", Role.TEACHER)
    before = user_count(app)
    response = new_teacher(as_admin, **fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error in html and "Password issued" not in html
    assert user_count(app) == before


# --- passwords and switching off ------------------------------------------------------------------------------

def test_reset_password_replaces_the_old_one(app: Flask, as_admin, make_user) -> None:
    user = make_user("aibek", Role.TEACHER)
    login_name, password = issued(reset(as_admin, user.id))
    assert login_name == "aibek" and password != PASSWORD
    assert not signs_in(app, "aibek", PASSWORD)
    client = app.test_client()
    assert login(client, "aibek", password).status_code == 302
    assert client.get("/").location == "/password"


def test_reset_password_of_a_missing_user_is_404(as_admin) -> None:
    assert reset(as_admin, 999999).status_code == 404


def test_switched_off_user_cannot_sign_in_until_switched_on(app: Flask, as_admin, make_user) -> None:
    user = make_user("aibek", Role.STUDENT)
    assert "Account switched off." in toggle(as_admin, user.id).get_data(as_text=True)
    assert not stored(app, "aibek").is_active_account
    assert "switched off" in login(app.test_client(), "aibek").get_data(as_text=True)
    assert not signs_in(app, "aibek")
    assert "Account switched on." in toggle(as_admin, user.id).get_data(as_text=True)
    assert signs_in(app, "aibek")


def test_switching_off_ends_an_open_session(as_admin, as_student) -> None:
    assert as_student.get("/").status_code == 200
    toggle(as_admin, as_student.user.id)
    assert as_student.get("/").location == "/login"


def test_admin_account_cannot_be_switched_off(app: Flask, as_admin, make_user) -> None:
    other = make_user("admin2", Role.ADMIN)
    html = toggle(as_admin, other.id).get_data(as_text=True)
    assert "Administrator accounts cannot be switched off here." in html
    assert stored(app, "admin2").is_active_account
    assert signs_in(app, "admin2")


def test_admin_cannot_switch_themselves_off(app: Flask, as_admin) -> None:
    toggle(as_admin, as_admin.user.id)
    assert stored(app, "admin").is_active_account
    assert as_admin.get("/admin/").status_code == 200


def test_accounts_list_offers_no_switch_off_for_admins(as_admin, make_user) -> None:
    student = make_user("aibek", Role.STUDENT)
    html = as_admin.get("/admin/").get_data(as_text=True)
    assert f'action="/admin/users/{student.id}/active"' in html
    assert f'action="/admin/users/{as_admin.user.id}/active"' not in html


# --- the accounts list ----------------------------------------------------------------------------------------

@pytest.fixture
def people(as_admin, make_user) -> FlaskClient:
    """An admin's client, with a teacher and students in two groups to find."""
    make_user("asanov.a", Role.TEACHER, full_name="Асанов Айбек")
    make_user("kasymova.g", Role.STUDENT, groups=("ПИ-1-23",), full_name="Касымова Гулнара")
    make_user("usonova.g", Role.STUDENT, groups=("ПИ-1-23",), full_name="Үсөнова Гүлнара")
    make_user("bakirov.t", Role.STUDENT, groups=("ЭК-2-24",), full_name="Бакиров Темир")
    return as_admin


def test_accounts_list_shows_everyone_by_default(people) -> None:
    assert sorted(listed(people)) == ["admin", "asanov.a", "bakirov.t", "kasymova.g", "usonova.g"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"q": "asanov"}, ["asanov.a"]),
    ({"q": "ASANOV"}, ["asanov.a"]),
    ({"q": "Гүлнара"}, ["usonova.g"]),
    ({"q": "  Бакиров "}, ["bakirov.t"]),
    ({"q": ".g"}, ["kasymova.g", "usonova.g"]),
    ({"q": "nobody"}, []),
    ({"role": "student"}, ["bakirov.t", "kasymova.g", "usonova.g"]),
    ({"role": "teacher"}, ["asanov.a"]),
    ({"role": "nonsense"}, ["admin", "asanov.a", "bakirov.t", "kasymova.g", "usonova.g"]),
    ({"role": "student", "q": "Бакиров"}, ["bakirov.t"]),
])
def test_search_and_role_filter_narrow_the_list(people, query: dict, expected: list[str]) -> None:
    assert sorted(listed(people, **query)) == expected


@pytest.mark.parametrize(("group", "expected"), [
    ("ПИ-1-23", ["kasymova.g", "usonova.g"]),
    ("ЭК-2-24", ["bakirov.t"]),
])
def test_group_filter_narrows_the_list(app: Flask, people, group: str, expected: list[str]) -> None:
    assert sorted(listed(people, group=group_id(app, group))) == expected


def test_group_filter_combines_with_search(app: Flask, people) -> None:
    assert listed(people, group=group_id(app, "ПИ-1-23"), q="Касымова") == ["kasymova.g"]
    assert listed(people, group=group_id(app, "ЭК-2-24"), q="Касымова") == []


@both_databases
@pytest.mark.parametrize("text", ["асанов", "АСАНОВ"], ids=["lower", "upper"])
def test_search_ignores_the_case_of_cyrillic_names(people, text: str) -> None:
    assert listed(people, q=text) == ["asanov.a"]


def test_no_match_says_so(people) -> None:
    html = people.get("/admin/", query_string={"q": "nobody"}).get_data(as_text=True)
    assert "No accounts match." in html


@pytest.fixture
def crowd(app: Flask, as_admin) -> FlaskClient:
    """An admin's client with 60 students (61 accounts: more than a page of 50)."""
    with app.app_context():
        group = Group(name="ПИ-1-23")
        db.session.add_all(User(username=f"student{n:02d}", full_name=f"Student {n:02d}", password_hash="x",
                                role=Role.STUDENT, groups=[group]) for n in range(60))
        db.session.commit()
    return as_admin


def test_accounts_list_pages_by_fifty(crowd) -> None:
    first, second = listed(crowd), listed(crowd, page=2)
    assert len(first) == 50 and len(second) == 11
    assert sorted(first + second) == sorted(["admin"] + [f"student{n:02d}" for n in range(60)])
    html = crowd.get("/admin/", query_string={"page": 2}).get_data(as_text=True)
    assert "Page 2 of 2" in html


def test_pager_keeps_the_filters(crowd) -> None:
    html = crowd.get("/admin/", query_string={"role": "student"}).get_data(as_text=True)
    assert "Page 1 of 2" in html
    next_link = re.search(r'<a href="([^"]+)">Next', html).group(1)
    assert "page=2" in next_link and "role=student" in next_link
    assert len(listed(crowd, role="student", page=2)) == 10


def test_page_past_the_end_is_empty_not_an_error(crowd) -> None:
    assert listed(crowd, page=99) == []


# --- jobs -----------------------------------------------------------------------------------------------------

def test_jobs_page_lists_jobs(app: Flask, as_admin) -> None:
    with app.app_context():
        db.session.add_all([
            Job(kind="roster_import", status=JobStatus.DONE, progress=1.0, attempts=1),
            Job(kind="transcode", status=JobStatus.FAILED, attempts=3, error="ffmpeg exited with 1"),
        ])
        db.session.commit()
    response = as_admin.get("/admin/jobs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "roster_import" in html and "Done" in html
    assert "transcode" in html and "Failed" in html and "ffmpeg exited with 1" in html
    assert html.index("transcode") < html.index("roster_import")  # newest first


def test_jobs_page_without_jobs_says_so(as_admin) -> None:
    assert "No jobs yet." in as_admin.get("/admin/jobs").get_data(as_text=True)
