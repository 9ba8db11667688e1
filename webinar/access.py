"""Who may open which route: every view declares it, and one check enforces it (deny by default)."""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from webinar.models import Role

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable)
PUBLIC = "public"
SIGNED_IN = "signed-in"
API_PREFIX = "/api/"  # JSON routes: refusals are JSON statuses, never redirects to a page


class PasswordChangeRequired(Forbidden):
    """A user with a generated password asked for something other than changing it."""


def answers_json() -> bool:
    """Whether this request is for the JSON API (its errors are JSON, its refusals never redirect)."""
    return request.path.startswith(API_PREFIX)


def public(view: View) -> View:
    """Anyone, signed in or not, may open this route."""
    view.access = PUBLIC
    return view


def signed_in(view: View) -> View:
    """Any signed-in user may open this route."""
    view.access = SIGNED_IN
    return view


def roles(*allowed: Role) -> Callable[[View], View]:
    """Only users with one of these roles may open this route."""
    def decorate(view: View) -> View:
        view.access = frozenset(allowed)
        return view
    return decorate


def rule_of(endpoint: str | None) -> object:
    """The access rule declared by the endpoint's view, or None."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access", None)


def enforce() -> object:
    """before_request: refuse what the route's rule does not allow."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    rule = rule_of(request.endpoint)
    if rule is None:
        log.error("route %s declares no access rule; refused", request.endpoint)
        abort(403)
    if current_user.is_authenticated and current_user.must_change_password \
            and request.endpoint not in PASSWORD_CHANGE_ALLOWED:
        if answers_json():
            raise PasswordChangeRequired()
        return redirect(url_for("auth.change_password"))
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if answers_json():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path))
    if rule != SIGNED_IN and current_user.role not in rule:
        abort(403)
    return None


PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "i18n.set_language"}


def init_app(app: Flask) -> None:
    """Check every request against its route's rule."""
    app.before_request(enforce)
