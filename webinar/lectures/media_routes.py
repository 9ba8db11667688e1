"""Published media, captions and downloads, each checked against the lecture's audience.

Nothing here has a guessable public URL: every request is authorized by the session, and S3
objects are reached through short-lived presigned redirects.
"""
from __future__ import annotations

import re

from flask import abort

from webinar.access import signed_in
from webinar.files import serve_stored as _serve
from webinar.lectures import bp
from webinar.lectures.player import viewable_lecture
from webinar.models import Lecture

SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-/]{1,200}$")
DOWNLOADS = {"mp4": ("offline_mp4", ".mp4"), "bundle": ("bundle", ".zip")}


@bp.get("/lectures/<int:lecture_id>/media/<path:name>")
@signed_in
def media(lecture_id: int, name: str):
    """One file of the published renditions (playlist, segment, audio file, slide still)."""
    lecture, _ = viewable_lecture(lecture_id)
    if not lecture.media_prefix or not SAFE_NAME.match(name) or ".." in name:
        abort(404)
    return _serve(f"{lecture.media_prefix}/{name}", immutable=True)


@bp.get("/lectures/<int:lecture_id>/captions/<lang>.vtt")
@signed_in
def caption(lecture_id: int, lang: str):
    """A caption file for the player."""
    lecture, _ = viewable_lecture(lecture_id)
    found = next((c for c in lecture.captions if c.lang == lang), None) or abort(404)
    return _serve(found.key, immutable=False)


@bp.get("/lectures/<int:lecture_id>/download/<kind>")
@signed_in
def download(lecture_id: int, kind: str):
    """An offline copy, saved under the lecture's title."""
    lecture, _ = viewable_lecture(lecture_id)
    entry_name, suffix = DOWNLOADS.get(kind) or abort(404)
    entry = (lecture.manifest or {}).get(entry_name) or abort(404)
    return _serve(f"{lecture.media_prefix}/{entry['path']}", immutable=True,
                  download_name=download_name(lecture, suffix))


def download_name(lecture: Lecture, suffix: str) -> str:
    """The file name a student sees on the USB stick: the title, kept readable."""
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", lecture.title).strip()[:80] or "lecture"
    return f"{title}{suffix}"
