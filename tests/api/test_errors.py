"""Every refusal and failure under /api/v1 is JSON with the right status; the site's pages are unchanged."""
from __future__ import annotations

from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.api_world import Ids
from webinar.extensions import db
from webinar.models import User

Person = Callable[[str], FlaskClient]


def error_of(response, status: int) -> dict:
    """The error object of a JSON error answer with this status."""
    assert (response.status_code, response.mimetype) == (status, "application/json"), response.data[:200]
    body = response.get_json()["error"]
    assert body["code"] and body["message"] and "<" not in body["message"]
    return body


def operations(client: FlaskClient) -> list[tuple[str, str]]:
    """(method, path with ids filled in) of every documented operation."""
    document = client.get("/api/v1/openapi.json").get_json()
    return [(method.upper(), path.replace("{course_id}", "1").replace("{lecture_id}", "1"))
            for path, item in document["paths"].items() for method in item]


def test_anonymous_calls_get_401_not_a_sign_in_page(client: FlaskClient, ids: Ids) -> None:
    found = operations(client)
    assert len(found) == 11
    for method, path in found:
        status = 400 if method in ("PUT", "POST") else 401  # a write without its CSRF token is refused first
        error_of(client.open(path, method=method), status)


@pytest.mark.parametrize("path", ["/api/v1/courses/0", "/api/v1/courses/-1", "/api/v1/courses/abc",
                                  "/api/v1/courses/99999999999999999999", "/api/v1/lectures/2147483648",
                                  "/api/v1/courses/1.5/lectures", "/api/v1/lectures/%00", "/api/v1/nothing"])
def test_bad_ids_and_unknown_paths_are_json_404s(as_person: Person, ids: Ids, path: str) -> None:
    assert error_of(as_person("student").get(path), 404)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405_with_allow(as_person: Person, ids: Ids) -> None:
    response = as_person("student").delete("/api/v1/courses")
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_a_generated_password_must_be_changed_first(app: Flask, as_person: Person, ids: Ids) -> None:
    client = as_person("student")
    with app.app_context():
        db.session.get(User, ids.users["student"]).must_change_password = True
        db.session.commit()
    assert error_of(client.get("/api/v1/courses"), 403)["code"] == "password_change_required"


def test_a_failure_inside_the_api_is_a_json_500(app: Flask, as_person: Person, ids: Ids,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr("webinar.api.courses.courses_of", lambda user: 1 / 0)
    assert error_of(as_person("student").get("/api/v1/courses"), 500)["code"] == "server_error"


def test_an_answer_that_drifts_from_its_model_is_caught(app: Flask, as_person: Person, ids: Ids,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr("webinar.api.courses.course_out", lambda course, user: {"id": "one"})
    assert error_of(as_person("student").get(f"/api/v1/courses/{ids.course}"), 500)["code"] == "server_error"


def test_errors_speak_the_users_language(app: Flask, as_person: Person, ids: Ids) -> None:
    client = as_person("student")
    with app.app_context():
        db.session.get(User, ids.users["student"]).locale = "ru"
        db.session.commit()
    message = error_of(client.delete("/api/v1/courses"), 405)["message"]
    assert message != "This action is not allowed here." and any("а" <= ch <= "я" for ch in message), message


def test_the_sites_pages_keep_their_html_errors(app: Flask, as_person: Person, ids: Ids) -> None:
    response = as_person("student").get("/courses/999999")
    assert (response.status_code, response.mimetype) == (404, "text/html")
    anonymous = app.test_client().get("/courses/1")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")
