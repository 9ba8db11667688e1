"""Private files behind expiring signed links (presigned S3 URLs or our own token route)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from media.storage import LocalStorage
from webinar.access import public
from webinar.storage import storage

bp = Blueprint("files", __name__, url_prefix="/files")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="aralyk.files")


def file_url(key: str, filename: str | None = None) -> str:
    """A link to a stored object that only works for a while; check access before making one."""
    max_age = current_app.config["FILE_URL_MAX_AGE"]
    url = storage().url(key, expires=max_age, filename=filename)
    if url is not None:
        return url
    return url_for("files.serve", token=_signer().dumps({"k": key, "n": filename}))


@bp.get("/<token>")
@public  # the signed, expiring token is the permission
def serve(token: str):
    """Serve a local object named by a valid token, with byte ranges for media seeking."""
    try:
        claim = _signer().loads(token, max_age=current_app.config["FILE_URL_MAX_AGE"])
    except BadSignature:
        abort(404)
    backend = storage()
    if not isinstance(backend, LocalStorage):
        abort(404)
    path = backend.path(claim["k"])
    if not path.is_file():
        abort(404)
    name = claim.get("n")
    response = send_file(path, conditional=True, as_attachment=bool(name), download_name=name)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
