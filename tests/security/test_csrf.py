"""CSRF on every state-changing route, generated from app.url_map: no token, no change.

Forms and the JSON API rely on Flask-WTF (a form field or the X-CSRFToken header); tus requests carry
the header too (webinar/uploads/hooks.py); live sockets are guarded by the Origin check
(tests/security/test_event_matrix.py). Each request is sent as the admin, whom every rule admits,
with ids of real objects, so only the missing token can stop it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tests.security.matrix import TUS_HEADERS, methods, rules, url_for_rule
from tests.security.world import SecurityWorld, build_world, security_config

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecurityWorld]:
    """The security world with CSRF protection on, as in production."""
    tmp: Path = tmp_path_factory.mktemp("csrf")
    yield build_world(security_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}", WTF_CSRF_ENABLED=True))


def token_of(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page hands out."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def signed_in(world: SecurityWorld, username: str) -> FlaskClient:
    """A client signed in through the real form, token included."""
    client = world.app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token_of(client)})
    assert response.status_code == 302 and response.location == "/"
    return client


def test_no_state_changing_request_works_without_a_token(guarded: SecurityWorld) -> None:
    admin = signed_in(guarded, "admin")
    sent, wrong = 0, []
    before = guarded.snapshot()
    for rule in rules(guarded.app):
        for method in set(methods(rule)) & WRITES:
            url = url_for_rule(rule, guarded.ids)
            with admin.open(url, method=method, headers=TUS_HEADERS, data=b"x" if method == "PATCH" else {}) as r:
                if not (r.status_code in (400, 403) or r.status_code == 302 and "fill it in again" in _flashed(admin)):
                    wrong.append(f"{method} {url} ({rule.endpoint}) → {r.status_code}")
            sent += 1
    assert wrong == []
    assert guarded.snapshot() == before
    assert sent > 40 and admin.get("/admin/").status_code == 200  # still signed in: /logout was refused too


def _flashed(client: FlaskClient) -> str:
    """The flashed messages the next page shows."""
    return client.get("/password").get_data(as_text=True)


def test_a_token_from_another_session_is_refused(guarded: SecurityWorld) -> None:
    """An attacker's own valid token does not work in the victim's session."""
    attacker, victim = guarded.app.test_client(), signed_in(guarded, "teacher")
    stolen = token_of(attacker)
    response = victim.post("/logout", data={"csrf_token": stolen})
    assert response.location != "/login" and victim.get("/courses/new").status_code == 200
    response = victim.post("/logout", data={"csrf_token": token_of(victim, "/password")})
    assert response.location == "/login"


def test_the_api_and_tus_take_the_token_as_a_header(guarded: SecurityWorld) -> None:
    """The header works where the form field cannot be sent; without it the same request is refused."""
    teacher = signed_in(guarded, "teacher")
    token = teacher.get("/api/v1/me").get_json()["csrf_token"]
    tus = {"Tus-Resumable": "1.0.0", "Upload-Length": "10",
           "Upload-Metadata": f"purpose bGVjdHVyZQ==,filename YS5tcDQ=,course {_b64(guarded.ids['course_id'])}"}
    refused = teacher.post("/uploads/", headers=tus)
    assert refused.status_code == 400 and "Reload the page" in refused.get_data(as_text=True)
    assert teacher.post("/uploads/", headers={**tus, "X-CSRFToken": token}).status_code == 201


def _b64(value: object) -> str:
    import base64
    return base64.b64encode(str(value).encode()).decode()
