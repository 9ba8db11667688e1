"""The OpenAPI document and the validation of every API call come from the same pydantic models (spectree)."""
from __future__ import annotations

import logging
from typing import Any

from flask import abort, request
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree

from webinar.api.errors import ApiError, invalid_input
from webinar.api.schemas import MAX_ID

log = logging.getLogger(__name__)
ID = f"int(min=1, max={MAX_ID})"  # every id in the API's paths: a larger one is simply not found
READ_ERRORS = (401, 403, 404)  # what any signed-in read can answer besides 200 (422 is added by spectree)
WRITE_ERRORS = (400, 401, 403, 404, 415)  # 400: the CSRF token is missing or expired


def reject_invalid(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """Before the view: a request that does not fit its model gets our JSON 422, not the view."""
    if error is not None:
        abort(invalid_input(error))


def refuse_drift(req: Any, resp: Any, error: Exception | None, instance: Any, adapter: Any) -> None:
    """After the view: an answer that does not fit its documented model is our bug, so a 500."""
    if error is not None:
        log.error("API response of %s does not fit its model: %s", req.path, error)
        abort(500)


spec = SpecTree(
    "flask", mode="strict", annotations=False, title="Aralyk API", version="1",
    description="Read-mostly JSON API for the mobile and low-bandwidth clients. Sign in on the site (session "
                "cookie); writes also send the X-CSRFToken header with the token from GET /api/v1/me.",
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    before=reject_invalid, after=refuse_drift, validation_error_status=422, validation_error_model=ApiError,
    security_schemes=[
        SecurityScheme(name="session", data=SecuritySchemeData(
            type="apiKey", field_in="cookie", name="session", description="The site's session cookie")),
    ],
    security={"session": []},
)


def answers(ok: Any, *errors: int, codes: tuple[str, ...] = ()) -> Response:
    """The documented answers of an operation: the model for 200, ApiError for each error status."""
    return Response(*codes, HTTP_200=ok, **{f"HTTP_{code}": ApiError for code in errors})


def reads(ok: Any) -> Response:
    """A read's answers: 200, or 304 when the client's copy (If-None-Match) is current, or an error."""
    return answers(ok, *READ_ERRORS, codes=("HTTP_304",))


def writes(ok: Any) -> Response:
    """A write's answers: 200 or an error (400 for a missing CSRF token, 415 for a body that is not JSON)."""
    return answers(ok, *WRITE_ERRORS)


def body() -> Any:
    """The validated JSON body of this request; 415 when it was not sent as JSON."""
    found = getattr(getattr(request, "context", None), "json", None)
    if found is None:
        abort(415)
    return found


def query() -> Any:
    """The validated query parameters of this request."""
    return request.context.query


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the current app's API routes (built once per SpecTree)."""
    return spec.spec
