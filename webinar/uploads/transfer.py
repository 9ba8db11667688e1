"""Moving bytes: a PATCH body into the staged file, a complete upload to its purpose."""
from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import request
from flask_babel import gettext as _
from sqlalchemy import update
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from webinar.extensions import db
from webinar.models.base import utcnow
from webinar.models.uploads import StagedFileMissing, Upload, UploadBusy, discard, expiry, hold
from webinar.uploads import purposes
from webinar.uploads.purposes import UploadRefused

CHUNK_BYTES = 256 * 1024


@dataclass
class Received:
    """What one PATCH body brought."""

    written: int = 0
    cut: bool = False  # the client went away mid-body
    overflow: bool = False  # the body ran past Upload-Length
    digest: bytes = b""


def receive(file: BinaryIO, stream: BinaryIO, offset: int, room: int) -> Received:
    """Copy the body into the file at offset in small chunks, hashing as it goes; never past room bytes."""
    file.seek(offset)
    sha1 = hashlib.sha1()
    got = Received()
    try:
        while chunk := stream.read(min(CHUNK_BYTES, room - got.written + 1)):
            if got.written + len(chunk) > room:
                got.overflow = True
                break
            file.write(chunk)
            sha1.update(chunk)
            got.written += len(chunk)
    except RequestEntityTooLarge:
        got.overflow = True
    except ClientDisconnected:
        got.cut = True
    got.digest = sha1.digest()
    return got


def fresh(key: str) -> Upload:
    """The upload as the database has it now (in a new transaction); 404 when it was deleted meanwhile."""
    db.session.rollback()  # also drops anything a refusing purpose left in the session
    upload = db.session.get(Upload, key, populate_existing=True)
    if upload is None:
        raise UploadRefused(404, _("This upload does not exist. Start the upload again."))
    return upload


class FinishedMeanwhile(Exception):
    """A concurrent request finished the upload (and its purpose took the staged file)."""


@contextmanager
def held(upload: Upload) -> Iterator[BinaryIO]:
    """The staged file under its lock; 423 while another request has it, 410 when it is lost."""
    try:
        with hold(upload.staged_path) as file:
            yield file
    except UploadBusy:
        raise UploadRefused(423, _("The upload is busy with another request. Try again in a moment.")) from None
    except StagedFileMissing:
        if fresh(upload.id).finished_at is not None:
            raise FinishedMeanwhile(upload.id) from None
        raise UploadRefused(410, _("The uploaded data was lost. Start the upload again.")) from None


def take_body(key: str, file: BinaryIO, claimed: int, expected: bytes | None) -> None:
    """Append the request body at the claimed offset; the caller holds the staged file."""
    upload = fresh(key)  # the offset as of now, under the lock
    if upload.finished_at is not None or claimed != upload.offset:
        raise UploadRefused(409, _("The upload was interrupted. Resume it to continue from where it stopped."))
    offset, length, room = upload.offset, upload.length, upload.length - upload.offset
    if (request.content_length or 0) > room:
        raise UploadRefused(413, _("More data was sent than the file's size."))
    db.session.commit()  # no transaction stays open while the body trickles in
    got = receive(file, request.stream, offset, room)
    bad = got.overflow or (expected is not None and (got.cut or got.digest != expected))
    _settle(file, offset if bad else offset + got.written)
    if got.overflow:
        raise UploadRefused(413, _("More data was sent than the file's size."))
    if bad and not got.cut:
        raise UploadRefused(460, _("The data was damaged on the way. Resume the upload to send it again."))
    if not bad:
        _advance(key, offset, got.written, length)
    if got.cut:
        raise UploadRefused(400, _("The connection broke. Resume the upload when it is back."))


def conclude(upload: Upload) -> str | None:
    """The complete upload's result URL, handing it to its purpose first if that has not happened yet."""
    if upload.finished_at is None:
        try:
            with held(upload):
                return _finish(upload.id)
        except FinishedMeanwhile:
            pass
    return upload.result_url


def forget(upload: Upload) -> None:
    """Delete the upload's row, then its staged file; 423 while another request writes it."""
    path = upload.staged_path
    try:
        with hold(path):
            _delete(upload, path)
    except StagedFileMissing:
        _delete(upload, path)
    except UploadBusy:
        raise UploadRefused(423, _("The upload is busy with another request. Try again in a moment.")) from None


def _delete(upload: Upload, path: Path) -> None:
    db.session.delete(upload)
    db.session.commit()
    discard(path)


def _finish(key: str) -> str | None:
    """Call the purpose's finish exactly once; the caller holds the staged file."""
    upload = fresh(key)
    if upload.finished_at is not None:
        return upload.result_url
    part = upload.staged_path
    handed = part.with_suffix(".finish")
    handed.unlink(missing_ok=True)  # left by a crash during an earlier finish
    os.link(part, handed)  # the purpose may move this name away; the locked one stays until the mark is in
    try:
        url = purposes.get(upload.purpose).finish(upload, handed)
        marked = db.session.execute(
            update(Upload).where(Upload.id == key, Upload.finished_at.is_(None))
            .values(finished_at=utcnow(), result_url=url)
        )
        if marked.rowcount != 1:
            raise UploadRefused(409, _("This upload was already finished."))
        db.session.commit()  # the purpose's rows and the finished mark together
    finally:
        handed.unlink(missing_ok=True)
    part.unlink()
    return url


def _settle(file: BinaryIO, size: int) -> None:
    """Cut the staged file to size and make it durable before the database says so."""
    file.truncate(size)
    file.flush()
    os.fsync(file.fileno())


def _advance(key: str, offset: int, written: int, length: int) -> None:
    """Move the offset on, if nobody else did (belt and braces with the file lock)."""
    now = utcnow()
    values = {"offset": offset + written, "expires_at": expiry(now)}
    if written and offset + written == length:
        values["completed_at"] = now
    moved = db.session.execute(
        update(Upload).where(Upload.id == key, Upload.offset == offset).values(**values)
    )
    if moved.rowcount != 1:
        db.session.rollback()
        raise UploadRefused(409, _("The upload was interrupted. Resume it to continue from where it stopped."))
    db.session.commit()
