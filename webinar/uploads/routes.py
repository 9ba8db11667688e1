"""tus 1.0 endpoints: discover, create, report on, append to and terminate resumable uploads."""
from __future__ import annotations

import uuid

from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webinar.access import public, signed_in
from webinar.extensions import db, limiter
from webinar.i18n import file_size
from webinar.models.base import utcnow
from webinar.models.uploads import Upload, expiry
from webinar.uploads import bp, purposes, transfer, tus
from webinar.uploads.purposes import UploadRefused


@bp.route("/", methods=["OPTIONS"], endpoint="options")
@bp.route("/<upload_id>", methods=["OPTIONS"], endpoint="options")
@public  # what the server supports, nothing about anyone's uploads
def options(upload_id: str | None = None) -> Response:
    """OPTIONS: the protocol version, extensions, size limit and checksum algorithm."""
    return Response(status=204, headers=tus.capabilities())


def _creation_limit() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]


def _user_key() -> str:
    return f"user:{current_user.id}"  # not get_id(): it changes with the password, and the count must not


@bp.route("/", methods=["POST"], provide_automatic_options=False)
@signed_in  # the purpose decides who may upload what
@limiter.limit(_creation_limit, key_func=_user_key)
def create() -> Response:
    """POST: start an upload of Upload-Length bytes for the purpose named in Upload-Metadata."""
    if "Upload-Defer-Length" in request.headers:
        raise UploadRefused(400, _("The file's size must be known before the upload starts."))
    length = tus.size_header("Upload-Length")
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata", ""))
    purpose = purposes.get(metadata.get("purpose", ""))
    purpose.authorize(current_user._get_current_object(), metadata)
    _check_size(length, min(purpose.max_bytes(), current_app.config["UPLOAD_MAX_BYTES"]))
    upload = _start(metadata, length)
    location = url_for("uploads.resource", upload_id=upload.id, _external=True)
    return Response(status=201, headers={"Location": location, **tus.expires_header(upload.expires_at)})


def _check_size(length: int, limit: int) -> None:
    """Refuse empty files and files over the limit before a byte is sent."""
    if length == 0:
        raise UploadRefused(400, _("The file is empty (0 bytes). Choose another file."))
    if length > limit:
        raise UploadRefused(413, _("The file is larger than the limit of %(limit)s.", limit=file_size(limit)))


def _start(metadata: dict[str, str], length: int) -> Upload:
    """The row and its empty staged file."""
    now = utcnow()
    upload = Upload(id=str(uuid.uuid4()), user_id=current_user.id, purpose=metadata["purpose"],
                    meta=metadata, filename=metadata.get("filename", "")[:255], length=length,
                    offset=0, created_at=now, expires_at=expiry(now))
    upload.staged_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    upload.staged_path.touch(mode=0o600, exist_ok=False)
    db.session.add(upload)
    db.session.commit()
    return upload


@bp.route("/<upload_id>", methods=["HEAD", "PATCH", "DELETE", "POST"], provide_automatic_options=False)
@signed_in  # only the user who created an upload finds it
def resource(upload_id: str) -> Response:
    """HEAD, PATCH or DELETE one upload; POST with X-HTTP-Method-Override for proxies without PATCH."""
    method = request.method
    if method == "POST":
        method = request.headers.get("X-HTTP-Method-Override", "").upper()
    handler = {"HEAD": report, "PATCH": append, "DELETE": terminate}.get(method)
    if handler is None:
        abort(405, valid_methods=["HEAD", "PATCH", "DELETE", "OPTIONS"])
    return handler(_owned(upload_id))


def _owned(upload_id: str) -> Upload:
    """The signed-in user's upload; 404 for anyone else's or none, 410 once it expired."""
    try:
        key = str(uuid.UUID(upload_id))
    except ValueError:
        key = None
    upload = db.session.get(Upload, key) if key else None
    if upload is None or upload.user_id != current_user.id:
        raise UploadRefused(404, _("This upload does not exist. Start the upload again."))
    if upload.is_expired(utcnow()):
        raise UploadRefused(410, _("This upload was left unfinished too long and was removed. Start it again."))
    return upload


def _progress(upload: Upload) -> dict[str, str]:
    """Offset, then expiry or (once finished, which a complete upload now gets) where the client goes next."""
    url = transfer.conclude(upload) if upload.is_complete else None
    headers = {"Upload-Offset": str(upload.offset)}
    if upload.finished_at is None:
        headers |= tus.expires_header(upload.expires_at)
    if url:
        headers["Aralyk-Location"] = url
    return headers


def report(upload: Upload) -> Response:
    """HEAD: how far the upload got (finishing it if all bytes are in but it was not finished)."""
    headers = {"Upload-Length": str(upload.length), "Upload-Metadata": tus.encode_metadata(upload.meta)}
    return Response(status=200, headers=headers | _progress(upload))


def append(upload: Upload) -> Response:
    """PATCH: write the body at Upload-Offset; the request that completes the upload finishes it."""
    if request.mimetype != tus.OCTET_STREAM:
        raise UploadRefused(415, _("The upload request is incomplete. Reload the page and try again."))
    claimed = tus.size_header("Upload-Offset")
    expected = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    if upload.finished_at is None:
        try:
            with transfer.held(upload) as file:
                transfer.take_body(upload.id, file, claimed, expected)
        except transfer.FinishedMeanwhile:
            pass
        upload = transfer.fresh(upload.id)
    if upload.finished_at is not None and (claimed != upload.offset or request.content_length):
        raise UploadRefused(409, _("This upload was already finished."))
    return Response(status=204, headers=_progress(upload))


def terminate(upload: Upload) -> Response:
    """DELETE: forget the upload and its bytes."""
    transfer.forget(upload)
    return Response(status=204)
