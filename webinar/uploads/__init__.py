"""Resumable uploads over tus 1.0, for any registered purpose (lecture recordings first)."""
from flask import Blueprint

from webinar.extensions import csrf

bp = Blueprint("uploads", __name__, url_prefix="/uploads")
# Flask-WTF's global check reads the body before a view could lift MAX_CONTENT_LENGTH for a
# multi-GB PATCH; hooks.guard runs the same check right after setting the upload's own limit.
csrf.exempt(bp)

from webinar.uploads import hooks, routes  # noqa: E402,F401
from webinar.uploads.purposes import UploadPurpose, UploadRefused, get, register  # noqa: E402

__all__ = ["UploadPurpose", "UploadRefused", "bp", "get", "register"]
