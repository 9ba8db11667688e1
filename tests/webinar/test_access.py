"""Every route declares who may open it, and the rule holds for each role."""
from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from webinar.access import PUBLIC, SIGNED_IN
from webinar.models import Role


def _rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _value(converter: object) -> object:
    """A value the converter accepts: 1 for ids, one of the choices of an any(), else 'x'."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def _url(rule: Rule) -> str:
    """The rule with every argument filled with a value its converter accepts."""
    values = {arg: _value(rule._converters[arg]) for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def _method(rule: Rule) -> str:
    return "GET" if "GET" in rule.methods else next(m for m in ("POST", "PUT", "PATCH", "DELETE") if m in rule.methods)


def test_every_route_declares_an_access_rule(app: Flask) -> None:
    missing = [r.endpoint for r in _rules(app) if not hasattr(app.view_functions[r.endpoint], "access")]
    assert missing == [], f"routes without an access rule: {missing}"


def test_a_route_without_a_rule_is_refused(app: Flask) -> None:
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    response = app.test_client().get("/undeclared")
    assert response.status_code == 403
    assert b"secret" not in response.data


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    for rule in _rules(app):
        if app.view_functions[rule.endpoint].access == PUBLIC:
            continue
        response = client.open(_url(rule), method=_method(rule))
        if rule.rule.startswith("/api/"):  # the JSON API answers 401, never a redirect to a page
            assert (response.status_code, response.is_json) == (401, True), rule.endpoint
            continue
        assert response.status_code == 302, rule.endpoint
        assert response.location.startswith("/login"), rule.endpoint


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.ADMIN])
def test_each_role_is_refused_routes_not_meant_for_it(app: Flask, as_role, role: Role) -> None:
    client = as_role(role)
    checked = 0
    for rule in _rules(app):
        access = app.view_functions[rule.endpoint].access
        if access in (PUBLIC, SIGNED_IN) or role in access:
            continue
        response = client.open(_url(rule), method=_method(rule))
        assert response.status_code == 403, (role, rule.endpoint, response.status_code)
        checked += 1
    if role != Role.ADMIN:
        assert checked > 0


def test_forbidden_page_is_translated(as_role) -> None:
    client = as_role(Role.STUDENT)
    client.post("/language", data={"language": "ru"})
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Доступ" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
