"""Turn a PDF teaching file into page images (``<n>.webp`` and ``<n>.jpg``) for phones.

Follows workers/live_slides_job.py: the pages go under a fresh prefix beside the version's file,
and the version points at it in one commit made while this worker holds the job; a version deleted
meanwhile gets its new pages removed again. A refused PDF stays downloadable, with the reason kept.
"""
from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import update

from media.pdf import Page, PdfRejected, render_pages
from media.storage import NotFound
from webinar.extensions import db
from webinar.materials.service import pdf_limits
from webinar.models import MaterialVersion, PagesStatus
from webinar.storage import storage
from workers.context import JobContext, JobRejected
from workers.lease import LeaseLost, hold

log = logging.getLogger(__name__)
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


def render_material_pages(ctx: JobContext) -> dict[str, Any]:
    """The job handler: render the version's PDF, store the pages, point the version at them."""
    version = db.session.get(MaterialVersion, ctx.payload["version_id"])
    if version is None:
        return {"skipped": "the material was deleted"}
    key = version.key
    prefix = f"{key.rsplit('.', 1)[0]}-pages-{uuid.uuid4().hex[:8]}"
    db.session.remove()
    with ctx.work_dir("material") as work:
        source = Path(work) / "source.pdf"
        try:
            with source.open("wb") as fileobj:
                storage().get(key, fileobj)
        except NotFound:
            return {"skipped": "the file is gone (material deleted)"}
        pages = _render(ctx, source, Path(work) / "pages")
        _upload(pages, prefix)
    weight = sum(p.size("webp") for p in pages)
    if not _write(ctx, dict(pages_status=PagesStatus.READY, pages_prefix=prefix, page_count=len(pages),
                            pages_bytes=weight, pages_error=None)):
        storage().delete_prefix(f"{prefix}/")
        return {"skipped": "the material was deleted while rendering"}
    return {"prefix": prefix, "pages": len(pages), "bytes": weight}


def _render(ctx: JobContext, source: Path, out: Path) -> list[Page]:
    """Render every page; a refused PDF is recorded on the version (it stays downloadable)."""
    try:
        return render_pages(source, out, long_side=current_app.config["MATERIALS_PAGE_LONG_SIDE"],
                            limits=pdf_limits(), on_progress=lambda f: ctx.progress(0.05 + 0.85 * f))
    except PdfRejected as exc:
        _write(ctx, dict(pages_status=PagesStatus.FAILED, pages_error=exc.code))
        raise JobRejected(str(exc)) from exc
    except LeaseLost:
        raise
    except Exception:
        _write(ctx, dict(pages_status=PagesStatus.FAILED, pages_error="failed"))  # a retry may still succeed
        raise


def _upload(pages: list[Page], prefix: str) -> None:
    """Store every page image under the new prefix."""
    for page in pages:
        for fmt, path in page.files.items():
            with path.open("rb") as fileobj:
                storage().put(f"{prefix}/{path.name}", fileobj, content_type=CONTENT_TYPES[fmt])


def _write(ctx: JobContext, values: dict[str, Any]) -> bool:
    """Update the version while this worker holds the job, and commit; False if the version is gone."""
    hold(ctx.job_id, ctx.owner)
    found = db.session.execute(
        update(MaterialVersion).where(MaterialVersion.id == ctx.payload["version_id"])
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    db.session.remove()
    return found
