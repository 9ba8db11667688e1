"""Error pages in the user's language, never a stack trace."""
from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webinar.access import answers_json
from webinar.api.errors import csrf_refused, from_http_exception


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Access denied"), _("You do not have access to this page. If you think you should, ask your teacher or the administrator.")),
        404: (_("Page not found"), _("This page does not exist or was removed.")),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (_("File too large"), _("The file is larger than allowed. Choose a smaller file.")),
        429: (_("Too many attempts"), _("Too many attempts in a short time. Wait a minute and try again.")),
        500: (_("Something went wrong"), _("An error happened on our side. Try again in a few minutes.")),
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


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, csrf_expired)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(500, render_error)
