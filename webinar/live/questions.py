"""Q&A: students ask and upvote questions, the teacher marks them answered."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webinar.extensions import db
from webinar.live import coalesce
from webinar.live.chat import CONTROL, speaking
from webinar.live.chat import clean_text as clean_line
from webinar.live.room import Refused, broadcast, field, live_event, throttle
from webinar.models import LiveSession, Participant, Question, QuestionVote, User
from webinar.models.base import utcnow

QUESTION_MAX_CHARS = 300


def clean_text(data: Any, key: str, limit: int, empty: str) -> str:
    """A text field cleaned as chat lines are (no control characters), 1..limit characters, or Refused."""
    value = field(data, key, str)
    if not CONTROL.sub("", value).strip():
        raise Refused(empty)
    return clean_line(value, limit)


def question_of(session: LiveSession, data: Any) -> Question:
    """The payload's question, if it is one of this session's."""
    question = db.session.get(Question, field(data, "id", int))
    if question is None or question.session_id != session.id:
        raise Refused(_("This question is not in this webinar."))
    return question


@live_event("ask")
def ask(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """A new question, broadcast to everyone."""
    speaking(participant)
    text = clean_text(data, "text", QUESTION_MAX_CHARS, _("Write your question first."))
    throttle(session, "ask", current_app.config["LIVE_QUESTION_RATE_LIMIT"])
    now = utcnow()
    question = Question(session_id=session.id, user_id=current_user.id, text=text, t=session.relative(now), at=now)
    db.session.add(question)
    db.session.flush()
    broadcast(session, "question", {"id": question.id, "name": current_user.full_name, "text": text, "votes": 0},
              user_id=current_user.id)
    return {"id": question.id}


@live_event("upvote")
def upvote(session: LiveSession, participant: Participant | None, data: Any) -> dict[str, Any]:
    """One vote per person for someone else's question; the count goes out coalesced."""
    question = question_of(session, data)
    if question.user_id == current_user.id:
        raise Refused(_("You cannot upvote your own question."))
    if db.session.get(QuestionVote, (question.id, current_user.id)) is not None:
        raise Refused(_("You already upvoted this question."))
    session_id, question_id = session.id, question.id
    db.session.add(QuestionVote(question_id=question_id, user_id=current_user.id))
    db.session.execute(update(Question).where(Question.id == question_id).values(votes=Question.votes + 1))
    try:
        db.session.commit()
    except IntegrityError:  # the same person's second click, racing the first
        raise Refused(_("You already upvoted this question."))
    votes = db.session.scalar(select(Question.votes).where(Question.id == question_id))
    coalesce.soon(("question_votes", question_id), lambda: _send_votes(session_id, question_id))
    return {"votes": votes}


def _send_votes(session_id: int, question_id: int) -> None:
    """Broadcast a question's vote count as it is now."""
    session, question = db.session.get(LiveSession, session_id), db.session.get(Question, question_id)
    if session is not None and question is not None:
        broadcast(session, "question_votes", {"id": question.id, "votes": question.votes})


@live_event("answered", who="teacher")
def answered(session: LiveSession, participant: Participant | None, data: Any) -> None:
    """The teacher marks a question answered (once)."""
    question = question_of(session, data)
    if not question.answered:
        question.answered = True
        broadcast(session, "question_answered", {"id": question.id}, user_id=current_user.id)


def questions_state(session: LiveSession, user: User) -> list[dict[str, Any]]:
    """The session's questions for the snapshot, oldest first, with the user's own and voted marks."""
    rows = db.session.execute(
        select(Question, User.full_name).outerjoin(User, User.id == Question.user_id)
        .where(Question.session_id == session.id).order_by(Question.id)
    ).all()
    voted = set(db.session.scalars(
        select(QuestionVote.question_id).join(Question, Question.id == QuestionVote.question_id)
        .where(Question.session_id == session.id, QuestionVote.user_id == user.id)
    ))
    return [{"id": q.id, "name": name or "", "text": q.text, "votes": q.votes, "answered": q.answered,
             "mine": q.user_id == user.id, "voted": q.id in voted} for q, name in rows]
