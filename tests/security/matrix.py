"""The authorization matrix, derived from the routes themselves: every rule × method × actor → what must happen.

A route's expected outcome comes from the access rule it declares (webinar.access) and from whether
its URL names an object of a course (then only that course's people and admins may reach it). A new
route is covered as soon as it exists; one without a rule, or with an argument the world cannot fill,
fails the matrix instead of being skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from tests.security.world import ACTORS, ANONYMOUS
from webinar.access import PUBLIC, SIGNED_IN

# URL arguments that name an object belonging to one course (or to one person, for uploads)
SCOPED = {"course_id", "lecture_id", "material_id", "section_id", "session_id", "announcement_id", "upload_id"}
PER_ENDPOINT = {"lectures.media": {"name": "audio.webm"}, "live.live_hls": {"name": "master.m3u8"}}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
TUS_HEADERS = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}


@dataclass(frozen=True)
class Case:
    """One request of the matrix and the outcome its route's rule demands."""

    endpoint: str
    method: str
    url: str
    actor: str
    outcome: str  # public | login | forbidden | refused | allowed


def rules(app: Flask) -> list[Rule]:
    """Every rule but the static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def methods(rule: Rule) -> list[str]:
    """The rule's methods worth sending (HEAD too when it stands alone, as tus's HEAD does)."""
    found = sorted(rule.methods - SKIPPED_METHODS)
    return found or sorted(rule.methods & {"HEAD"})


def url_for_rule(rule: Rule, ids: dict[str, Any]) -> str:
    """The rule filled with course A's objects; AssertionError for an argument the world does not know."""
    given = {**ids, **PER_ENDPOINT.get(rule.endpoint, {})}
    unknown = set(rule.arguments) - set(given)
    assert not unknown, f"{rule.endpoint}: add {sorted(unknown)} to the security world's objects"
    return rule.build({a: given[a] for a in rule.arguments}, append_unknown=False)[1]


def outcome(app: Flask, rule: Rule, actor: str) -> str:
    """What must happen when actor requests rule, from the rule the view declares."""
    access = getattr(app.view_functions[rule.endpoint], "access", None)
    assert access is not None, f"{rule.endpoint} declares no access rule"
    role, course = ACTORS[actor]
    if access == PUBLIC:
        return "public"
    if actor == ANONYMOUS:
        return "login"
    if access != SIGNED_IN and role not in access:
        return "forbidden"
    if SCOPED & set(rule.arguments) and course == "B":
        return "refused"
    return "allowed"


def cases(app: Flask, ids: dict[str, Any], actor: str) -> list[Case]:
    """Every rule and method for one actor."""
    return [Case(rule.endpoint, method, url_for_rule(rule, ids), actor, outcome(app, rule, actor))
            for rule in rules(app) for method in methods(rule)]


def send(client: Any, case: Case) -> Any:
    """Send the case's request with an empty body (and what tus needs to get past its protocol check)."""
    return client.open(case.url, method=case.method, headers=TUS_HEADERS, data=b"x" if case.method == "PATCH" else {})
