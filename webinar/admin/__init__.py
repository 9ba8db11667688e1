"""Administration: accounts, roster imports, jobs."""
from flask import Blueprint, Response

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.after_request
def no_store(response: Response) -> Response:
    """Admin pages show one-time passwords and login lists: never kept by a shared browser or a proxy."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from webinar.admin import routes, roster_routes  # noqa: E402,F401  (routes attach to bp)
