"""Fixtures for the API tests: CSRF on (as in production), the populated course, clients per person."""
from __future__ import annotations

from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.api_world import Ids, populate, signed_in


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The shared test settings with CSRF checked, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def ids(app: Flask) -> Ids:
    return populate(app)


@pytest.fixture
def as_person(app: Flask, ids: Ids) -> Callable[[str], FlaskClient]:
    """A client signed in as one of the populated people."""
    return lambda username: signed_in(app, username)


def csrf_headers(client: FlaskClient) -> dict[str, str]:
    """The header a write sends: the token GET /api/v1/me hands out."""
    return {"X-CSRFToken": client.get("/api/v1/me").get_json()["csrf_token"]}
