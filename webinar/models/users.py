"""Accounts: admins, teachers and students."""
from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webinar.extensions import db
from webinar.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from webinar.models.courses import Group


class Role(str, enum.Enum):
    """What a user may do."""

    ADMIN = "admin"
    TEACHER = "teacher"
    STUDENT = "student"


group_members = Table(
    "group_member",
    db.metadata,
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A person who signs in."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    locale: Mapped[str | None] = mapped_column(String(8))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    data_saver: Mapped[bool | None]  # audio + slides instead of video; None: decide by the link
    import_job_id: Mapped[int | None]  # the roster import that created the account (no FK: jobs get pruned)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    groups: Mapped[list[Group]] = relationship(
        secondary=group_members, back_populates="students", order_by="Group.name"
    )

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses sessions of deactivated accounts."""
        return self.is_active_account

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The id sessions and remember cookies carry: a new password (or a reset) ends every earlier one."""
        return f"{self.id}-{self.password_fingerprint()}"

    def password_fingerprint(self) -> str:
        """A short keyed digest of the password hash (it reveals nothing of the hash)."""
        key = current_app.config["SECRET_KEY"].encode()
        return hmac.new(key, self.password_hash.encode(), hashlib.sha256).hexdigest()[:16]

    def session_id_matches(self, session_id: str) -> bool:
        """Whether a session's id still names this user with the current password."""
        return hmac.compare_digest(session_id, self.get_id())

    def has_role(self, *roles: Role) -> bool:
        """Whether the user has one of the roles."""
        return self.role in roles
