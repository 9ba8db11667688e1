"""Sessions, passwords and headers: fixation, sign-out, one-time passwords, enumeration, rate limits, TLS."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, login, make_app
from tests.security.matrix import rules, url_for_rule
from tests.security.world import SecurityWorld
from webinar.extensions import db
from webinar.models import Role, User

COOKIE = "session"
REMEMBER = "remember_token"


def cookie(client: FlaskClient, name: str = COOKIE) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def with_cookies(app: Flask, **cookies: str) -> FlaskClient:
    """A new browser holding copies of these cookies."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def signed_in_as(client: FlaskClient) -> str | None:
    """Whose home page this client gets (None: sent to sign in)."""
    response = client.get("/password")
    return None if response.status_code == 302 else response.status_code


def test_a_session_planted_before_sign_in_is_worth_nothing_after_it(app: Flask, make_user) -> None:
    """Fixation: the pre-login cookie (and its CSRF token) do not become the user's session."""
    make_user("aibek", Role.TEACHER)
    victim = app.test_client()
    victim.post("/language", data={"language": "ru"})  # a visitor's choice is kept across the sign-in
    victim.get("/login")
    planted = cookie(victim)
    assert login(victim, "aibek").status_code == 302
    assert cookie(victim) != planted
    assert signed_in_as(with_cookies(app, session=planted)) is None
    assert "Пароль" in victim.get("/password").get_data(as_text=True)


def add_teacher(app: Flask) -> None:
    """Teacher aibek with the test password, in an app made by the test itself."""
    with app.app_context():
        user = User(username="aibek", full_name="Aibek", role=Role.TEACHER)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def test_the_csrf_token_of_the_planted_session_is_not_the_users(app_config: dict[str, Any]) -> None:
    app = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    add_teacher(app)
    victim = app.test_client()
    planted_token = _token(victim.get("/login").get_data(as_text=True))  # the attacker knows this one
    victim.post("/login", data={"username": "aibek", "password": PASSWORD, "csrf_token": planted_token})
    assert signed_in_as(victim) == 200
    victim.post("/logout", data={"csrf_token": planted_token})  # a forged sign-out with the known token
    assert signed_in_as(victim) == 200


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_sign_out_clears_the_remember_cookie_and_a_new_password_ends_every_copy(app: Flask, make_user) -> None:
    make_user("aibek", Role.TEACHER)
    browser = app.test_client()
    signed = browser.post("/login", data={"username": "aibek", "password": PASSWORD, "remember": "y"})
    remembered = next(c for c in signed.headers.getlist("Set-Cookie") if c.startswith(f"{REMEMBER}="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remembered).group(1))
    assert 29 <= (expires - datetime.now(timezone.utc)).days <= 30  # a month, not a year: what a stolen copy is worth
    session_copy, remember_copy = cookie(browser), cookie(browser, REMEMBER)
    assert remember_copy and signed_in_as(with_cookies(app, remember_token=remember_copy)) == 200
    browser.post("/logout")
    assert cookie(browser, REMEMBER) is None and signed_in_as(browser) is None
    login(browser, "aibek")
    browser.post("/password", data={"current": PASSWORD, "new": "a new secret", "repeat": "a new secret"})
    assert signed_in_as(browser) == 200  # the browser that changed it stays in
    assert signed_in_as(with_cookies(app, session=session_copy)) is None
    assert signed_in_as(with_cookies(app, remember_token=remember_copy)) is None


def test_an_admin_reset_ends_the_users_sessions_and_its_password_works_once(app: Flask, make_user,
                                                                            as_admin: FlaskClient) -> None:
    student = make_user("bakyt", Role.STUDENT)
    stolen = app.test_client()
    login(stolen, "bakyt")
    issued = as_admin.post(f"/admin/users/{student.id}/password")
    assert issued.headers["Cache-Control"] == "no-store"  # a shared browser keeps no copy of the password
    page = issued.get_data(as_text=True)
    one_time = re.findall(r'<code>([^<]+)</code>', page)[1].strip()
    assert signed_in_as(stolen) is None  # the thief's session ended with the reset
    fresh = app.test_client()
    assert login(fresh, "bakyt", one_time).status_code == 302
    assert fresh.get("/").location == "/password" and fresh.get("/announcements").location == "/password"
    fresh.post("/password", data={"current": one_time, "new": "my own secret", "repeat": "my own secret"})
    fresh.post("/logout")
    assert login(fresh, "bakyt", one_time).status_code == 200  # used once, then gone
    assert login(fresh, "bakyt", "my own secret").status_code == 302


