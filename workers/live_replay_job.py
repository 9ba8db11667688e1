"""A webinar's recording parts, joined into one file, become its replay lecture's recording.

The lecture pipeline then does the rest, as for an upload: the audio tier first, the slides the
teacher showed and the chat (webinar/live/timeline.py), then the video tiers and offline copies.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from media.ffmpeg import ffmpeg_binary
from media.live import assemble_recording
from webinar.extensions import db
from webinar.lectures.service import attach_source
from webinar.models import Lecture, LiveSession
from webinar.storage import storage
from workers import dispatch
from workers.context import JobContext


def make_replay(ctx: JobContext) -> dict[str, Any]:
    """Join the parts (gaps filled so times stay in sync) and hand the file to the lecture job."""
    session = db.session.get(LiveSession, ctx.payload["session_id"])
    lecture = db.session.get(Lecture, ctx.payload["lecture_id"])
    if session is None or lecture is None:
        return {"skipped": "webinar or its lecture deleted"}
    if lecture.source_key:
        return {"skipped": "the replay already has its recording"}  # a retry after the hand-over
    creator = lecture.created_by or session.course.teachers[0]
    with ctx.work_dir("replay") as work:
        parts = fetch_parts(session.recording_parts, Path(work))
        ctx.progress(0.3, "joining")
        recording = Path(work) / "recording.mkv"
        assemble_recording(parts, recording, binary=ffmpeg_binary(current_app.config.get("FFMPEG_BINARY")))
        job, _ = attach_source(lecture, recording, f"{lecture.title}.mkv", creator)
        db.session.commit()
    for folder in ("hls", "recording"):  # the lecture has its own copy now; the live files have done their work
        storage().delete_prefix(f"live/{session.id}/{folder}/")
    dispatch(job.id)
    return {"lecture_id": lecture.id, "parts": len(parts), "job": job.id}


def fetch_parts(parts: list[dict[str, Any]], work: Path) -> list[dict[str, Any]]:
    """Copy each stored part into the work directory; the entries gain a local `path`."""
    local = []
    for index, part in enumerate(parts):
        path = work / f"part-{index}.webm"
        with path.open("wb") as fileobj:
            storage().get(part["key"], fileobj)
        local.append({**part, "path": path})
    return local
