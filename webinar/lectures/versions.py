"""The versions a student can choose and download, each with its size."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from webinar.models import Lecture


def megabytes(size: int) -> str:
    """A size for people: '9 MB', '0.4 MB'."""
    value = size / 1_000_000
    return _("%(n)s MB", n=f"{value:.1f}" if value < 10 else f"{value:.0f}")


def versions(lecture: Lecture) -> list[dict]:
    """Data saver first, then each video tier from the smallest, with its size in MB."""
    manifest = lecture.manifest or {}
    audio = manifest.get("audio", {}).get("audio_opus", {}).get("bytes", 0)
    slides = sum(s.get("bytes", 0) for s in manifest.get("slides", []))
    choices = [{"id": "saver", "label": _("Audio + slides · %(size)s", size=megabytes(audio + slides))}]
    for index, tier in enumerate(manifest.get("video", [])):
        choices.append({"id": f"level-{index}", "level": index,
                        "label": f"{tier['name']} · {megabytes(tier['bytes'])}"})
    return choices


def downloads(lecture: Lecture) -> list[dict]:
    """The offline copies for a USB stick, with sizes shown before downloading."""
    manifest = lecture.manifest or {}
    found = []
    if item := manifest.get("offline_mp4"):
        found.append({"kind": "mp4", "label": _("Small video (MP4, 240p)"), "size": megabytes(item["bytes"])})
    if item := manifest.get("bundle"):
        found.append({"kind": "bundle", "label": _("Audio + slides for offline use (ZIP)"),
                      "size": megabytes(item["bytes"])})
    for item in found:
        item["url"] = url_for("lectures.download", lecture_id=lecture.id, kind=item["kind"])
    return found