def test_unknown_logins_and_wrong_passwords_look_and_cost_the_same(app: Flask, make_user,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import werkzeug.security
    make_user("aibek", Role.TEACHER)
    checks: list[str] = []
    real = werkzeug.security.check_password_hash
    for module in ("webinar.models.users", "webinar.auth.routes"):
        monkeypatch.setattr(f"{module}.check_password_hash", lambda h, p: checks.append(p) or real(h, p))
    unknown = login(app.test_client(), "nobody", "guess-1").get_data(as_text=True)
    wrong = login(app.test_client(), "aibek", "guess-2").get_data(as_text=True)
    assert checks == ["guess-1", "guess-2"]  # a hash is checked either way: no timing difference
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unknown).replace("nobody", "") == strip.sub("", wrong).replace("aibek", "")


def test_one_account_is_rate_limited_whatever_address_the_guesses_come_from(app_config: dict[str, Any],
                                                                            make_user) -> None:
    app = make_app({**app_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    codes = [app.test_client().post("/login", data={"username": "aibek", "password": "x"},
                                    environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    other = app.test_client().post("/login", data={"username": "other", "password": "x"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_guessing_the_current_password_on_the_change_form_is_rate_limited(app_config: dict[str, Any]) -> None:
    app = make_app({**app_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    add_teacher(app)
    client = app.test_client()
    assert login(client, "aibek").status_code == 302
    codes = [client.post("/password", data={"current": f"guess {n}", "new": "a new secret",
                                            "repeat": "a new secret"}).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_every_page_and_file_has_its_security_headers(world: SecurityWorld) -> None:
    teacher = world.client("teacher")
    for rule in rules(world.app):
        if "GET" not in rule.methods:
            continue
        with teacher.get(url_for_rule(rule, world.ids)) as response:
            headers = response.headers
            assert headers.get("X-Content-Type-Options") == "nosniff", rule.endpoint
            assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS
            if response.mimetype == "text/html":
                assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], rule.endpoint
                assert "script-src 'self'" in headers["Content-Security-Policy"], rule.endpoint
                assert headers["X-Frame-Options"] == "DENY", rule.endpoint


def test_hsts_over_tls_and_behind_a_trusted_proxy_only(app_config: dict[str, Any]) -> None:
    direct = make_app(app_config).test_client()
    assert "max-age=31536000" in direct.get("/login", base_url="https://aralyk.kg").headers["Strict-Transport-Security"]
    spoofed = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers  # no proxy is trusted by default
    proxied = make_app({**app_config, "TRUSTED_PROXIES": 1}).test_client()
    assert "Strict-Transport-Security" in proxied.get("/login", headers={"X-Forwarded-Proto": "https"}).headers


def test_switching_an_account_off_ends_its_sessions_at_once(app: Flask, make_user,
                                                          as_admin: FlaskClient) -> None:
    student = make_user("bakyt", Role.STUDENT)
    signed = app.test_client()
    login(signed, "bakyt")
    assert signed_in_as(signed) == 200
    as_admin.post(f"/admin/users/{student.id}/active")
    assert signed_in_as(signed) is None


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x",
                                    "/\\/evil.example", "https:evil.example", "/\t/evil.example"])
def test_signing_in_never_sends_anyone_off_site(client: FlaskClient, make_user, target: str) -> None:
    make_user("aibek", Role.TEACHER)
    response = client.post("/login", query_string={"next": target}, data={"username": "aibek", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
