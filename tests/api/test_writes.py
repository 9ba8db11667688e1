"""The API's writes: watch progress and read marks, with CSRF, and every bad body refused with a JSON 4xx."""
from __future__ import annotations

from typing import Any, Callable

import pytest
from flask.testing import FlaskClient

from tests.api.api_world import Ids
from tests.api.conftest import csrf_headers

Person = Callable[[str], FlaskClient]


def test_progress_is_saved_and_resumes_everywhere(as_person: Person, ids: Ids) -> None:
    student = as_person("student")
    url = f"/api/v1/lectures/{ids.lecture}/progress"
    response = student.put(url, json={"position": 40, "played": [[30, 44]]}, headers=csrf_headers(student))
    assert response.status_code == 200 and response.get_json() == {"position": 40.0, "share": 0.5}
    assert as_person("student").get(f"/api/v1/lectures/{ids.lecture}").get_json()["progress"]["position"] == 40.0
    beyond = student.put(url, json={"position": 5000}, headers=csrf_headers(student))
    assert beyond.get_json()["position"] == 60.0, "clamped to the duration"


def test_a_write_without_the_csrf_token_is_refused(as_person: Person, ids: Ids) -> None:
    student = as_person("student")
    for headers in ({}, {"X-CSRFToken": "forged"}):
        response = student.put(f"/api/v1/lectures/{ids.lecture}/progress", json={"position": 1}, headers=headers)
        assert (response.status_code, response.mimetype) == (400, "application/json")
        assert response.get_json()["error"]["code"] == "csrf"


@pytest.mark.parametrize("body, field", [
    ({"position": "soon"}, "position"), ({"position": -1}, "position"), ({"position": 10**30}, "position"),
    ({}, "position"), ({"position": 1, "speed": 2}, "speed"), ({"position": 1, "played": [[1]]}, "played.0"),
    ({"position": 1, "played": [[0, 1]] * 51}, "played"), ({"position": True, "played": "all"}, "played"),
    ([1, 2], "body"), ("position", "body"),
])
def test_bad_progress_is_refused_field_by_field(as_person: Person, ids: Ids, body: Any, field: str) -> None:
    student = as_person("student")
    response = student.put(f"/api/v1/lectures/{ids.lecture}/progress", json=body, headers=csrf_headers(student))
    assert (response.status_code, response.mimetype) == (422, "application/json")
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert any(d["field"].startswith(field) for d in error["details"]), error


@pytest.mark.parametrize("raw, content_type, status", [
    (b'{"position": NaN}', "application/json", 422), (b'{"position": Infinity}', "application/json", 422),
    (b'{"position": 1', "application/json", 422), (b"\xff\xfe", "application/json", 422),
    (b"position=1", "application/x-www-form-urlencoded", 415), (b"position=1", "multipart/form-data", 415),
])
def test_bodies_that_are_not_json_numbers_are_refused(as_person: Person, ids: Ids, raw: bytes, content_type: str,
                                                       status: int) -> None:
    student = as_person("student")
    response = student.put(f"/api/v1/lectures/{ids.lecture}/progress", data=raw, content_type=content_type,
                           headers=csrf_headers(student))
    assert (response.status_code, response.mimetype) == (status, "application/json")


def test_progress_of_a_lecture_one_may_not_see(as_person: Person, ids: Ids) -> None:
    outsider = as_person("outsider")
    for lecture, status in ((ids.lecture, 403), (ids.hidden, 403), (999_999, 404)):
        response = outsider.put(f"/api/v1/lectures/{lecture}/progress", json={"position": 1},
                                headers=csrf_headers(outsider))
        assert response.status_code == status, lecture


def test_marking_announcements_read(as_person: Person, ids: Ids) -> None:
    student = as_person("student")
    headers = csrf_headers(student)
    response = student.post("/api/v1/announcements/read", json={"ids": [ids.announcement, 999_999]}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"marked": 1}
    assert student.get("/api/v1/me").get_json()["unread_announcements"] == 1
    outsider = as_person("outsider")
    response = outsider.post("/api/v1/announcements/read", json={"ids": [ids.announcement]},
                             headers=csrf_headers(outsider))
    assert response.get_json() == {"marked": 0}, "another group's announcement is not theirs to mark"
    for bad in ({"ids": []}, {"ids": [0]}, {"ids": [2**31]}, {"ids": "1"}, {"ids": [1] * 101}):
        assert student.post("/api/v1/announcements/read", json=bad, headers=headers).status_code == 422, bad


def test_the_data_saver_choice_follows_the_user(as_person: Person, ids: Ids) -> None:
    student = as_person("student")
    for value in (True, None, False):
        response = student.put("/api/v1/me/settings", json={"data_saver": value}, headers=csrf_headers(student))
        assert response.status_code == 200 and response.get_json()["data_saver"] is value
        assert as_person("student").get("/api/v1/me").get_json()["data_saver"] is value
    for bad in ({"data_saver": "maybe"}, {"data_saver": True, "theme": "dark"}, {}):
        assert student.put("/api/v1/me/settings", json=bad, headers=csrf_headers(student)).status_code == 422, bad
