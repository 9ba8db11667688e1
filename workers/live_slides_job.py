"""Turn a webinar's uploaded PDF into page images (``<n>.webp`` and ``<n>.jpg``) for phones.

The pages go under a fresh prefix, and the session points at it in one commit (with a lease check
and the revision it was asked for), so a failed, killed or superseded run never shows half a deck.
The old deck's images are removed after that commit.
"""
from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import update

from media.pdf import Page, PdfRejected
from media.pdf_isolated import render_isolated
from media.storage import NotFound
from webinar.extensions import db, socketio
from webinar.live.room import NAMESPACE, as_message, record, room
from webinar.live.slides import pdf_limits, slides_url, source_key
from webinar.models import LiveSession, SlidesStatus
from webinar.storage import storage
from workers.context import JobContext, JobRejected
from workers.lease import LeaseLost, hold

log = logging.getLogger(__name__)
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}
OWN_KEY = re.compile(r"source-(\d+)\.pdf|r(\d+)-[0-9a-f]+")  # what live/<id>/slides/ holds


def render_slides(ctx: JobContext) -> dict[str, Any]:
    """The job handler: inspect the PDF, render its pages, publish them, remove the old deck."""
    session_id, revision = ctx.payload["session_id"], ctx.payload["revision"]
    session = db.session.get(LiveSession, session_id)
    if session is None or session.slides_revision != revision:
        return {"skipped": "session deleted or slides replaced"}
    db.session.remove()
    prefix = f"live/{session_id}/slides/r{revision}-{uuid.uuid4().hex[:10]}"
    with ctx.work_dir("slides") as work:
        source = Path(work) / "source.pdf"
        try:
            with source.open("wb") as fileobj:
                storage().get(source_key(session_id, revision), fileobj)
        except NotFound:
            return {"skipped": "the PDF is gone (session deleted or slides replaced)"}
        pages = _render(ctx, source, Path(work) / "pages")
        _upload(pages, prefix)
    if not _publish(ctx, prefix, len(pages)):
        storage().delete_prefix(f"{prefix}/")
        return {"skipped": "slides replaced while rendering"}
    _remove_old(session_id, revision, prefix)
    return {"prefix": prefix, "pages": len(pages), "bytes": sum(p.size("webp") for p in pages)}


def _render(ctx: JobContext, source: Path, out: Path) -> list[Page]:
    """Render in a child process; a refused PDF is recorded on the session (the old deck stays)."""
    config = current_app.config
    try:
        return render_isolated(source, out, long_side=config["LIVE_SLIDES_LONG_SIDE"], limits=pdf_limits(),
                               timeout=config["LIVE_SLIDES_TIMEOUT_SECONDS"],
                               memory_bytes=config["LIVE_SLIDES_MEMORY_BYTES"], on_progress=_Reporter(ctx))
    except PdfRejected as exc:
        _refuse(ctx, exc.code)
        storage().delete(source_key(ctx.payload["session_id"], ctx.payload["revision"]))
        raise JobRejected(str(exc)) from exc
    except LeaseLost:
        raise
    except Exception:
        _refuse(ctx, "failed")  # a retry may still succeed; until then the teacher knows
        raise


class _Reporter:
    """Progress for the job row, at most every 2 % (each report is a database write)."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx, self.last = ctx, 0.0

    def __call__(self, fraction: float) -> None:
        if fraction - self.last >= 0.02 or fraction >= 1.0:
            self.last = fraction
            self.ctx.progress(0.9 * fraction, "rendering")


def _upload(pages: list[Page], prefix: str) -> None:
    """Store every page image under the new prefix."""
    for page in pages:
        for fmt, path in page.files.items():
            with path.open("rb") as fileobj:
                storage().put(f"{prefix}/{path.name}", fileobj, content_type=CONTENT_TYPES[fmt])


def _publish(ctx: JobContext, prefix: str, count: int) -> bool:
    """Point the session at the new deck and show its first page, in one commit; False if superseded."""
    values = dict(slides_prefix=prefix, slide_count=count, slides_status=SlidesStatus.READY,
                  slides_error=None, current_slide=1)
    if not _write(ctx, values):
        return False
    session = db.session.get(LiveSession, ctx.payload["session_id"])
    event = record(session, "slide", {"page": 1, "slide_count": count, "slides_url": slides_url(session)})
    db.session.commit()
    socketio.emit("ev", as_message(event), to=room(session.id), namespace=NAMESPACE)
    db.session.remove()
    return True


def _refuse(ctx: JobContext, code: str) -> None:
    """Record why this revision's PDF cannot be shown."""
    if _write(ctx, dict(slides_status=SlidesStatus.FAILED, slides_error=code)):
        db.session.commit()
    db.session.remove()


def _write(ctx: JobContext, values: dict[str, Any]) -> bool:
    """Update this revision's session while this worker holds the job (uncommitted when True)."""
    hold(ctx.job_id, ctx.owner)
    current = db.session.execute(
        update(LiveSession).where(LiveSession.id == ctx.payload["session_id"],
                                  LiveSession.slides_revision == ctx.payload["revision"])
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not current:
        db.session.rollback()
    return current


def _remove_old(session_id: int, revision: int, prefix: str) -> None:
    """Delete earlier decks and PDFs, and this revision's abandoned attempts; newer uploads stay."""
    for key in list(storage().list(f"live/{session_id}/slides/")):
        found = OWN_KEY.fullmatch(key.split("/")[3])
        if found is None or key.startswith(f"{prefix}/"):
            continue
        of = int(found.group(1) or found.group(2))
        if of < revision or (of == revision and found.group(2)):
            storage().delete(key)
    log.info("session %s: slides published under %s", session_id, prefix)
