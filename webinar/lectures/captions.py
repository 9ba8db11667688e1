"""WebVTT captions: checked, stored per language, and bundled with the offline copy."""
from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from webinar.extensions import db
from webinar.lectures.forms import CAPTION_LANGUAGES
from webinar.models import Caption, Lecture, LectureStatus
from webinar.storage import storage
from workers import enqueue

BUNDLE_KIND = "lecture_bundle"


def read_vtt(upload: FileStorage, limit: int) -> str:
    """The caption text, or raises ValueError with a translated reason."""
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(_("The caption file is too large (over %(kb)s KB).", kb=limit // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("Save the caption file as UTF-8 text and try again.")) from None
    if not text.startswith("WEBVTT"):
        raise ValueError(_("This is not a WebVTT file: it must begin with the word WEBVTT."))
    return text


def attach(lecture: Lecture, lang: str, upload: FileStorage) -> str | None:
    """Store captions for one language; returns a translated problem, or None when done."""
    if lang not in CAPTION_LANGUAGES:
        return _("Choose a language and a .vtt file.")
    try:
        text = read_vtt(upload, current_app.config["CAPTION_MAX_BYTES"])
    except ValueError as problem:
        return str(problem)
    key = f"lectures/{lecture.id}/captions/{lang}-{uuid.uuid4().hex[:8]}.vtt"
    storage().put_bytes(key, text.encode("utf-8"), content_type="text/vtt")
    caption = next((c for c in lecture.captions if c.lang == lang), None)
    old_key = caption.key if caption else None
    if caption is None:
        lecture.captions.append(Caption(lang=lang, key=key))
    else:
        caption.key = key
    db.session.commit()
    if old_key:
        storage().delete(old_key)
    refresh_bundle(lecture)
    return None


def remove(lecture: Lecture, lang: str) -> None:
    """Delete one language's captions."""
    caption = next((c for c in lecture.captions if c.lang == lang), None)
    if caption is not None:
        key = caption.key
        lecture.captions.remove(caption)
        db.session.commit()
        storage().delete(key)
        refresh_bundle(lecture)


def refresh_bundle(lecture: Lecture) -> None:
    """Rebuild the offline bundle so it carries the current captions."""
    if lecture.status == LectureStatus.READY and lecture.media_prefix:
        enqueue(BUNDLE_KIND, {"lecture_id": lecture.id, "revision": lecture.revision})
