"""Answers a phone can keep: private, revalidated with an ETag, so an unchanged list costs a 304 and no body."""
from __future__ import annotations

from flask import Response, request

from webinar.api import bp


@bp.after_request
def revalidate(response: Response) -> Response:
    """after_request: a JSON read gets an ETag and a 304 when the client's copy is current; errors are not kept."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json:
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        return response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
