"""The API's errors: always JSON, `{"error": {"code", "message", "details"}}`, the message translated."""
from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from webinar.access import PasswordChangeRequired


class ErrorDetail(BaseModel):
    """One field that was not accepted, and the kind of problem (pydantic's error type)."""

    field: str
    problem: str


class ErrorBody(BaseModel):
    """A machine-readable code and a sentence for people in the user's language."""

    code: str
    message: str
    details: list[ErrorDetail] = []


class ApiError(BaseModel):
    """What every refused or failed API request answers."""

    error: ErrorBody


def _messages() -> dict[int, tuple[str, str]]:
    """The code and the sentence for each HTTP status."""
    return {
        400: ("bad_request", _("The request is not valid.")),
        401: ("unauthenticated", _("Sign in first.")),
        403: ("forbidden", _("You do not have access to this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This action is not allowed here.")),
        413: ("too_large", _("The request is too large.")),
        415: ("unsupported_media_type", _("Send the request body as JSON.")),
        422: ("invalid", _("Some fields are missing or not valid.")),
        429: ("too_many_requests", _("Too many attempts in a short time. Wait a minute and try again.")),
        500: ("server_error", _("An error happened on our side. Try again in a few minutes.")),
    }


def error_response(status: int, code: str | None = None, message: str | None = None,
                   details: list[ErrorDetail] | None = None) -> Response:
    """A JSON error response with the status's code and sentence unless told otherwise."""
    default_code, default_message = _messages().get(status, ("error", _("The request is not valid.")))
    body = ApiError(error=ErrorBody(code=code or default_code, message=message or default_message,
                                    details=details or []))
    response = jsonify(body.model_dump())
    response.status_code = status
    return response


def from_http_exception(error: HTTPException) -> Response:
    """The JSON form of an HTTP error raised anywhere under the API (routing, access, abort)."""
    if isinstance(error, PasswordChangeRequired):
        response = error_response(403, "password_change_required",
                                  _("Change your password on the site first."))
    else:
        response = error_response(error.code or 500)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if error.code == 429 and error.response is not None:  # the limiter's Retry-After
        response.headers.extend(h for h in error.response.headers.items() if h[0].lower() == "retry-after")
    return response


def csrf_refused() -> Response:
    """A write without a valid X-CSRFToken header (the token comes with GET /api/v1/me)."""
    return error_response(400, "csrf", _("The security token is missing or expired. Get a new one and try again."))


def invalid_input(error: ValidationError) -> Response:
    """422 naming each field that was not accepted."""
    details = [ErrorDetail(field=".".join(str(part) for part in item["loc"]) or "body", problem=item["type"])
               for item in error.errors(include_url=False, include_context=False, include_input=False)]
    return error_response(422, details=details)
