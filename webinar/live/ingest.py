"""The presenter's stream in this process: one LiveEncoder per session, and its publisher.

`start_part` begins a part (a presenter connection) at the session's current relative time,
`feed` passes it MediaRecorder chunks, `stop_part` ends it (flushes ffmpeg, stores the part's
recording), `finish` ends the session's media (closing playlists) and returns the parts list
kept in `LiveSession.recording_parts` as [{"key", "t", "video"}].
"""
from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from media.ffmpeg import ffmpeg_binary
from media.live import LiveEncoder, LiveEncoderError
from media.webm import NotWebM
from webinar.extensions import db
from webinar.live.publish import Publisher
from webinar.models import LiveSession
from webinar.models.base import utcnow
from webinar.storage import storage

log = logging.getLogger(__name__)
MIME_TYPES = ("video/webm", "audio/webm")
REORDER_WINDOW = 4  # numbered chunks held back waiting for an earlier one before it counts as lost


class IngestError(Exception):
    """The stream cannot be taken; `code` is stable: not_live, format, encoder."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Live:
    """One session's media in this process."""

    app: Flask
    session_id: int
    work_dir: Path
    publisher: Publisher
    encoder: LiveEncoder | None = None
    part: dict[str, Any] | None = None
    pending: dict[int, bytes] = field(default_factory=dict)  # numbered chunks that came early
    next_seq: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


_running: dict[int, _Live] = {}
_registry_lock = threading.Lock()


def work_dir(app: Flask, session_id: int) -> Path:
    """The session's encoder folder under LIVE_WORK_DIR (default <instance>/live)."""
    root = app.config.get("LIVE_WORK_DIR") or Path(app.instance_path) / "live"
    return Path(root) / str(session_id)


def recording_key(session_id: int, index: int) -> str:
    """The storage key of a part's recording."""
    return f"live/{session_id}/recording/part-{index:03d}.webm"


def accepts(mime: str) -> bool:
    """Whether the browser's recording format is one the encoder reads (WebM)."""
    return isinstance(mime, str) and mime.split(";")[0].strip().lower() in MIME_TYPES


def _live(app: Flask, session_id: int) -> _Live:
    """The session's entry, created (with its publisher thread) on first use."""
    with _registry_lock:
        found = _running.get(session_id)
        if found is not None and found.app is not app:  # another app's session of that id (tests)
            found.stop.set()
            found = None
        if found is None:
            folder = work_dir(app, session_id)
            session = db.session.get(LiveSession, session_id)
            if session is not None and not session.recording_parts:
                shutil.rmtree(folder, ignore_errors=True)  # left by a database that was reset: not this session's
            publisher = Publisher(storage(), session_id, folder, app.config["LIVE_HLS_WINDOW"])
            found = _running[session_id] = _Live(app, session_id, folder, publisher)
            found.thread = threading.Thread(target=_publish_loop, args=(found,), daemon=True,
                                            name=f"live-publish-{session_id}")
            found.thread.start()
        return found


def _publish_loop(live: _Live) -> None:
    """Mirror finished files to storage until the session's media is finished."""
    interval = live.app.config["LIVE_PUBLISH_SECONDS"]
    while not live.stop.wait(interval):
        try:
            live.publisher.publish()
        except Exception:  # noqa: BLE001 - a storage hiccup must not end the broadcast
            log.exception("publishing live session %s failed; retrying", live.session_id)


