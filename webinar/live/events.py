"""The /live Socket.IO namespace: connecting, joining and catching up, leaving, ending.

Chat and moderation are in webinar/live/chat.py; Q&A, polls, hands and slides in interaction.py.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app, request
from flask_babel import format_datetime, gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from webinar.extensions import db, socketio
from webinar.live import attendance, coalesce, state
from webinar.live.access import lobby_is_open, lobby_opens, may_enter, runs
from webinar.live.participants import enter
from webinar.live.room import (NAMESPACE, Refused, Seat, broadcast, field, leave_seat, live_event, person_room,
                               room, seat, take_seat, throttle)
from webinar.models import LiveSession, LiveStatus, User
from webinar.models.base import utcnow

log = logging.getLogger(__name__)


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth: Any = None) -> None:
    """Only signed-in people may open a live socket, once a generated password has been changed."""
    if not current_user.is_authenticated:
        raise ConnectionRefusedError(_("Sign in first."))
    if current_user.must_change_password:  # as every page does (webinar/access.py)
        raise ConnectionRefusedError(_("Change your password on the site first."))


@live_event("join", seated=False)
def join(data: Any) -> dict[str, Any]:
    """Enter a session: seat, attendance span, rooms; answer with the snapshot or the missed events."""
    session_id = field(data, "session", int)
    since = field(data, "since", int, required=False)
    session = db.session.get(LiveSession, session_id)
    let_in(session)
    enter(session, current_user)
    span_id = new_span(session, current_user) if session.status != LiveStatus.ENDED else None
    db.session.commit()
    if span_id is not None:
        sit_down(session, current_user.id, span_id)
    announce_presence(session)
    return state.catch_up(session, current_user, since)


def let_in(session: LiveSession | None) -> None:
    """Refused unless the user may enter now: their course, the lobby open (students), not too often."""
    if session is None or not may_enter(session, current_user):
        raise Refused(_("This webinar is not open to you."))
    if session.status != LiveStatus.ENDED and not (runs(session, current_user) or lobby_is_open(session)):
        opens = format_datetime(lobby_opens(session), "HH:mm")
        raise Refused(_("You can join from %(time)s, a little before the start.", time=opens))
    throttle(session, "join", current_app.config["LIVE_JOIN_RATE_LIMIT"])


def new_span(session: LiveSession, user: User) -> int | None:
    """This socket's attendance span (None if it already sits in the session), closing stale ones."""
    mine = seat()
    if mine is not None and mine.session_id == session.id:
        return None
    if mine is not None:
        stand_up(mine)
    close_stale_spans(session, user.id)
    span = attendance.open_span(session, user.id, request.sid)
    db.session.flush()
    return span.id


def sit_down(session: LiveSession, user_id: int, span_id: int) -> None:
    """Seat the socket and put it in the session's room and its person's room (after the commit)."""
    take_seat(Seat(session.id, user_id, span_id=span_id))
    join_room(room(session.id))
    join_room(person_room(session.id, user_id))


def stand_up(gone: Seat) -> None:
    """Leave another session this socket sat in: close its span, leave its rooms."""
    leave_seat()
    if gone.span_id:
        attendance.close_span(gone.span_id)
    leave_room(room(gone.session_id))
    leave_room(person_room(gone.session_id, gone.user_id))


def close_stale_spans(session: LiveSession, user_id: int) -> None:
    """Close the person's open spans whose socket is gone from this process (a crash, a lost disconnect)."""
    manager = socketio.server.manager
    for span in attendance.open_spans(session, user_id):
        if not span.sid or not manager.is_connected(span.sid, NAMESPACE):
            span.left_at = utcnow()


def announce_presence(session: LiveSession) -> None:
    """Tell the room how many people are connected, at most once a second: 500 joining at the start
    would otherwise be 500 broadcasts to up to 500 people (most of their joining time, measured)."""
    session_id = session.id

    def flush() -> None:
        found = db.session.get(LiveSession, session_id)
        if found is not None:
            socketio.emit("presence", {"online": state.online(found)}, to=room(session_id), namespace=NAMESPACE)

    coalesce.soon(("presence", session_id), flush)


@live_event("catch_up", after_end=True)
def catch_up(session: LiveSession, participant: Any, data: Any) -> dict[str, Any]:
    """The events after since (or a snapshot when too far behind)."""
    return state.catch_up(session, current_user, field(data, "since", int))


@socketio.on("disconnect", namespace=NAMESPACE)
def disconnect(reason: Any = None) -> None:
    """Close the socket's attendance span and seat; the presenter's going stops the broadcast."""
    gone = leave_seat()
    if gone is None:
        return
    try:
        if gone.span_id:
            attendance.close_span(gone.span_id)
            db.session.commit()
        session = db.session.get(LiveSession, gone.session_id)
        if session is not None:
            announce_presence(session)
        if gone.presenter:
            presenter_gone(request.sid)
    except Exception:
        db.session.rollback()
        log.exception("leaving live session %s failed", gone.session_id)
    finally:
        db.session.remove()


def presenter_gone(sid: str) -> None:
    """Hand the presenter's departure to webinar/live/presenting.py (tolerated missing until it lands)."""
    try:
        from webinar.live.presenting import presenter_gone as gone
    except ModuleNotFoundError as missing:
        if missing.name != "webinar.live.presenting":
            raise
        log.warning("presenter socket %s left but webinar.live.presenting is not there yet", sid)
        return
    gone(sid)


@live_event("end", who="teacher")
def end(session: LiveSession, participant: Any, data: Any) -> dict[str, Any]:
    """End the session for everyone; the answer and the `ended` event carry the replay's URL."""
    from webinar.live.lifecycle import end_session  # it imports the lecture and job machinery

    lecture_url = end_session(session)
    broadcast(session, "ended", {"lecture_url": lecture_url})
    return {"lecture_url": lecture_url}


from webinar.live import chat  # noqa: E402,F401  (registers chat and moderation handlers)
