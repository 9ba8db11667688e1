"""Resumable uploads in progress: the row holds the offset, a staged file holds the bytes."""
from __future__ import annotations

import fcntl
import logging
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import current_app
from sqlalchemy import JSON, BigInteger, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from webinar.extensions import db
from webinar.models.base import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class UploadBusy(Exception):
    """Another request is writing (or finishing) this upload right now."""


class StagedFileMissing(Exception):
    """The upload's staged file is gone (deleted, expired, or taken by its purpose)."""


class Upload(db.Model):
    """One tus upload: who sent it, for what purpose, how far it got, what became of it."""

    __tablename__ = "upload"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    meta: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)  # "metadata" is reserved
    filename: Mapped[str] = mapped_column(String(255), default="")
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # every byte received
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # handed to its purpose
    result_url: Mapped[str | None] = mapped_column(String(2000))

    @property
    def is_complete(self) -> bool:
        """Whether every byte has arrived."""
        return self.offset >= self.length

    def is_expired(self, now: datetime) -> bool:
        """Whether the upload was left unfinished for too long (finished ones never expire)."""
        return self.finished_at is None and self.expires_at <= now

    @property
    def staged_path(self) -> Path:
        """Where the received bytes wait until the purpose takes them."""
        return staging_dir() / f"{self.id}.part"


def staging_dir() -> Path:
    """UPLOAD_STAGING_DIR, or the instance folder's uploads/."""
    configured = current_app.config.get("UPLOAD_STAGING_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def expiry(now: datetime) -> datetime:
    """When an upload last active at now expires."""
    return now + timedelta(hours=current_app.config["UPLOAD_EXPIRY_HOURS"])


@contextmanager
def hold(path: Path) -> Iterator[BinaryIO]:
    """The staged file, open for writing under an exclusive lock (released on exit, or if the process dies).

    Raises UploadBusy when another request holds it and StagedFileMissing when it is gone.
    """
    try:
        file = path.open("r+b")
    except FileNotFoundError:
        raise StagedFileMissing(path.name) from None
    with file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy(path.name) from None
        yield file


def discard(path: Path) -> None:
    """Remove a staged file and what an interrupted finish may have left beside it."""
    path.unlink(missing_ok=True)
    path.with_suffix(".finish").unlink(missing_ok=True)


def expire_uploads(now: datetime | None = None) -> int:
    """Delete unfinished uploads idle past their expiry, with their staged files; return how many."""
    now = now or utcnow()
    expired = db.session.scalars(
        select(Upload).where(Upload.finished_at.is_(None), Upload.expires_at <= now)
    ).all()
    removed = 0
    for upload in expired:
        path, key = upload.staged_path, upload.id
        try:
            with hold(path):
                removed += _remove_if_expired(key, path, now)
        except UploadBusy:
            log.info("upload %s expired but is receiving bytes; kept", key)
        except StagedFileMissing:
            removed += _remove_if_expired(key, path, now)
    return removed


def _remove_if_expired(key: str, path: Path, now: datetime) -> int:
    """Delete the row unless a request refreshed or finished it meanwhile, then its files; 1 if removed."""
    result = db.session.execute(delete(Upload).where(
        Upload.id == key, Upload.finished_at.is_(None), Upload.expires_at <= now
    ))
    db.session.commit()
    if result.rowcount:
        discard(path)
    return result.rowcount
