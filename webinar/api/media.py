"""A lecture's published media as links: every one goes through the lectures' authorized media routes."""
from __future__ import annotations

from flask import url_for

from webinar.api.schemas import (AudioOut, CaptionOut, DownloadOut, LectureDetail, LectureOut, ProgressOut,
                                 SlideOut, VersionOut)
from webinar.models import Lecture, WatchProgress

AUDIO = (("audio_opus", "opus", 'audio/webm; codecs="opus"'), ("audio_aac", "aac", 'audio/mp4; codecs="mp4a.40.2"'))
DOWNLOADS = (("offline_mp4", "mp4"), ("bundle", "bundle"))


def progress_out(lecture: Lecture, row: WatchProgress | None) -> ProgressOut:
    """Where the user stopped and the share they played (zero before they started)."""
    if row is None:
        return ProgressOut(position=0.0, share=0.0)
    return ProgressOut(position=max(row.position, 0.0), share=round(row.share(lecture.duration), 3))


def media_url(lecture: Lecture, path: str) -> str:
    """The authorized route of one published file."""
    return url_for("lectures.media", lecture_id=lecture.id, name=path)


def versions(manifest: dict) -> list[VersionOut]:
    """Data saver (audio + slides) first, then each video tier from the smallest, with sizes in bytes."""
    audio = manifest.get("audio", {}).get("audio_opus", {}).get("bytes", 0)
    slides = sum(s.get("bytes", 0) for s in manifest.get("slides", []))
    found = [VersionOut(id="saver", kind="saver", name="audio+slides", bytes=audio + slides)]
    for index, tier in enumerate(manifest.get("video", [])):
        found.append(VersionOut(id=f"level-{index}", kind="video", name=tier["name"], bytes=tier["bytes"],
                                width=tier.get("width"), height=tier.get("height")))
    return found


def lecture_detail(lecture: Lecture, summary: LectureOut) -> LectureDetail:
    """The lecture's summary with its versions, media, captions and offline downloads."""
    manifest = (lecture.manifest or {}) if lecture.is_playable else {}
    audio = manifest.get("audio", {})
    return LectureDetail(
        **summary.model_dump(), versions=versions(manifest) if manifest else [],
        audio=[AudioOut(format=fmt, mime=mime, bytes=entry["bytes"], url=media_url(lecture, entry["path"]))
               for name, fmt, mime in AUDIO if (entry := audio.get(name))],
        video_playlist=media_url(lecture, "video.m3u8") if manifest.get("video") else None,
        slides=[SlideOut(t=s["start"], bytes=s.get("bytes", 0), url=media_url(lecture, s["file"]))
                for s in manifest.get("slides", [])],
        captions=[CaptionOut(lang=c.lang, url=url_for("lectures.caption", lecture_id=lecture.id, lang=c.lang))
                  for c in lecture.captions],
        downloads=[DownloadOut(kind=kind, bytes=entry["bytes"],
                               url=url_for("lectures.download", lecture_id=lecture.id, kind=kind))
                   for name, kind in DOWNLOADS if (entry := manifest.get(name))])
