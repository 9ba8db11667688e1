"""Schemathesis against the served API, signed in as a student and as a teacher, on PostgreSQL with CSRF on.

It loads the document from its stable URL and, for every operation, sends generated valid and invalid
requests (ids mixed with the real ones, bodies of every shape), then checks that no answer is a
server error and that each status, content type and body is the one the document promises.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.api.api_world import Ids, browser, populate
from tests.conftest import make_app
from tests.helpers import serving
from tests.services import postgres_schema, require_postgres
from tests.webinar.lecture_world import lecture_config
from webinar.extensions import db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 20  # per operation and person: the whole run stays well under a minute


@dataclass
class Served:
    """The served app's base URL and what populate() made."""

    base: str
    ids: Ids


@dataclass
class Person:
    """A signed-in browser session and the CSRF header its writes send."""

    session: requests.Session
    headers: dict[str, str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on a real HTTP server, on a fresh PostgreSQL schema, CSRF checked as in production."""
    tmp = tmp_path_factory.mktemp("api")
    with postgres_schema(require_postgres()) as url:
        app = make_app({**lecture_config(tmp, url), "WTF_CSRF_ENABLED": True})
        ids = populate(app)
        with serving(app) as base:
            yield Served(base, ids)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def people(served: Served) -> Iterator[dict[str, Person]]:
    """The student and the teacher of the course, signed in."""
    found = {}
    for username in ("student", "teacher"):
        session = browser(served.base, username)
        found[username] = Person(session, {"X-CSRFToken": session.get(f"{served.base}/api/v1/me").json()["csrf_token"]})
    yield found
    for each in found.values():
        each.session.close()


def real_ids(ids: Ids) -> dict[str, list[int]]:
    """Ids that exist, per path parameter: the person's own, others', hidden and unplayable ones."""
    return {"course_id": [ids.course, ids.other_course],
            "lecture_id": [ids.lecture, ids.hidden, ids.processing, ids.other_lecture]}


@pytest.fixture(scope="module")
def api_schema(served: Served) -> Any:
    """The document as served at its stable URL."""
    return schemathesis.openapi.from_url(f"{served.base}/api/v1/openapi.json")


def cases(operation: Any, mode: GenerationMode, known: dict[str, list[int]]) -> st.SearchStrategy:
    """Generated requests for the operation, also with each real id in its path."""
    names = [p.name for p in operation.path_parameters]
    fixed = [operation.as_strategy(mode, path_parameters={name: value})
             for name in names if name in known for value in known[name]]
    return st.one_of(operation.as_strategy(mode), *fixed)


def failures_of(operation: Any, mode: GenerationMode, person: Person, known: dict[str, list[int]]) -> str | None:
    """Run the checks on EXAMPLES generated requests; the failure report, or None."""
    @given(case=cases(operation, mode, known))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        case.call_and_validate(session=person.session, headers=person.headers, checks=CHECKS)

    try:
        run()
    except (AssertionError, FailureGroup) as failure:  # keep the report, go on with the next operation
        return f"{operation.label} ({mode.value}): {failure!r}"
    return None


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("who", ["student", "teacher"])
def test_the_api_keeps_its_document(api_schema: Any, served: Served, people: dict[str, Person], who: str,
                                    mode: GenerationMode) -> None:
    known = real_ids(served.ids)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 11
    found = [f for operation in operations if (f := failures_of(operation, mode, people[who], known))]
    assert not found, "\n\n".join(found)
