"""The plumbing every live event shares: who the socket is, the authorization check, the broadcast.

A socket joins one session (`join`); from then on `seat()` says which session and user it is.
Every handler is declared with `@live_event(name, who=...)`, which checks on **every** call that
the user may still do this in this session, validates the payload's shape and size, and turns a
refusal into an ack of `{"ok": False, "error": <translated sentence>}`.

`broadcast()` persists a LiveEvent in the caller's transaction, commits, and emits `ev` = {seq, kind,
t, data} to the session's room. seq counts 1, 2, 3… per session (LiveSession.last_seq, bumped with
the session row locked until commit), so commit order is seq order on every database and a client
that sees seq jump by more than one knows it missed something.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse
from limits.storage import MemoryStorage, MovingWindowSupport, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from sqlalchemy import update

from webinar.extensions import db, socketio
from webinar.live.access import may_enter, runs
from webinar.models import LiveEvent, LiveSession, LiveStatus, Participant
from webinar.models.base import utcnow

log = logging.getLogger(__name__)
NAMESPACE = "/live"
MAX_PAYLOAD_BYTES = 4096  # text events; media chunks have their own limit
EVENTS: dict[str, str] = {}  # event name → who may send it ('unseated': before joining), for the authorization tests


@dataclass
class Seat:
    """Which session and person a socket is in."""

    session_id: int
    user_id: int
    presenter: bool = False
    span_id: int | None = None  # the AttendanceSpan this socket opened


_seats: dict[str, Seat] = {}
_seats_lock = threading.Lock()


def seat(sid: str | None = None) -> Seat | None:
    """The seat of this socket (or of sid), if it joined a session."""
    with _seats_lock:
        return _seats.get(sid or request.sid)


def take_seat(new: Seat) -> None:
    with _seats_lock:
        _seats[request.sid] = new


def leave_seat(sid: str | None = None) -> Seat | None:
    with _seats_lock:
        return _seats.pop(sid or request.sid, None)


def seats_of(session_id: int, user_id: int | None = None) -> list[str]:
    """Socket ids in this process seated in the session (optionally: one person's)."""
    with _seats_lock:
        return [sid for sid, s in _seats.items()
                if s.session_id == session_id and (user_id is None or s.user_id == user_id)]


def room(session_id: int) -> str:
    return f"live-{session_id}"


def person_room(session_id: int, user_id: int) -> str:
    """The room of one person's sockets in a session (on every process, through the message queue)."""
    return f"live-{session_id}-u-{user_id}"


class Refused(Exception):
    """A live event that may not be carried out; the message is already translated."""


def payload_size(data: Any) -> int:
    """Bytes of a text payload as JSON (binary payloads are measured as they are)."""
    if isinstance(data, (bytes, bytearray)):
        return len(data)
    try:
        return len(json.dumps(data, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        return MAX_PAYLOAD_BYTES + 1


def current_session(*, after_end: bool = False) -> tuple[LiveSession, Participant | None]:
    """The seated session and the user's participant row; Refused if not seated or not allowed now."""
    found = seat()
    if found is None or not current_user.is_authenticated or found.user_id != current_user.id:
        raise Refused(_("Join the webinar first."))
    session = db.session.get(LiveSession, found.session_id)
    if session is None or not may_enter(session, current_user):
        raise Refused(_("This webinar is not open to you."))
    if session.status == LiveStatus.ENDED and not after_end:
        raise Refused(_("This webinar has ended."))
    participant = db.session.get(Participant, (session.id, current_user.id))
    if participant is not None and participant.removed:
        raise Refused(_("The teacher removed you from this webinar."))
    return session, participant


def live_event(name: str, *, who: str = "anyone", max_bytes: int = MAX_PAYLOAD_BYTES,
               seated: bool = True, after_end: bool = False) -> Callable:
    """Register a /live handler: who is 'anyone' (seated students and teachers), 'teacher' or
    'presenter'. The handler gets (session, participant, data) and returns the ack's extra fields.
    Events are refused once the session ended unless after_end (catching up still works)."""
    EVENTS[name] = who if seated else "unseated"

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def wrapper(data: Any = None) -> dict[str, Any]:
            try:
                if payload_size(data) > max_bytes:
                    raise Refused(_("The message is too long."))
                if not seated:
                    return {"ok": True, **(handler(data) or {})}
                session, participant = current_session(after_end=after_end)
                if who in ("teacher", "presenter") and not runs(session, current_user):
                    raise Refused(_("Only the teacher can do this."))
                if who == "presenter" and not seat().presenter:
                    raise Refused(_("Go live first."))
                return {"ok": True, **(handler(session, participant, data) or {})}
            except Refused as refusal:
                db.session.rollback()
                return {"ok": False, "error": str(refusal)}
            except Exception:
                db.session.rollback()
                log.exception("live event %s failed", name)
                return {"ok": False, "error": _("Something went wrong. Try again.")}
            finally:
                db.session.remove()

        socketio.on_event(name, wrapper, namespace=NAMESPACE)
        return wrapper

    return decorate


def next_seq(session_id: int) -> int:
    """Take the session's next sequence number; the row stays locked until the caller commits."""
    table = LiveSession.__table__
    return db.session.execute(update(table).where(table.c.id == session_id)
                              .values(last_seq=table.c.last_seq + 1).returning(table.c.last_seq)).scalar_one()


def record(session: LiveSession, kind: str, data: dict[str, Any], user_id: int | None = None) -> LiveEvent:
    """Add the event to the caller's transaction (not committed, not emitted)."""
    now = utcnow()
    event = LiveEvent(session_id=session.id, seq=next_seq(session.id), kind=kind, user_id=user_id,
                      t=session.relative(now), at=now, data=data)
    db.session.add(event)
    return event


def as_message(event: LiveEvent) -> dict[str, Any]:
    """What clients get for an event."""
    return {"seq": event.seq, "kind": event.kind, "t": round(event.t, 2), "data": event.data}


def broadcast(session: LiveSession, kind: str, data: dict[str, Any], user_id: int | None = None) -> dict[str, Any]:
    """Persist the event with the caller's pending changes, commit, then send it to the room."""
    event = record(session, kind, data, user_id)
    db.session.commit()
    message = as_message(event)
    socketio.emit("ev", message, to=room(session.id), namespace=NAMESPACE)
    return message


def field(data: Any, key: str, kind: type, *, required: bool = True) -> Any:
    """A typed field of a payload dict, or Refused."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None and not required:
        return None
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise Refused(_("The request was not understood."))
    return value


_limiter_lock = threading.Lock()


def _rate_limiter() -> RateLimiter:
    """The app's limiter for live events, on RATELIMIT_STORAGE_URI (Redis when scaled out)."""
    with _limiter_lock:
        found = current_app.extensions.get("aralyk.live_limits")
        if found is None:
            storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
            strategy = MovingWindowRateLimiter if isinstance(storage, MovingWindowSupport) else FixedWindowRateLimiter
            found = current_app.extensions["aralyk.live_limits"] = strategy(storage)
        return found


def _fallback_limiter() -> RateLimiter:
    """This process's own counts, used while the shared storage (Redis) is unreachable."""
    with _limiter_lock:
        found = current_app.extensions.get("aralyk.live_limits_fallback")
        if found is None:
            found = current_app.extensions["aralyk.live_limits_fallback"] = MovingWindowRateLimiter(MemoryStorage())
        return found


def throttle(session: LiveSession, name: str, rule: str) -> None:
    """Count one `name` event of the current user; Refused when over rule (e.g. '3 per minute').
    While Redis is down each process counts on its own, as Flask-Limiter's fallback does."""
    limiter, item = _rate_limiter(), parse(rule)
    keys = (current_app.config.get("RATELIMIT_KEY_PREFIX") or "aralyk", "live", name, str(session.id),
            str(current_user.id))
    try:
        allowed = limiter.hit(item, *keys)
    except limiter.storage.base_exceptions as exc:
        log.warning("live limits: storage unreachable (%s); counting in this process", exc)
        limiter = _fallback_limiter()
        allowed = limiter.hit(item, *keys)
    if not allowed:
        wait = max(1, math.ceil(limiter.get_window_stats(item, *keys).reset_time - time.time()))
        raise Refused(_("Too fast: wait %(seconds)d s and try again.", seconds=wait))
