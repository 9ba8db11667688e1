"""A webinar's slides: the uploaded PDF stored and queued for page images, and why one was refused.

Each PDF is a new `slides_revision`. Its job (workers/live_slides_job.py) renders the pages under a
fresh prefix and points the session at it in one commit, so students see the old deck until the new
one is complete, and the old deck stays when the new PDF is refused.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from flask import current_app, has_request_context, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from media.pdf import PdfLimits
from webinar.extensions import db
from webinar.i18n import file_size
from webinar.models import Job, LiveSession, SlidesStatus, User
from webinar.storage import storage
from workers import new_job

SLIDES_KIND = "live_slides"

_REASONS = {
    "empty": _l("The PDF is empty: it has no pages. Export the slides again and upload the new file."),
    "too_large": _l("The PDF is larger than the limit of %(limit)s. Export it with compressed pictures and upload it again."),
    "not_pdf": _l("This file is not a PDF. Save or export the slides as PDF (in PowerPoint: File → Save As → PDF) and upload that file."),
    "damaged": _l("The PDF is damaged or incomplete. Export it again, or copy the whole file again, and upload it."),
    "encrypted": _l("The PDF is protected with a password. Save a copy without the password and upload that one."),
    "too_many_pages": _l("The PDF has more pages than the limit of %(max)s. Remove the pages you will not show, or split it into parts."),
    "too_complex": _l("The PDF's pages are too complex to turn into pictures in time. Export it again with simpler pages (flattened pictures, no effects) and upload it."),
    "huge_image": _l("A page of the PDF holds a picture far too large to show. Export the slides with compressed pictures and upload them again."),
}
_UNKNOWN = _l("The slides could not be prepared. Try again later; if it keeps failing, send the PDF to the administrator.")


def pdf_limits() -> PdfLimits:
    """The slide PDF limits from the app config."""
    config = current_app.config
    return PdfLimits(max_bytes=config["LIVE_SLIDES_MAX_BYTES"], max_pages=config["LIVE_SLIDES_MAX_PAGES"])


def slides_message(code: str | None, params: dict[str, Any] | None = None) -> str:
    """The translated reason a PDF was refused (limits default to the configured ones)."""
    reason = _REASONS.get(code or "")
    if reason is None:
        return str(_UNKNOWN)
    limits = pdf_limits()
    shown = {"limit": file_size((params or {}).get("max", limits.max_bytes)),
             "max": format_decimal(limits.max_pages)}
    if code == "too_many_pages" and params and "max" in params:
        shown["max"] = format_decimal(params["max"])
    return str(reason) % shown


def source_key(session_id: int, revision: int) -> str:
    """Where one revision's PDF is kept."""
    return f"live/{session_id}/slides/source-{revision}.pdf"


def attach_pdf(session: LiveSession, source: Path | str | IO[bytes], user: User) -> Job:
    """Store the PDF as the session's next slides and add its job (uncommitted: the caller commits,
    then dispatches the job). The current slides stay shown until the new ones are ready."""
    if session.id is None or session.slides_revision is None:
        db.session.flush()
    session.slides_revision += 1
    key = source_key(session.id, session.slides_revision)
    if isinstance(source, (str, Path)):
        with Path(source).open("rb") as fileobj:
            storage().put(key, fileobj, content_type="application/pdf")
    else:
        storage().put(key, getattr(source, "stream", source), content_type="application/pdf")
    session.slides_status, session.slides_error = SlidesStatus.PROCESSING, None
    return new_job(SLIDES_KIND, {"session_id": session.id, "revision": session.slides_revision}, user.id)


def deck_of(prefix: str) -> str:
    """The last part of a slides prefix (``r3-1a2b…``): it names one rendered deck."""
    return prefix.rsplit("/", 1)[-1]


def slides_url(session: LiveSession) -> str | None:
    """The current deck's page-image URL with ``{n}`` for the page, or None without slides.

    Built by hand (it mirrors slide_routes.slide_image's rule) so the job can send it too, with
    no request to build URLs from.
    """
    if not session.slides_prefix or session.slide_count < 1:
        return None
    root = request.script_root if has_request_context() else current_app.config["APPLICATION_ROOT"].rstrip("/")
    return f"{root}/live/{session.id}/slides/{deck_of(session.slides_prefix)}/{{n}}.webp"
