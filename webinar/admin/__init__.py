"""Administration: accounts, roster imports, jobs."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from webinar.admin import routes, roster_routes  # noqa: E402,F401  (routes attach to bp)
