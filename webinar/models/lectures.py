"""Recorded lectures, their captions and each student's watch progress."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webinar.extensions import db
from webinar.models.base import UTCDateTime, str_enum, utcnow
from webinar.models.courses import Course
from webinar.models.users import User

WATCH_BUCKET_SECONDS = 5


class LectureStatus(str, enum.Enum):
    """Where the latest recording is in the pipeline."""

    PROCESSING = "processing"  # waiting for or inside the job; nothing new playable yet
    AUDIO_READY = "audio_ready"  # audio + slides published, video tiers still encoding
    READY = "ready"
    FAILED = "failed"


class Lecture(db.Model):
    """A recording of a course, with the renditions students can play."""

    __tablename__ = "lecture"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    is_visible: Mapped[bool] = mapped_column(default=True)
    status: Mapped[LectureStatus] = mapped_column(str_enum(LectureStatus), default=LectureStatus.PROCESSING)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(default=1)
    source_key: Mapped[str | None] = mapped_column(String(300))
    source_filename: Mapped[str] = mapped_column(String(255), default="")
    source_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    # What students play: a storage prefix written once by one job and a manifest describing it.
    media_prefix: Mapped[str | None] = mapped_column(String(300))
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duration: Mapped[float | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship()
    created_by: Mapped[User | None] = relationship()
    captions: Mapped[list[Caption]] = relationship(
        back_populates="lecture", cascade="all, delete-orphan", order_by="Caption.lang"
    )

    @property
    def is_playable(self) -> bool:
        """Whether some published rendition exists (audio comes first)."""
        return bool(self.manifest and self.manifest.get("audio"))

    def visible_to_students(self) -> bool:
        """Shown to students: not hidden by the teacher, and playable."""
        return self.is_visible and self.is_playable


class Caption(db.Model):
    """A WebVTT caption file for one language of a lecture."""

    __tablename__ = "caption"
    __table_args__ = (UniqueConstraint("lecture_id", "lang", name="uq_caption_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lecture.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lecture: Mapped[Lecture] = relationship(back_populates="captions")


class WatchProgress(db.Model):
    """How much of a lecture one student has watched, and where they stopped."""

    __tablename__ = "watch_progress"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lecture.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[float] = mapped_column(default=0.0)
    # One character per WATCH_BUCKET_SECONDS of the lecture: "1" once any of it was played.
    watched: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    lecture: Mapped[Lecture] = relationship()

    def share(self, duration: float | None) -> float:
        """The fraction of the lecture played at least once (0..1)."""
        buckets = bucket_count(duration)
        return min(self.watched.count("1") / buckets, 1.0) if buckets else 0.0


def bucket_count(duration: float | None) -> int:
    """How many watch buckets a lecture of this length has."""
    return int(-(-(duration or 0) // WATCH_BUCKET_SECONDS))
