"""Recorded lectures: upload, processing status, the player, downloads and watch progress."""
from flask import Blueprint, Flask

bp = Blueprint("lectures", __name__)


def init_app(app: Flask) -> None:
    """Media types for send_file, and the lecture upload purpose for the tus endpoint."""
    from webinar.lectures.packaging import register_media_types
    from webinar.lectures.upload import register_purpose
    register_media_types()
    register_purpose()

from webinar.lectures import manage, media_routes, player, reports  # noqa: E402,F401
