"""Announcements to a course's groups, who has read them, and their e-mail copies."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webinar.extensions import db
from webinar.models.base import UTCDateTime, str_enum, utcnow
from webinar.models.courses import Course, Group
from webinar.models.jobs import Job
from webinar.models.lectures import Lecture
from webinar.models.live import LiveSession
from webinar.models.users import User

announcement_groups = Table(
    "announcement_group",
    db.metadata,
    Column("announcement_id", Integer, ForeignKey("announcement.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AnnouncementKind(str, enum.Enum):
    """Who wrote it: the teacher, or the app when a lecture or webinar appeared."""

    MANUAL = "manual"
    LECTURE = "lecture"
    WEBINAR = "webinar"


class DeliveryStatus(str, enum.Enum):
    """Where one recipient's e-mail copy is."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # tried and failed; tried again while the job has attempts left


class Announcement(db.Model):
    """A message to some groups of a course, optionally with a due date."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[AnnouncementKind] = mapped_column(str_enum(AnnouncementKind), default=AnnouncementKind.MANUAL)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None]
    # An automatic announcement disappears with what it announces (a cancelled webinar, a deleted lecture).
    lecture_id: Mapped[int | None] = mapped_column(ForeignKey("lecture.id", ondelete="CASCADE"), index=True)
    live_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    email_job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    course: Mapped[Course] = relationship()
    author: Mapped[User | None] = relationship()
    groups: Mapped[list[Group]] = relationship(secondary=announcement_groups, order_by="Group.name")
    lecture: Mapped[Lecture | None] = relationship()
    live_session: Mapped[LiveSession | None] = relationship()
    email_job: Mapped[Job | None] = relationship()


class AnnouncementRead(db.Model):
    """That one user has seen one announcement."""

    __tablename__ = "announcement_read"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmailDelivery(db.Model):
    """One recipient's e-mail copy of an announcement: sent once, failures kept with their reason."""

    __tablename__ = "email_delivery"
    __table_args__ = (UniqueConstraint("announcement_id", "user_id", name="uq_email_delivery_recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcement.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class AnnouncementSettings(db.Model):
    """A course's announcement switches; no row means the defaults (automatic announcements on)."""

    __tablename__ = "announcement_settings"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    automatic: Mapped[bool] = mapped_column(default=True)
