"""Going live: the presenter lock, the media chunks, stopping, and the presenter's socket leaving.

One presenter at a time per session: `go_live` takes `LiveSession.presenter_id/presenter_sid`
with a conditional UPDATE (free, or already this user's: a reconnect takes it over), so two
teachers pressing at once cannot both win, on any number of processes.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select, update

from webinar.extensions import db
from webinar.live import ingest
from webinar.live.room import Refused, broadcast, field, live_event, seat
from webinar.models import LiveSession, LiveStatus
from webinar.models.base import utcnow

log = logging.getLogger(__name__)
MAX_CHUNK_BYTES = 512 * 1024  # the protocol's ceiling; LIVE_MEDIA_MAX_BYTES may be lower


def take_presenter(session_id: int, user_id: int, sid: str) -> bool:
    """Take the presenter lock if free or already this user's; sets started_at on the first go-live."""
    taken = db.session.execute(
        update(LiveSession)
        .where(LiveSession.id == session_id, LiveSession.status != LiveStatus.ENDED,
               or_(LiveSession.presenter_id.is_(None), LiveSession.presenter_id == user_id))
        .values(presenter_id=user_id, presenter_sid=sid, status=LiveStatus.LIVE)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return False
    db.session.execute(update(LiveSession).where(LiveSession.id == session_id, LiveSession.started_at.is_(None))
                       .values(started_at=utcnow()).execution_options(synchronize_session=False))
    return True


def release_presenter(session_id: int, sid: str) -> bool:
    """Free the lock if this socket holds it."""
    freed = db.session.execute(
        update(LiveSession).where(LiveSession.id == session_id, LiveSession.presenter_sid == sid)
        .values(presenter_id=None, presenter_sid=None).execution_options(synchronize_session=False))
    return freed.rowcount == 1


INGEST_REFUSALS = {
    "format": lambda: _("Your browser records in a format the server cannot take. Use Chrome or Firefox."),
    "not_live": lambda: _("Go live first."),
    "encoder": lambda: _("The broadcast could not be encoded. Stop and go live again."),
}


def _refusal(error: ingest.IngestError) -> Refused:
    """The translated sentence for an ingest error."""
    return Refused(INGEST_REFUSALS.get(error.code, INGEST_REFUSALS["encoder"])())


@live_event("go_live", who="teacher")
def go_live(session: LiveSession, participant: Any, data: Any) -> dict[str, Any]:
    """Start presenting (microphone, maybe camera or screen); a second presenter is refused."""
    video, mime = field(data, "video", bool), field(data, "mime", str)
    if not ingest.accepts(mime):
        raise Refused(INGEST_REFUSALS["format"]())
    if not take_presenter(session.id, current_user.id, request.sid):
        raise Refused(_("Someone else is presenting in this webinar now."))
    db.session.commit()
    db.session.refresh(session)
    try:
        part = ingest.start_part(current_app._get_current_object(), session.id, video, mime)
    except ingest.IngestError as error:
        release_presenter(session.id, request.sid)
        db.session.commit()
        raise _refusal(error) from None
    except Exception:
        release_presenter(session.id, request.sid)
        db.session.commit()
        raise
    seat().presenter = True
    broadcast(session, "on_air", {"on": True, "video": video}, current_user.id)
    return {"t": part["t"]}


@live_event("media", who="presenter", max_bytes=MAX_CHUNK_BYTES)
def media(session: LiveSession, participant: Any, data: Any) -> dict[str, Any]:
    """One MediaRecorder chunk of the presenter's stream: bytes, or {seq, data} numbered from 0 per go_live."""
    seq, chunk = _chunk(data)
    if len(chunk) > current_app.config["LIVE_MEDIA_MAX_BYTES"]:
        raise Refused(_("The message is too long."))
    if session.presenter_sid != request.sid:
        raise Refused(_("Someone else is presenting in this webinar now."))
    try:
        ingest.feed(session.id, chunk, seq)
    except ingest.IngestError as error:
        raise _refusal(error) from None
    return {}


def _chunk(data: Any) -> tuple[int | None, bytes]:
    """(seq, bytes) of a media payload; Refused if it is neither bytes nor {seq: int, data: bytes}."""
    seq = None
    if isinstance(data, dict):
        seq, data = field(data, "seq", int), data.get("data")
        if seq < 0:
            raise Refused(_("The request was not understood."))
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise Refused(_("The request was not understood."))
    return seq, bytes(data)


@live_event("stop_live", who="presenter")
def stop_live(session: LiveSession, participant: Any, data: Any) -> dict[str, Any]:
    """Stop presenting; the session stays open (going live again starts a new part)."""
    seat().presenter = False
    _off_air(session, request.sid)
    return {}


def _off_air(session: LiveSession, sid: str) -> None:
    """End the part and tell the room, if this socket was the presenter."""
    if session.presenter_sid != sid:
        return
    ingest.stop_part(session.id)
    release_presenter(session.id, sid)
    db.session.refresh(session)
    broadcast(session, "on_air", {"on": False, "video": False})


def presenter_gone(sid: str) -> None:
    """The presenter's socket disconnected: stop its part and free the lock (any other sid: nothing)."""
    session = db.session.scalars(select(LiveSession).where(LiveSession.presenter_sid == sid)).first()
    if session is None:
        return
    log.info("presenter socket %s of live session %s left", sid, session.id)
    _off_air(session, sid)
