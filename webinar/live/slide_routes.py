"""Slides of a webinar over HTTP: the teacher uploads a PDF, everyone in the session gets page images."""
from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug import Response

from media.pdf import PdfRejected, sniff_pdf
from webinar.access import roles, signed_in
from webinar.extensions import db
from webinar.files import serve_stored
from webinar.live import bp
from webinar.live.access import session_for
from webinar.live.slides import attach_pdf, deck_of, pdf_limits, slides_message
from webinar.models import Role
from workers import dispatch

# Forms that carry a slides PDF, above the app's MAX_CONTENT_LENGTH (the CSRF check reads the body
# before any view runs, so the limit is lifted in a URL preprocessor, which runs before it).
PDF_FORMS = {"live.upload_slides", "live.schedule"}
FORM_SLACK = 256 * 1024  # the rest of the multipart body: boundaries, the token, the other fields


class SlidesForm(FlaskForm):
    """One PDF file (its content is checked, not its name)."""

    file = FileField(_l("Slides (PDF)"), validators=[FileRequired(_l("Choose a PDF file."))])


class SlidesTooLarge(Exception):
    """The request declares a body larger than a slides PDF may be."""


@bp.url_value_preprocessor
def lift_pdf_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let the PDF forms through up to LIVE_SLIDES_MAX_BYTES; refuse a larger body before reading it."""
    if endpoint not in PDF_FORMS or request.method != "POST":
        return
    allowed = current_app.config["LIVE_SLIDES_MAX_BYTES"] + FORM_SLACK
    if (request.content_length or 0) > allowed:
        raise SlidesTooLarge()
    request.max_content_length = allowed


@bp.errorhandler(SlidesTooLarge)
def too_large(error: SlidesTooLarge) -> Response:
    """Back to the page the form is on, with the limit in words."""
    flash(slides_message("too_large"), "error")
    session_id = (request.view_args or {}).get("session_id")
    return redirect(url_for("live.show", session_id=session_id) if session_id else request.path)


@bp.post("/live/<int:session_id>/slides")
@roles(Role.TEACHER, Role.ADMIN)
def upload_slides(session_id: int) -> Response:
    """Take a new PDF for the session's slides; its pages are prepared in the background."""
    session = session_for(current_user, session_id, manage=True)
    back = redirect(url_for("live.show", session_id=session.id))
    form = SlidesForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return back
    with TemporaryDirectory() as work:
        path = Path(work) / "slides.pdf"
        form.file.data.save(path)
        try:
            sniff_pdf(path, pdf_limits())  # the quick checks now, so a wrong file costs no wait
        except PdfRejected as refusal:
            flash(slides_message(refusal.code, refusal.params), "error")
            return back
        job = attach_pdf(session, path, current_user)
        db.session.commit()
    dispatch(job.id)
    flash(_("The PDF was received. Its pages are being prepared; students see them once they are ready."),
          "success")
    return back


@bp.get("/live/<int:session_id>/slides/<int:page>.<any(webp, jpg):fmt>")
@bp.get("/live/<int:session_id>/slides/<deck>/<int:page>.<any(webp, jpg):fmt>")
@signed_in
def slide_image(session_id: int, page: int, fmt: str, deck: str | None = None) -> Response:
    """One page image for the people of the session; the current deck's URL is cached for good."""
    session = session_for(current_user, session_id)
    if not session.slides_prefix or not 1 <= page <= session.slide_count:
        abort(404)
    # An old deck's URL (or none) gets the current deck's page, which must then not be kept.
    current = deck == deck_of(session.slides_prefix)
    return serve_stored(f"{session.slides_prefix}/{page}.{fmt}", immutable=current)
