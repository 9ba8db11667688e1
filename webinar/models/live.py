"""Live webinars and everything that happens in them, persisted as it happens.

Every change in a session (chat, a question, a vote, a slide, a hand) is written to its own table
and, in the same transaction, appended to `live_event`, whose id is the sequence number clients
catch up by. Times are kept both absolute (`at`) and relative to the session's start (`t`,
seconds), which is what the replay and the reports use.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webinar.extensions import db
from webinar.models.base import UTCDateTime, str_enum, utcnow
from webinar.models.courses import Course, Group
from webinar.models.users import User

live_session_groups = Table(
    "live_session_group",
    db.metadata,
    Column("session_id", Integer, ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), primary_key=True),
)


class LiveStatus(str, enum.Enum):
    """Where a webinar is in its life."""

    SCHEDULED = "scheduled"  # the lobby opens shortly before starts_at
    LIVE = "live"  # the presenter has gone live at least once
    ENDED = "ended"


class SlidesStatus(str, enum.Enum):
    """The uploaded PDF's way to page images."""

    NONE = "none"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class LiveSession(db.Model):
    """A webinar of a course for some of its groups."""

    __tablename__ = "live_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    status: Mapped[LiveStatus] = mapped_column(str_enum(LiveStatus), default=LiveStatus.SCHEDULED)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # t = 0 of every relative time
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The presenter lock: who streams now, from which socket (a second presenter is refused).
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    presenter_sid: Mapped[str | None] = mapped_column(String(64))
    has_video: Mapped[bool] = mapped_column(default=False)
    # Live HLS tiers and the recording parts, under one storage prefix.
    media_prefix: Mapped[str | None] = mapped_column(String(300))
    recording_parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Slides: page images of the uploaded PDF under slides_prefix; current_slide is 1-based, 0 = none.
    slides_status: Mapped[SlidesStatus] = mapped_column(str_enum(SlidesStatus), default=SlidesStatus.NONE)
    slides_error: Mapped[str | None] = mapped_column(String(32))
    slides_prefix: Mapped[str | None] = mapped_column(String(300))
    slide_count: Mapped[int] = mapped_column(default=0)
    slides_revision: Mapped[int] = mapped_column(default=0)  # one per uploaded PDF; a job renders one
    current_slide: Mapped[int] = mapped_column(default=0)
    last_seq: Mapped[int] = mapped_column(default=0)  # the latest LiveEvent.seq; bumped under the row's lock
    lecture_id: Mapped[int | None] = mapped_column(ForeignKey("lecture.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=live_session_groups, order_by="Group.name")

    def relative(self, at: datetime) -> float:
        """Seconds since the session went live (0 before it did)."""
        return max(0.0, (at - self.started_at).total_seconds()) if self.started_at else 0.0

    def is_for(self, user: User) -> bool:
        """Whether the user is a student of one of the session's groups."""
        mine = {g.id for g in user.groups}
        return any(g.id in mine for g in self.groups)


class LiveEvent(db.Model):
    """One broadcast of a session, in order: seq (1, 2, 3… per session) is what clients catch up by."""

    __tablename__ = "live_event"
    __table_args__ = (Index("ix_live_event_session_seq", "session_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    t: Mapped[float] = mapped_column(default=0.0)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChatMessage(db.Model):
    """A chat line; a deleted one keeps its row (the replay and moderation need it)."""

    __tablename__ = "chat_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    t: Mapped[float] = mapped_column(default=0.0)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User | None] = relationship()


class Question(db.Model):
    """A student's question for the Q&A, with its upvote count."""

    __tablename__ = "live_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    t: Mapped[float] = mapped_column(default=0.0)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    votes: Mapped[int] = mapped_column(default=0)
    answered: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User | None] = relationship()


class QuestionVote(db.Model):
    """One upvote: a person votes for a question once."""

    __tablename__ = "live_question_vote"

    question_id: Mapped[int] = mapped_column(ForeignKey("live_question.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


class Poll(db.Model):
    """A single- or multiple-choice poll."""

    __tablename__ = "live_poll"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[list[str]] = mapped_column(JSON)
    multiple: Mapped[bool] = mapped_column(default=False)
    is_open: Mapped[bool] = mapped_column(default=True)
    opened_t: Mapped[float] = mapped_column(default=0.0)
    closed_t: Mapped[float | None]


class PollAnswer(db.Model):
    """A person's answer to a poll: the indexes of the options chosen (they may change it while open)."""

    __tablename__ = "live_poll_answer"

    poll_id: Mapped[int] = mapped_column(ForeignKey("live_poll.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    choices: Mapped[list[int]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Participant(db.Model):
    """A person's standing in a session: raised hand, muted, removed."""

    __tablename__ = "live_participant"

    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    hand_raised: Mapped[bool] = mapped_column(default=False)
    hand_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the teacher sees hands in order
    muted: Mapped[bool] = mapped_column(default=False)
    removed: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class AttendanceSpan(db.Model):
    """One stretch of a person's presence in a session, from join to leave."""

    __tablename__ = "live_attendance"
    __table_args__ = (Index("ix_live_attendance_session_user", "session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sid: Mapped[str | None] = mapped_column(String(64))  # the socket, to disconnect it from any process

    user: Mapped[User] = relationship()
