"""Chat and its moderation on /live: send, delete a message, mute and remove a participant.

Messages are stored as the student typed them (stripped, control characters dropped) and sent as
data; the page puts them in with textContent, so HTML in them is shown, never run.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from webinar.extensions import db, socketio
from webinar.live import attendance
from webinar.live.access import runs
from webinar.live.participants import target
from webinar.live.room import NAMESPACE, Refused, broadcast, field, live_event, seats_of, throttle
from webinar.models import ChatMessage, LiveSession, Participant
from webinar.models.base import utcnow

log = logging.getLogger(__name__)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # keeps \t and \n


def clean_text(value: str, limit: int) -> str:
    """The text to store, or Refused when empty or longer than limit characters."""
    text = CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise Refused(_("Write a message first."))
    if len(text) > limit:
        raise Refused(_("A message can be at most %(n)d characters.", n=limit))
    return text


def speaking(participant: Participant | None) -> None:
    """Refused when the teacher muted this person."""
    if participant is not None and participant.muted:
        raise Refused(_("The teacher turned off your chat and questions."))


@live_event("chat")
def chat(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """A chat message to everyone in the session."""
    speaking(participant)
    text = clean_text(field(data, "text", str), int(current_app.config["LIVE_CHAT_MAX_CHARS"]))
    throttle(session, "chat", current_app.config["LIVE_CHAT_RATE_LIMIT"])
    now = utcnow()
    message = ChatMessage(session_id=session.id, user_id=current_user.id, text=text, t=session.relative(now), at=now)
    db.session.add(message)
    db.session.flush()
    broadcast(session, "chat", {"id": message.id, "user": current_user.id, "name": current_user.full_name,
                                "text": text}, current_user.id)
    return {"id": message.id}


@live_event("chat_delete", who="teacher")
def chat_delete(session: LiveSession, participant: Participant | None, data: Any) -> None:
    """Hide a message from everyone (its row stays, for the reports)."""
    message = db.session.get(ChatMessage, field(data, "id", int))
    if message is None or message.session_id != session.id:
        raise Refused(_("This message does not exist."))
    if not message.deleted:
        message.deleted = True
        broadcast(session, "chat_deleted", {"id": message.id}, current_user.id)


def student(session: LiveSession, data: Any) -> Participant:
    """The participant a moderation event names; Refused for a teacher."""
    found = target(session, field(data, "user", int))
    if runs(session, found.user):
        raise Refused(_("A teacher of the course cannot be muted or removed."))
    return found


@live_event("mute", who="teacher")
def mute(session: LiveSession, participant: Participant | None, data: Any) -> None:
    """Turn a student's chat and questions off (or on again)."""
    muted = field(data, "muted", bool)
    found = student(session, data)
    if found.muted != muted:
        found.muted = muted
        broadcast(session, "muted", {"user": found.user_id, "muted": muted}, current_user.id)


@live_event("remove", who="teacher")
def remove(session: LiveSession, participant: Participant | None, data: Any) -> None:
    """Put a student out of the session for good: their sockets get `removed` and are disconnected."""
    found = student(session, data)
    if found.removed:
        return
    found.removed, found.hand_raised = True, False
    sids = {span.sid for span in attendance.open_spans(session, found.user_id) if span.sid}
    sids |= set(seats_of(session.id, found.user_id))
    now = utcnow()
    for span in attendance.open_spans(session, found.user_id):
        span.left_at = now
    broadcast(session, "removed", {"user": found.user_id}, current_user.id)
    socketio.start_background_task(disconnect_sockets, sorted(sids))


def disconnect_sockets(sids: list[str]) -> None:
    """Disconnect sockets wherever they are (the message queue carries it to the other processes)."""
    for sid in sids:
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:
            log.exception("disconnecting live socket %s failed", sid)
