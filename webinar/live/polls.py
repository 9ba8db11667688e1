"""Polls: the teacher opens one (single or multiple choice), students answer, everyone sees the counts."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webinar.extensions import db
from webinar.live import coalesce
from webinar.live.access import runs
from webinar.live.questions import clean_text
from webinar.live.room import Refused, broadcast, field, live_event, throttle
from webinar.models import LiveSession, Participant, Poll, PollAnswer, User
from webinar.models.base import utcnow

QUESTION_MAX_CHARS = 500
OPTION_MAX_CHARS = 200
MIN_OPTIONS, MAX_OPTIONS = 2, 10
POLL_MAX_BYTES = 16 * 1024  # ten 200-character options in Cyrillic or emoji outgrow the 4 KB of text events


def clean_options(data: Any) -> list[str]:
    """2..10 distinct non-empty options of at most 200 characters, or Refused."""
    options = field(data, "options", list)
    if not all(isinstance(option, str) for option in options):
        raise Refused(_("The request was not understood."))
    options = [option.strip() for option in options]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise Refused(_("A poll needs %(low)d to %(high)d options.", low=MIN_OPTIONS, high=MAX_OPTIONS))
    if not all(options):
        raise Refused(_("Fill in every option or remove the empty ones."))
    if any(len(option) > OPTION_MAX_CHARS for option in options):
        raise Refused(_("An option can have at most %(count)d characters.", count=OPTION_MAX_CHARS))
    if len(set(options)) < len(options):
        raise Refused(_("Two options are the same."))
    return options


def poll_of(session: LiveSession, data: Any, *, closing: bool = False) -> Poll:
    """The payload's poll, if it is one of this session's; locked so a vote and a close do not cross
    (PostgreSQL: votes share the lock, a close takes it alone; SQLite serializes writers anyway)."""
    poll = db.session.get(Poll, field(data, "poll", int), with_for_update={"read": not closing})
    if poll is None or poll.session_id != session.id:
        raise Refused(_("This poll is not in this webinar."))
    return poll


def results(poll: Poll) -> dict[str, Any]:
    """{id, counts, total}: how many chose each option, and how many answered."""
    counts = [0] * len(poll.options)
    answers = db.session.scalars(select(PollAnswer.choices).where(PollAnswer.poll_id == poll.id)).all()
    for choices in answers:
        for choice in choices:
            if 0 <= choice < len(counts):
                counts[choice] += 1
    return {"id": poll.id, "counts": counts, "total": len(answers)}


def close(session: LiveSession, poll: Poll) -> None:
    """Close an open poll and broadcast its final counts."""
    poll.is_open = False
    poll.closed_t = session.relative(utcnow())
    broadcast(session, "poll_closed", results(poll), user_id=current_user.id)


@live_event("poll_open", who="teacher", max_bytes=POLL_MAX_BYTES)
def poll_open(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """A new poll for everyone; the one open before it closes with its final counts."""
    question = clean_text(data, "question", QUESTION_MAX_CHARS, _("Write the poll's question."))
    options, multiple = clean_options(data), bool(field(data, "multiple", bool, required=False))
    for earlier in db.session.scalars(select(Poll).where(Poll.session_id == session.id, Poll.is_open)
                                      .with_for_update()).all():
        close(session, earlier)
    poll = Poll(session_id=session.id, question=question, options=options, multiple=multiple,
                opened_t=session.relative(utcnow()))
    db.session.add(poll)
    db.session.flush()
    broadcast(session, "poll_opened", {"id": poll.id, "question": question, "options": options, "multiple": multiple},
              user_id=current_user.id)
    return {"id": poll.id}


def clean_choices(poll: Poll, data: Any) -> list[int]:
    """Valid, distinct option indexes: exactly one unless the poll is multiple choice."""
    choices = field(data, "choices", list)
    if not choices or not all(isinstance(c, int) and not isinstance(c, bool) for c in choices):
        raise Refused(_("Choose an answer first."))
    if any(not 0 <= c < len(poll.options) for c in choices) or len(set(choices)) < len(choices):
        raise Refused(_("That answer is not one of the options."))
    if len(choices) > 1 and not poll.multiple:
        raise Refused(_("Choose only one answer."))
    return sorted(choices)


@live_event("vote")
def vote(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """A student's answer (replacing their earlier one while the poll is open); counts go out coalesced."""
    if runs(session, current_user):
        raise Refused(_("Only students answer polls."))
    poll = poll_of(session, data)
    if not poll.is_open:
        raise Refused(_("This poll is closed."))
    choices = clean_choices(poll, data)
    throttle(session, "vote", current_app.config["LIVE_VOTE_RATE_LIMIT"])
    session_id, poll_id = session.id, poll.id
    _save_answer(poll_id, current_user.id, choices)
    coalesce.soon(("poll_results", poll_id), lambda: _send_results(session_id, poll_id))
    return {"choices": choices}


def _save_answer(poll_id: int, user_id: int, choices: list[int]) -> None:
    """One PollAnswer row per person: insert it, or change it."""
    answer = db.session.get(PollAnswer, (poll_id, user_id))
    if answer is None:
        db.session.add(PollAnswer(poll_id=poll_id, user_id=user_id, choices=choices))
        try:
            db.session.commit()
            return
        except IntegrityError:  # their own earlier click got in first
            db.session.rollback()
            answer = db.session.get(PollAnswer, (poll_id, user_id))
    answer.choices, answer.at = choices, utcnow()
    db.session.commit()


def _send_results(session_id: int, poll_id: int) -> None:
    """Broadcast an open poll's counts as they are now (never after its final counts: a close waits)."""
    session = db.session.get(LiveSession, session_id)
    poll = db.session.get(Poll, poll_id, with_for_update={"read": True})
    if session is not None and poll is not None and poll.is_open:
        broadcast(session, "poll_results", results(poll))


@live_event("poll_close", who="teacher")
def poll_close(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """The teacher closes the poll; everyone sees the final counts."""
    poll = poll_of(session, data, closing=True)
    if poll.is_open:
        close(session, poll)
    return results(poll)


def poll_state(session: LiveSession, user: User) -> dict[str, Any] | None:
    """The open (or last closed) poll for the snapshot, with its counts and the user's answer."""
    poll = db.session.scalars(select(Poll).where(Poll.session_id == session.id).order_by(Poll.id.desc())).first()
    if poll is None:
        return None
    mine = db.session.get(PollAnswer, (poll.id, user.id))
    return {"question": poll.question, "options": poll.options, "multiple": poll.multiple, "open": poll.is_open,
            **results(poll), "mine": mine.choices if mine else None}
