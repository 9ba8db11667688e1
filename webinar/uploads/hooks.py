"""The protocol around every upload request: version check, body limit, CSRF, plain-text errors."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webinar.extensions import csrf, db
from webinar.uploads import bp, tus
from webinar.uploads.purposes import UploadRefused


@bp.before_request
def guard() -> Response | None:
    """Tus-Resumable, then the body limit, then CSRF (which may read the body, so it comes last)."""
    if request.method == "OPTIONS":
        return None
    if request.headers.get("Tus-Resumable") != tus.VERSION:
        return tus.text(_("This upload program is not supported. Reload the page."), 412,
                        {"Tus-Version": tus.VERSION})
    if request.endpoint == "uploads.resource":
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
    if current_app.config["WTF_CSRF_ENABLED"] and current_app.config["WTF_CSRF_CHECK_DEFAULT"]:
        csrf.protect()
    return None


@bp.after_request
def tus_headers(response: Response) -> Response:
    """Every answer names the protocol version and is never cached."""
    response.headers["Tus-Resumable"] = tus.VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(UploadRefused)
def refused(error: UploadRefused) -> Response:
    """A refusal from the tus layer or a purpose, with nothing half-written left in the session."""
    db.session.rollback()
    return tus.text(error.message, error.status)


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> Response:
    """A missing or stale X-CSRFToken (the app's handler would redirect to a page)."""
    return tus.text(_("The page was open too long or came from elsewhere. Reload the page and try again."), 400)


@bp.errorhandler(HTTPException)
@bp.errorhandler(InternalServerError)  # the app registers a page for 500 by code; this one wins here
def http_error(error: HTTPException) -> Response:
    """Other HTTP errors as short text, keeping headers such as Allow and Retry-After."""
    code = error.code or 500
    response = tus.text(_message(code), code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _message(code: int) -> str:
    messages = {
        404: _("This upload does not exist. Start the upload again."),
        405: _("This action is not allowed here."),
        413: _("The file is larger than allowed. Choose a smaller file."),
        429: _("Too many uploads were started in a short time. Wait a while and try again."),
    }
    if code in messages:
        return messages[code]
    if code < 500:
        return _("The request could not be understood. Go back and try again.")
    return _("An error happened on our side. Try again in a few minutes.")
