"""The JSON API under /api/v1 for the mobile and low-bandwidth clients, described by an OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the API's routes (its errors are JSON: see webinar.errors and webinar.access)."""
    # the routes (and the caching hook) attach to bp when their modules are imported
    from webinar.api import (announcements, caching, courses, document, lectures, materials, me,  # noqa: F401
                             webinars)
    app.register_blueprint(bp)
