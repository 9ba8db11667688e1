"""The OpenAPI document: at a stable URL for anyone, describing every API route and every answer it gives."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from webinar.access import PUBLIC

EXPECTED = {
    ("get", "/api/v1/me"), ("get", "/api/v1/courses"), ("get", "/api/v1/courses/{course_id}"),
    ("get", "/api/v1/courses/{course_id}/lectures"), ("get", "/api/v1/lectures/{lecture_id}"),
    ("put", "/api/v1/lectures/{lecture_id}/progress"), ("get", "/api/v1/courses/{course_id}/webinars"),
    ("get", "/api/v1/courses/{course_id}/materials"), ("get", "/api/v1/announcements"),
    ("post", "/api/v1/announcements/read"), ("put", "/api/v1/me/settings"),
}


def test_the_document_is_served_to_anyone_at_a_stable_url(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    document = response.get_json()
    assert document["openapi"].startswith("3.1") and document["info"]["version"] == "1"
    assert {(m, p) for p, item in document["paths"].items() for m in item} == EXPECTED
    assert document["components"]["securitySchemes"]["session"] == {
        "type": "apiKey", "in": "cookie", "name": "session", "description": "The site's session cookie"}


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: <int(...):course_id> becomes {course_id}."""
    return re.sub(r"<(?:[^:>]*:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_documented_with_its_errors(app: Flask, client: FlaskClient) -> None:
    routes = {(m.lower(), openapi_path(r.rule)) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
              for m in r.methods - {"HEAD", "OPTIONS"} if app.view_functions[r.endpoint].access != PUBLIC}
    assert routes == EXPECTED
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"200", "401", "403", "404", "422"} <= codes, (method, path)
            if method == "get":
                assert "304" in codes, (method, path)
            else:
                assert {"400", "415"} <= codes and operation["requestBody"]["required"], (method, path)
            error = operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
            assert error == "#/components/schemas/ApiError"
