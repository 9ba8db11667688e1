"""The tus 1.0 protocol's vocabulary: headers in, headers out, plain-text refusals."""
from __future__ import annotations

import base64
import binascii
from datetime import datetime

from flask import Response, current_app, request
from flask_babel import gettext as _
from werkzeug.http import http_date

from webinar.uploads.purposes import UploadRefused

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration,checksum"
CHECKSUM_ALGORITHM = "sha1"
CHECKSUM_BYTES = 20
OCTET_STREAM = "application/offset+octet-stream"
REASONS = {460: "Checksum Mismatch"}  # tus's own status, unknown to werkzeug


def text(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """A short plain-text answer, with tus's reason phrase for its own statuses."""
    response = Response(message, status=status, mimetype="text/plain", headers=headers)
    if status in REASONS:
        response.status = f"{status} {REASONS[status]}"
    return response


def capabilities() -> dict[str, str]:
    """What OPTIONS tells a client about this server."""
    return {
        "Tus-Version": VERSION,
        "Tus-Extension": EXTENSIONS,
        "Tus-Max-Size": str(current_app.config["UPLOAD_MAX_BYTES"]),
        "Tus-Checksum-Algorithm": CHECKSUM_ALGORITHM,
    }


def expires_header(when: datetime) -> dict[str, str]:
    """Upload-Expires, as an HTTP date."""
    return {"Upload-Expires": http_date(when)}


def size_header(name: str) -> int:
    """A required non-negative integer header (Upload-Length, Upload-Offset)."""
    value = request.headers.get(name, "").strip()
    if not (value.isascii() and value.isdigit()):
        raise UploadRefused(400, _("The upload request is incomplete. Reload the page and try again."))
    return int(value)


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated "key base64(value)" pairs (the value may be absent)."""
    metadata: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _space, encoded = pair.partition(" ")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            value = None
        if value is None or not key.isascii() or key in metadata or "\x00" in value:
            raise UploadRefused(400, _("The file's details could not be read. Reload the page and try again."))
        metadata[key] = value
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    """The inverse of parse_metadata, for HEAD."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode('ascii')}" if value else key
        for key, value in metadata.items()
    )


def parse_checksum(header: str | None) -> bytes | None:
    """Upload-Checksum "sha1 <base64 digest>" as the digest bytes; None when absent."""
    if header is None:
        return None
    algorithm, _space, encoded = header.strip().partition(" ")
    if algorithm.lower() != CHECKSUM_ALGORITHM:
        raise UploadRefused(400, _("This checksum algorithm is not supported. Use sha1."))
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != CHECKSUM_BYTES:
        raise UploadRefused(400, _("The checksum could not be read. Reload the page and try again."))
    return digest
