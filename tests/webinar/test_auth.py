"""Signing in and out, passwords, rate limits, CSRF, and security headers."""
from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import PASSWORD, login, make_app
from webinar.extensions import db
from webinar.models import Role, User


def test_sign_in_and_out(client, make_user) -> None:
    make_user("aibek", Role.TEACHER)
    response = login(client, "AIBEK ")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").location == "/login"


def test_wrong_password_says_so_and_does_not_sign_in(client, make_user) -> None:
    make_user("aibek", Role.TEACHER)
    response = login(client, "aibek", "wrong")
    assert response.status_code == 200
    assert "Wrong login or password." in response.get_data(as_text=True)
    assert client.get("/").location == "/login"


def test_switched_off_account_cannot_sign_in(client, make_user) -> None:
    make_user("gone", Role.STUDENT, is_active_account=False)
    response = login(client, "gone")
    assert "switched off" in response.get_data(as_text=True)
    assert client.get("/").location == "/login"


def test_next_parameter_never_leaves_the_site(client, make_user) -> None:
    make_user("aibek", Role.TEACHER)
    response = client.post("/login?next=//evil.example/x", data={"username": "aibek", "password": PASSWORD})
    assert response.location == "/"


def test_generated_password_must_be_changed_first(client, make_user, app: Flask) -> None:
    make_user("newbie", Role.STUDENT, must_change_password=True)
    login(client, "newbie")
    assert client.get("/").location == "/password"
    response = client.post("/password", data={"current": PASSWORD, "new": "short", "repeat": "short"})
    assert "at least 8" in response.get_data(as_text=True)
    response = client.post("/password", data={"current": PASSWORD, "new": "a new secret", "repeat": "a new secret"})
    assert response.location == "/"
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert login(client, "newbie", PASSWORD).status_code == 200  # old password refused
    assert login(client, "newbie", "a new secret").status_code == 302


def test_change_password_checks_the_current_one(as_teacher) -> None:
    response = as_teacher.post("/password", data={"current": "nope", "new": "a new secret", "repeat": "a new secret"})
    assert "current password is wrong" in response.get_data(as_text=True)
    response = as_teacher.post("/password", data={"current": PASSWORD, "new": "a new secret", "repeat": "other one!"})
    assert "differ" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited_with_a_clear_message(app_config, make_user) -> None:
    app = make_app({**app_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    codes = [login(client, "nobody", "x").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = login(client, "nobody", "x")
    assert "Wait a minute" in response.get_data(as_text=True)


@pytest.fixture
def csrf_app(app_config) -> Flask:
    app = make_app({**app_config, "WTF_CSRF_ENABLED": True, "WTF_CSRF_TIME_LIMIT": 1})
    with app.app_context():
        user = User(username="aibek", full_name="Aibek", role=Role.TEACHER)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return app


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_forms_without_a_csrf_token_are_refused_politely(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    response = login(client, "aibek")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "fill it in again" in client.get(response.location).get_data(as_text=True)
    assert client.get("/").location == "/login"


def test_expired_csrf_token_is_refused_and_a_fresh_one_works(csrf_app: Flask, monkeypatch) -> None:
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    import time as time_module
    real_time = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real_time() + 10)
    stale = client.post("/login", data={"username": "aibek", "password": PASSWORD, "csrf_token": token})
    assert stale.location.startswith("/login")
    monkeypatch.undo()
    token = _token(client.get("/login").get_data(as_text=True))
    fresh = client.post("/login", data={"username": "aibek", "password": PASSWORD, "csrf_token": token})
    assert fresh.location == "/"


def test_security_headers_and_cookie_flags(client, make_user) -> None:
    make_user("aibek", Role.TEACHER)
    response = login(client, "aibek")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
