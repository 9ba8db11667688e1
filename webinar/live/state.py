"""What a joining client gets: the whole state (snapshot) or the events it missed (catch-up).

Each part of the snapshot is one function call, so the Q&A, polls, hands and media parts can be
filled in by their own modules (webinar/live/protocol.md names the shapes).
"""
from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import func, select

from webinar.extensions import db
from webinar.live.access import runs
from webinar.live.interaction import hands_state, poll_state, questions_state
from webinar.live.room import as_message
from webinar.models import AttendanceSpan, ChatMessage, LiveEvent, LiveSession, Participant, User

CHAT_IN_SNAPSHOT = 100
CATCH_UP_LIMIT = 500


def last_seq(session: LiveSession) -> int:
    """The sequence number of the session's latest event (0 when none yet)."""
    return db.session.scalar(select(LiveSession.__table__.c.last_seq).where(LiveSession.id == session.id)) or 0


def events_since(session: LiveSession, since: int, limit: int = CATCH_UP_LIMIT) -> list[dict[str, Any]] | None:
    """The events after since, in order; None when the client should take a snapshot instead."""
    if since < 0 or since > last_seq(session):
        return None
    rows = db.session.scalars(select(LiveEvent).where(LiveEvent.session_id == session.id, LiveEvent.seq > since)
                              .order_by(LiveEvent.seq).limit(limit + 1)).all()
    return None if len(rows) > limit else [as_message(row) for row in rows]


def snapshot(session: LiveSession, user: User) -> dict[str, Any]:
    """The whole state as the user sees it now; seq is read first, so nothing falls between."""
    seq = last_seq(session)
    return {"seq": seq, "snapshot": True, "you": you(session, user), "session": describe(session),
            "chat": chat(session), "questions": questions(session, user), "poll": poll(session, user),
            "hands": hands(session), "online": online(session)}


def catch_up(session: LiveSession, user: User, since: int | None) -> dict[str, Any]:
    """The join/catch_up answer: the missed events when there are few enough, else a snapshot."""
    events = events_since(session, since) if since is not None else None
    if events is None:
        return snapshot(session, user)
    seq = events[-1]["seq"] if events else since
    return {"seq": seq, "snapshot": False, "you": you(session, user), "session": describe(session),
            "events": events}


def you(session: LiveSession, user: User) -> dict[str, Any]:
    """The user's own standing."""
    participant = db.session.get(Participant, (session.id, user.id))
    return {"id": user.id, "name": user.full_name, "teacher": runs(session, user),
            "muted": bool(participant and participant.muted), "hand": bool(participant and participant.hand_raised)}


def describe(session: LiveSession) -> dict[str, Any]:
    """The session's public facts and where its media is."""
    return {"id": session.id, "title": session.title, "status": session.status.value,
            "starts_at": session.starts_at.isoformat(), "on_air": session.presenter_id is not None,
            "has_video": session.has_video, "slide": session.current_slide, "slide_count": session.slide_count,
            "lecture_url": url_for("lectures.show", lecture_id=session.lecture_id) if session.lecture_id else None,
            **media(session)}


def media(session: LiveSession) -> dict[str, Any]:
    """URLs of the slides and the live audio/video (filled in by the slides and ingest modules)."""
    from webinar.live.media_routes import media_urls  # the routes import this module's package
    from webinar.live.slides import slides_url

    return {"audio_url": None, "audio_hls": None, "video_hls": None, **media_urls(session.id),
            "slides_url": slides_url(session)}


def chat_line(message: ChatMessage) -> dict[str, Any]:
    """One chat message as clients get it (a deleted one keeps its place, not its text)."""
    return {"id": message.id, "user": message.user_id, "name": message.user.full_name if message.user else "",
            "text": "" if message.deleted else message.text, "t": round(message.t, 2), "deleted": message.deleted}


def chat(session: LiveSession) -> list[dict[str, Any]]:
    """The last messages, oldest first."""
    rows = db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == session.id)
                              .order_by(ChatMessage.id.desc()).limit(CHAT_IN_SNAPSHOT)).all()
    return [chat_line(row) for row in reversed(rows)]


def questions(session: LiveSession, user: User) -> list[dict[str, Any]]:
    """The Q&A, oldest first (webinar/live/questions.py)."""
    return questions_state(session, user)


def poll(session: LiveSession, user: User) -> dict[str, Any] | None:
    """The open or last closed poll (webinar/live/polls.py)."""
    return poll_state(session, user)


def hands(session: LiveSession) -> list[dict[str, Any]]:
    """Raised hands, in the order they went up (webinar/live/interaction.py)."""
    return hands_state(session)


def online(session: LiveSession) -> int:
    """People connected now, on every process: those with an open attendance span."""
    return db.session.scalar(select(func.count(func.distinct(AttendanceSpan.user_id)))
                             .where(AttendanceSpan.session_id == session.id, AttendanceSpan.left_at.is_(None))) or 0
