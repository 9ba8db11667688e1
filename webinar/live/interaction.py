"""Taking part besides chat: raised hands, slide changes and reactions (Q&A and polls in their own modules).

Importing this module registers every interaction event: questions.py (ask, upvote, answered),
polls.py (poll_open, vote, poll_close) and the ones here (hand, lower_hand, slide, react).
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webinar.extensions import db
from webinar.live import coalesce
from webinar.live.access import runs
from webinar.live.polls import poll_state
from webinar.live.questions import questions_state
from webinar.live.room import Refused, broadcast, field, live_event, throttle
from webinar.models import LiveSession, Participant, User
from webinar.models.base import utcnow

__all__ = ["REACTIONS", "hands_state", "poll_state", "questions_state"]

REACTIONS = ("👍", "👏", "❤️", "😂", "😮", "❓")


def participant_row(session: LiveSession, participant: Participant | None) -> Participant:
    """The current user's participant row, made if joining did not make one."""
    if participant is None:
        participant = Participant(session_id=session.id, user_id=current_user.id)
        db.session.add(participant)
    return participant


@live_event("hand")
def hand(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """A student raises or lowers their hand; the change goes to everyone."""
    if runs(session, current_user):
        raise Refused(_("Only students raise hands."))
    up = field(data, "up", bool)
    participant = participant_row(session, participant)
    if participant.hand_raised != up:
        throttle(session, "hand", current_app.config["LIVE_HAND_RATE_LIMIT"])
        participant.hand_raised, participant.hand_raised_at = up, utcnow() if up else None
        broadcast(session, "hand", {"user": current_user.id, "name": current_user.full_name, "up": up},
                  user_id=current_user.id)
    return {"up": up}


@live_event("lower_hand", who="teacher")
def lower_hand(session: LiveSession, participant: Participant | None, data: Any) -> None:
    """The teacher lowers a student's hand (nothing happens if it is down already)."""
    other = db.session.get(Participant, (session.id, field(data, "user", int)))
    if other is not None and other.hand_raised:
        other.hand_raised, other.hand_raised_at = False, None
        broadcast(session, "hand", {"user": other.user_id, "name": other.user.full_name, "up": False},
                  user_id=current_user.id)


def hands_state(session: LiveSession) -> list[dict[str, Any]]:
    """Raised hands for the snapshot, in the order they went up (not of people the teacher removed)."""
    rows = db.session.execute(
        select(Participant.user_id, User.full_name).join(User, User.id == Participant.user_id)
        .where(Participant.session_id == session.id, Participant.hand_raised, Participant.removed.is_(False))
        .order_by(Participant.hand_raised_at, Participant.user_id)
    ).all()
    return [{"user": user_id, "name": name} for user_id, name in rows]


@live_event("slide", who="teacher")
def slide(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """The teacher shows another slide; every page follows (and the replay keeps the timeline)."""
    page = field(data, "page", int)
    if session.slide_count < 1:
        raise Refused(_("This webinar has no slides."))
    if not 1 <= page <= session.slide_count:
        raise Refused(_("There is no slide %(page)d: the slides go from 1 to %(count)d.", page=page,
                        count=session.slide_count))
    if page != session.current_slide:
        session.current_slide = page
        broadcast(session, "slide", {"page": page}, user_id=current_user.id)
    return {"page": page}


_reactions: dict[tuple[int, int], Counter[str]] = {}  # (app, session id) → reactions since the last broadcast
_reactions_lock = threading.Lock()


@live_event("react")
def react(session: LiveSession, participant: Participant | None, data: Any) -> None:
    """An emoji for the room; counts go out together, at most once a second per session."""
    emoji = field(data, "emoji", str)
    if emoji not in REACTIONS:
        raise Refused(_("That reaction is not available."))
    throttle(session, "react", current_app.config["LIVE_REACTION_RATE_LIMIT"])
    session_id = session.id
    with _reactions_lock:
        _reactions.setdefault((id(current_app._get_current_object()), session_id), Counter())[emoji] += 1
    coalesce.soon(("reaction", session_id), lambda: _send_reactions(session_id))


def _send_reactions(session_id: int) -> None:
    """Broadcast the reactions gathered since the last time."""
    with _reactions_lock:
        counts = _reactions.pop((id(current_app._get_current_object()), session_id), None)
    session = db.session.get(LiveSession, session_id)
    if counts and session is not None:
        broadcast(session, "reaction", {"counts": dict(counts)})
