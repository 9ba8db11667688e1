"""Error pages in the user's language, never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, flash, g, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from webinar.access import answers_json
from webinar.api.errors import csrf_refused, from_http_exception
from webinar.extensions import db, login_manager

log = logging.getLogger(__name__)
# A backing service that is down for now (PostgreSQL, Redis): the request fails with a 503, not a 500.
UNAVAILABLE = (OperationalError, InterfaceError, PendingRollbackError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Access denied"), _("You do not have access to this page. If you think you should, ask your teacher or the administrator.")),
        404: (_("Page not found"), _("This page does not exist or was removed.")),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (_("File too large"), _("The file is larger than allowed. Choose a smaller file.")),
        429: (_("Too many attempts"), _("Too many attempts in a short time. Wait a minute and try again.")),
        500: (_("Something went wrong"), _("An error happened on our side. Try again in a few minutes.")),
        503: (_("Temporarily unavailable"), _("The service is briefly unavailable. Nothing you saved is lost: try again in a minute.")),
    }


def render_error(error: HTTPException):
    """The page for an HTTP error, with the same status code (JSON under the API)."""
    if answers_json():
        return from_http_exception(error)
    code = error.code or 500
    title, text = _messages().get(code, (error.name, error.description))
    return render_template("errors/error.html", code=code, title=title, text=text), code


def csrf_expired(error: CSRFError):
    """An expired or missing form token: send the user back to the form with a message."""
    if answers_json():
        return csrf_refused()
    flash(_("The form was open too long or came from elsewhere. Please fill it in again."), "error")
    came_from_page = request.url_rule is not None and "GET" in request.url_rule.methods
    return redirect(request.full_path if came_from_page else "/")


def unavailable(error: Exception):
    """The database or Redis is unreachable: a 503 page with Retry-After, drawn without them."""
    log.warning("%s %s: a backing service is unavailable: %s", request.method, request.path, error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is removed at teardown anyway
        pass
    g._login_user = login_manager.anonymous_user()  # the page must not ask the database who is signed in
    response = make_response(render_error(ServiceUnavailable()))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    """Register the handlers."""
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, unavailable)
    app.register_error_handler(CSRFError, csrf_expired)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(500, render_error)
