"""Private files behind expiring signed links (presigned S3 URLs or our own token route)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, send_file, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from media.storage import InvalidKey, LocalStorage
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


def serve_stored(key: str, *, immutable: bool, download_name: str | None = None) -> Response:
    """Send a stored object after the caller checked access (local: byte ranges; S3: a presigned redirect).

    immutable: the key's content never changes (a new version gets a new key or URL), so the
    browser may keep it for a year; otherwise it asks again every time.
    """
    backend = storage()
    if not isinstance(backend, LocalStorage):
        response = redirect(file_url(key, download_name), code=302)
        if immutable:  # reuse the presigned link while it is surely valid, not a new one per view
            response.headers["Cache-Control"] = f"private, max-age={current_app.config['FILE_URL_MAX_AGE'] // 2}"
        return response
    try:
        path = backend.path(key)
    except InvalidKey:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, conditional=True, as_attachment=bool(download_name),
                         download_name=download_name, max_age=None)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable" if immutable else "private, no-cache"
    return response


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
