"""A person's Participant row in a session: made on first join, refused once removed."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webinar.extensions import db
from webinar.live.room import Refused
from webinar.models import LiveSession, Participant, User
from webinar.models.base import utcnow


def enter(session: LiveSession, user: User) -> Participant:
    """The user's row in the session, made if new and marked seen now; Refused if the teacher removed them."""
    participant = db.session.get(Participant, (session.id, user.id))
    if participant is None:
        participant = _create(session.id, user.id)
    if participant.removed:
        raise Refused(_("The teacher removed you from this webinar."))
    participant.last_seen_at = utcnow()
    return participant


def _create(session_id: int, user_id: int) -> Participant:
    """Insert the row; a second tab that won the race already did, so take theirs."""
    db.session.add(Participant(session_id=session_id, user_id=user_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return db.session.get(Participant, (session_id, user_id))


def target(session: LiveSession, user_id: int) -> Participant:
    """The participant a teacher acts on; Refused if they never joined."""
    found = db.session.get(Participant, (session.id, user_id))
    if found is None:
        raise Refused(_("This person has not joined the webinar."))
    return found
