"""Who may do what in a webinar: the course's teachers (and admins) run it, its groups attend."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app

from webinar.extensions import db
from webinar.models import LiveSession, LiveStatus, Role, User
from webinar.models.base import utcnow


def runs(session: LiveSession, user: User) -> bool:
    """Teachers of the course and admins present and moderate."""
    return user.is_authenticated and (user.role == Role.ADMIN or session.course.is_taught_by(user))


def attends(session: LiveSession, user: User) -> bool:
    """Students of the session's groups take part."""
    return user.is_authenticated and user.role == Role.STUDENT and session.is_for(user)


def may_enter(session: LiveSession, user: User) -> bool:
    """Whether the user may open the session at all."""
    return runs(session, user) or attends(session, user)


def session_for(user: User, session_id: int, *, manage: bool = False) -> LiveSession:
    """The session if the user may see it (or run it); 404 if missing, 403 if not theirs."""
    found = db.session.get(LiveSession, session_id) or abort(404)
    if not (runs(found, user) if manage else may_enter(found, user)):
        abort(403)
    return found


def lobby_opens(session: LiveSession) -> datetime:
    """When students may enter: a little before the start."""
    return session.starts_at - timedelta(minutes=current_app.config["LIVE_LOBBY_MINUTES"])


def lobby_is_open(session: LiveSession) -> bool:
    """Students may enter the room from the lobby's opening until the session ends."""
    return session.status != LiveStatus.ENDED and utcnow() >= lobby_opens(session)
