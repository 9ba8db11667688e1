"""Moving a run's files into storage, and what the offline bundle needs from the app."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _

from media.storage import Storage
from webinar.config import LANGUAGES
from webinar.extensions import db
from webinar.models import Caption, Lecture
from webinar.storage import storage

MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
    ".webp": "image/webp",
    ".vtt": "text/vtt",
    ".zip": "application/zip",
    ".mp4": "video/mp4",
}


def register_media_types() -> None:
    """Teach mimetypes (used by send_file) the HLS and WebVTT types."""
    for suffix, media_type in MEDIA_TYPES.items():
        mimetypes.add_type(media_type, suffix)


def put_tree(target: Storage, root: Path, prefix: str) -> list[str]:
    """Store every file under root as prefix/relative-path; returns the keys written."""
    keys = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(root).as_posix()}"
        if target.exists(key):
            continue  # written by an earlier phase of this run
        with path.open("rb") as fileobj:
            target.put(key, fileobj, content_type=MEDIA_TYPES.get(path.suffix))
        keys.append(key)
    return keys


def stage_captions(lecture_id: int, directory: Path) -> dict[str, Path]:
    """Copy the lecture's caption files into a directory; returns language → file."""
    directory.mkdir(parents=True, exist_ok=True)
    staged = {}
    for caption in db.session.query(Caption).filter_by(lecture_id=lecture_id):
        path = directory / f"{caption.lang}.vtt"
        with path.open("wb") as fileobj:
            storage().get(caption.key, fileobj)
        staged[caption.lang] = path
    return staged


def bundle_labels(lecture_id: int) -> dict[str, str]:
    """The offline page's words, in the language of the teacher who uploaded the lecture."""
    lecture = db.session.get(Lecture, lecture_id)
    creator = lecture.created_by if lecture else None
    locale = (creator.locale if creator else None) or "ky"
    with force_locale(locale):
        return {
            "lang": locale,
            "play": _("Listen"),
            "slides": _("Slides"),
            "slide": _("Slide"),
            "captions": _("Captions"),
            "captions_off": _("Off"),
            "no_audio": _("This browser cannot play the audio:"),
            **{f"lang_{code}": name for code, name in LANGUAGES.items()},
        }