def start_part(app: Flask, session_id: int, video: bool, mime: str) -> dict[str, Any]:
    """Begin a presenter connection's part now (ending a running one); returns the part entry."""
    if not accepts(mime):
        raise IngestError("format")
    live = _live(app, session_id)
    with live.lock:
        if live.encoder is not None:
            _stop(live)
        session = db.session.get(LiveSession, session_id)
        index = len(session.recording_parts or [])
        part = {"key": recording_key(session_id, index), "t": round(session.relative(utcnow()), 3),
                "video": bool(video)}
        live.encoder = LiveEncoder(live.work_dir, index, video=bool(video), offset=part["t"],
                                   binary=ffmpeg_binary(app.config.get("FFMPEG_BINARY")),
                                   recording=live.work_dir / "recording" / f"part-{index:03d}.webm")
        live.part, live.pending, live.next_seq = part, {}, 0
        session.recording_parts = [*(session.recording_parts or []), part]
        session.media_prefix = f"live/{session_id}"
        session.has_video = session.has_video or bool(video)
        db.session.commit()
        log.info("live session %s: part %s started at t=%s (video=%s)", session_id, index, part["t"], video)
        return part


def feed(session_id: int, chunk: bytes, seq: int | None = None) -> None:
    """Pass one MediaRecorder chunk to the session's encoder. Socket.IO may run two handlers of a
    client at once, so numbered chunks (seq from 0 in each part) are put back in order here."""
    live = _running.get(session_id)
    if live is None:
        raise IngestError("not_live")
    with live.lock:
        if live.encoder is None:
            raise IngestError("not_live")
        for ready in _in_order(live, chunk, seq):
            _encode(live, ready)


def _in_order(live: _Live, chunk: bytes, seq: int | None) -> list[bytes]:
    """The chunks that may be encoded now, in order (an unnumbered chunk goes at once)."""
    if seq is None:
        return [chunk]
    if seq >= live.next_seq:
        live.pending[seq] = chunk
    if live.pending and live.next_seq not in live.pending and len(live.pending) > REORDER_WINDOW:
        log.warning("live session %s: chunk %s never came", live.session_id, live.next_seq)
        live.next_seq = min(live.pending)
    ready = []
    while live.next_seq in live.pending:
        ready.append(live.pending.pop(live.next_seq))
        live.next_seq += 1
    return ready


def _encode(live: _Live, chunk: bytes) -> None:
    """Feed the encoder; a stream it cannot take ends the part."""
    try:
        live.encoder.feed(chunk)
    except NotWebM:
        _stop(live)
        raise IngestError("format") from None
    except LiveEncoderError:
        log.exception("live session %s: encoder gave up", live.session_id)
        _stop(live)
        raise IngestError("encoder") from None


def stop_part(session_id: int) -> None:
    """End the running part, if any: flush ffmpeg, publish, store the part's recording."""
    live = _running.get(session_id)
    if live is not None:
        with live.lock:
            _stop(live)


def _stop(live: _Live) -> None:
    """stop_part under the session's lock."""
    encoder, part = live.encoder, live.part
    if encoder is None or part is None:
        return
    live.encoder = live.part = None
    encoder.close(live.app.config["LIVE_ENCODER_CLOSE_SECONDS"])
    if encoder.fed_bytes == 0:  # went live and left without a sound: not a part of the recording
        session = db.session.get(LiveSession, live.session_id)
        session.recording_parts = [p for p in session.recording_parts or [] if p["key"] != part["key"]]
        db.session.commit()
        return
    live.publisher.publish()
    with encoder.recording.open("rb") as handle:
        live.publisher.storage.put(part["key"], handle, content_type="video/webm")
    log.info("live session %s: part %s stopped (%s bytes)", live.session_id, part["key"], encoder.fed_bytes)


def running(session_id: int) -> bool:
    """Whether this process is encoding a part of the session now."""
    live = _running.get(session_id)
    return live is not None and live.encoder is not None


def finish(session_id: int) -> list[dict[str, Any]]:
    """Stop everything for the session, close its playlists, clean up; returns its parts."""
    with _registry_lock:
        live = _running.pop(session_id, None)
    if live is not None:
        live.stop.set()
        if live.thread is not None:
            live.thread.join(timeout=30)
        with live.lock:
            _stop(live)
            live.publisher.publish(ended=True)
        shutil.rmtree(live.work_dir, ignore_errors=True)
    session = db.session.get(LiveSession, session_id)
    return list(session.recording_parts or []) if session is not None else []
