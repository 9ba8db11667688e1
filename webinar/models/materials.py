"""Teaching materials: a course's syllabus sections, the files in them, and every version of each file."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webinar.extensions import db
from webinar.models.base import UTCDateTime, str_enum, utcnow
from webinar.models.courses import Course
from webinar.models.users import User


class PagesStatus(str, enum.Enum):
    """Where a PDF version's page images are (other files have none)."""

    NONE = "none"  # not a PDF
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"  # the file stays downloadable; pages_error says why there are no images


class Section(db.Model):
    """A named part of a course's syllabus (lecture notes, lab assignments, ...) in the teacher's order."""

    __tablename__ = "material_section"
    __table_args__ = (UniqueConstraint("course_id", "title", name="uq_material_section_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship()
    materials: Mapped[list[Material]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by=lambda: [Material.position, Material.id]
    )


class Material(db.Model):
    """One teaching file of a section; `current_number` names the version students get."""

    __tablename__ = "material"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("material_section.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    current_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    section: Mapped[Section] = relationship(back_populates="materials")
    versions: Mapped[list[MaterialVersion]] = relationship(
        back_populates="material", cascade="all, delete-orphan", order_by="MaterialVersion.number.desc()"
    )

    @property
    def current(self) -> MaterialVersion | None:
        """The version students download."""
        return next((v for v in self.versions if v.number == self.current_number), None)

    @property
    def older(self) -> list[MaterialVersion]:
        """The replaced versions, newest first."""
        return [v for v in self.versions if v.number != self.current_number]


class MaterialVersion(db.Model):
    """One uploaded file: where it is stored, the name it came with, and its page images if a PDF."""

    __tablename__ = "material_version"
    __table_args__ = (UniqueConstraint("material_id", "number", name="uq_material_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    key: Mapped[str] = mapped_column(String(300))  # never holds the user's file name
    filename: Mapped[str] = mapped_column(String(255))  # for display and the download's name
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # what the content is: pdf, docx, png, zip, ...
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    pages_status: Mapped[PagesStatus] = mapped_column(str_enum(PagesStatus), default=PagesStatus.NONE)
    pages_error: Mapped[str | None] = mapped_column(String(32))
    page_count: Mapped[int | None]
    pages_prefix: Mapped[str | None] = mapped_column(String(300))
    pages_bytes: Mapped[int | None] = mapped_column(BigInteger)  # all WebP page images together

    material: Mapped[Material] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()
