"""Every HTTP route × method × {anonymous, student and teacher of another course, student, teacher, admin}."""
from __future__ import annotations

import pytest
from flask import Flask

from tests.security.matrix import Case, cases, outcome, rules, send, url_for_rule
from tests.security.world import ACTORS, SECRET, SOURCE_ONLY, SecurityWorld

# A refusal never reaches the object: the role's 403, or the object's 403/404 (a wrong method or a body the
# API's schema refuses before the view runs are refusals too); the database snapshot proves nothing changed.
REFUSED = {"forbidden": {403}, "refused": {400, 403, 404, 405, 422}}
PRIVATE_MEDIA = {  # endpoints of private files: their audience must really get the bytes (with SECRET)
    "lectures.media", "lectures.caption", "lectures.download", "materials.download", "materials.download_version",
    "materials.page_image", "live.slide_image", "live.live_hls",
}


def check(world: SecurityWorld, case: Case) -> str | None:
    """The problem with the response to one case, if any."""
    response = send(world.client(case.actor), case)
    body = response.get_data(as_text=True)
    response.close()
    where = f"{case.actor} {case.method} {case.url} ({case.endpoint}) → {response.status_code}"
    if case.outcome == "login":
        if not (response.status_code == 401 and case.url.startswith("/api/")
                or response.status_code == 302 and response.location.startswith("/login")):
            return f"{where}: not sent to sign in"
    elif case.outcome in REFUSED and response.status_code not in REFUSED[case.outcome]:
        return f"{where}: expected {sorted(REFUSED[case.outcome])}"
    elif case.outcome == "allowed" and (response.status_code in (401, 403) or response.status_code >= 500
                                        or (response.location or "").startswith("/login")):
        return f"{where}: refused or broken for someone it is meant for"
    if SOURCE_ONLY.decode() in body:
        return f"{where}: the uploaded source itself was served"
    if case.outcome != "allowed" and SECRET in body:
        return f"{where}: the refusal leaks course A's data"
    if case.outcome == "allowed" and case.endpoint in PRIVATE_MEDIA and case.method == "GET" \
            and (response.status_code != 200 or SECRET not in body):
        return f"{where}: the private file was not served to its audience"
    return None


@pytest.mark.parametrize("actor", ["anonymous", "outsider", "other", "student", "teacher", "admin"])
def test_no_route_lets_anyone_past_its_rule(world: SecurityWorld, actor: str) -> None:
    """Refusals first (and nothing in the database changes), then the actor's allowed GETs work."""
    world.client(actor)
    everything = cases(world.app, world.ids, actor)
    refused = [c for c in everything if c.outcome in ("login", "forbidden", "refused")]
    before = world.snapshot()
    problems = [p for c in refused if (p := check(world, c))]
    assert world.snapshot() == before, f"{actor}'s refused requests changed the database"
    allowed = [c for c in everything if c.outcome == "allowed" and c.method == "GET"]
    problems += [p for c in allowed if (p := check(world, c))]
    assert problems == [], "\n".join(problems)
    if actor in ("outsider", "other"):
        assert sum(c.outcome == "refused" for c in refused) > 20  # the matrix really covers their cases


def test_the_matrix_has_an_outcome_for_every_route(world: SecurityWorld) -> None:
    """Each actor × route has an outcome and a URL; the six actors are all there."""
    assert set(ACTORS) == {"anonymous", "outsider", "student", "other", "teacher", "admin"}
    for actor in ACTORS:
        assert len(cases(world.app, world.ids, actor)) >= len(rules(world.app))


def test_a_new_route_without_a_rule_or_with_an_unknown_argument_fails_the_matrix(world: SecurityWorld) -> None:
    """The matrix does not skip what it cannot judge."""
    app = Flask(__name__)
    app.add_url_rule("/undeclared", "undeclared", lambda: "x")
    app.add_url_rule("/things/<int:thing_id>", "thing", lambda thing_id: "x")
    app.view_functions["thing"].access = "signed-in"
    undeclared, thing = _by_endpoint(app)
    with pytest.raises(AssertionError, match="declares no access rule"):
        outcome(app, undeclared, "student")
    with pytest.raises(AssertionError, match="thing_id"):
        url_for_rule(thing, world.ids)


def _by_endpoint(app: Flask) -> tuple:
    found = {r.endpoint: r for r in rules(app)}
    return found["undeclared"], found["thing"]


OFF_SITE = ("https://evil.example/x", "/\\evil.example/x")  # more variants: test_sessions.py's sign-in test


def test_no_route_sends_anyone_off_site(tmp_path) -> None:
    """Every rule and method, as teacher and admin, with `next` pointing elsewhere in the query and the form."""
    from urllib.parse import urlsplit
    from tests.security.world import build_world, security_config
    fresh = build_world(security_config(tmp_path, f"sqlite:///{tmp_path / 'aralyk.sqlite3'}"))
    away = []
    for actor in ("teacher", "admin"):
        client = fresh.client(actor)
        for case in sorted(cases(fresh.app, fresh.ids, actor), key=_destructive):
            for target in OFF_SITE:
                with client.open(f"{case.url}?next={target}", method=case.method, data={"next": target},
                                 headers={"Tus-Resumable": "1.0.0"}) as response:
                    location = urlsplit(response.location or "")
                if location.netloc or location.path.startswith(("//", "/\\")) or location.scheme:
                    away.append(f"{actor} {case.method} {case.url} → {response.location}")
    assert away == []


def _destructive(case: Case) -> bool:
    """Deleting, cancelling and signing out go last, so the requests before them still find what they name."""
    return case.method != "GET" and any(word in case.endpoint for word in ("delete", "cancel", "remove", "logout"))
