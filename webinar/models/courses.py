"""The university's frame: groups, and courses taught to them."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webinar.extensions import db
from webinar.models.base import UTCDateTime, str_enum, utcnow
from webinar.models.users import group_members

if TYPE_CHECKING:
    from webinar.models.users import User


class Assessment(str, enum.Enum):
    """The course's form of assessment."""

    EXAM = "exam"
    CREDIT = "credit"
    COURSEWORK = "coursework"


class Group(db.Model):
    """A student group, e.g. ПИ-1-23."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    students: Mapped[list[User]] = relationship(
        secondary=group_members, back_populates="groups", order_by="User.full_name"
    )


class Course(db.Model):
    """A discipline taught in one academic year and semester."""

    __tablename__ = "course"
    __table_args__ = (UniqueConstraint("academic_year", "semester", "title", name="uq_course_term_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9))  # "2026-2027"
    semester: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    assessment: Mapped[Assessment] = mapped_column(str_enum(Assessment))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    teacher_links: Mapped[list[CourseTeacher]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    group_links: Mapped[list[CourseGroup]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    @property
    def teachers(self) -> list[User]:
        """Everyone who teaches the course, owner first."""
        links = sorted(self.teacher_links, key=lambda link: not link.is_owner)
        return [link.teacher for link in links]

    @property
    def groups(self) -> list[Group]:
        """The groups enrolled, by name."""
        return sorted((link.group for link in self.group_links), key=lambda g: g.name)

    def is_taught_by(self, user: User) -> bool:
        """Whether the user is one of the course's teachers."""
        return any(link.teacher_id == user.id for link in self.teacher_links)

    def is_attended_by(self, user: User) -> bool:
        """Whether the user studies in one of the course's groups."""
        group_ids = {g.id for g in user.groups}
        return any(link.group_id in group_ids for link in self.group_links)


class CourseTeacher(db.Model):
    """A teacher of a course; one owner, any number of co-teachers."""

    __tablename__ = "course_teacher"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    is_owner: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship(back_populates="teacher_links")
    teacher: Mapped[User] = relationship()


class CourseGroup(db.Model):
    """A group enrolled in a course."""

    __tablename__ = "course_group"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), primary_key=True)

    course: Mapped[Course] = relationship(back_populates="group_links")
    group: Mapped[Group] = relationship()
