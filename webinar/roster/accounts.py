"""Issuing accounts: logins from names, generated passwords, and the roster import job."""
from __future__ import annotations

import re
import secrets
from typing import Any

from anyascii import anyascii
from flask import current_app
from sqlalchemy import func, select

from webinar.extensions import db
from webinar.models import Group, Role, User
from webinar.roster.csvfile import Roster
from webinar.roster.export import credentials_key, write_credentials
from webinar.storage import storage

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed on phones
BATCH = 10


def new_password() -> str:
    """A random password that is easy to copy from paper."""
    length = current_app.config["PASSWORD_LENGTH"]
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def login_base(full_name: str) -> str:
    """Latin login from 'Surname Name …': surname plus the first letter of the name."""
    parts = [re.sub(r"[^a-z0-9]", "", anyascii(p).lower()) for p in full_name.split()]
    parts = [p for p in parts if p]
    if not parts:
        return "user"
    base = parts[0][:40]
    return f"{base}.{parts[1][0]}" if len(parts) > 1 else base


def unique_login(full_name: str, taken: set[str]) -> str:
    """A login not in `taken` nor in the database; adds 2, 3, … on collision."""
    base = login_base(full_name)
    existing = set(db.session.scalars(select(User.username).where(User.username.like(f"{base}%"))))
    candidate, n = base, 1
    while candidate in existing or candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate)
    return candidate


def get_or_create_group(name: str) -> Group:
    """The group with this name, created if new."""
    group = db.session.scalar(select(Group).where(Group.name == name))
    if group is None:
        group = Group(name=name)
        db.session.add(group)
        db.session.flush()
    return group


def _find_student(full_name: str, group: Group) -> User | None:
    stmt = select(User).join(User.groups).where(
        Group.id == group.id, func.lower(User.full_name) == full_name.lower()
    )
    return db.session.scalars(stmt).first()


def _issue(row: dict[str, Any], job_id: int, taken: set[str]) -> tuple[User, str] | None:
    """Create the row's student, or re-issue a password this job gave before; None if one exists."""
    group = get_or_create_group(row["group"])
    student = _find_student(row["full_name"], group)
    if student is not None and student.import_job_id != job_id:
        return None
    if student is None:
        student = User(
            username=unique_login(row["full_name"], taken), full_name=row["full_name"],
            email=row.get("email"), role=Role.STUDENT, import_job_id=job_id,
            must_change_password=True, groups=[group],
        )
        db.session.add(student)
    password = new_password()
    student.set_password(password)
    return student, password


def job_payload(roster: Roster) -> dict[str, Any]:
    """What the import job needs: the rows, and the warnings to show with its result."""
    rows = [{"full_name": r.full_name, "email": r.email, "group": r.group} for r in roster.rows]
    warnings = [{"code": w.code, "line": w.line, "value": w.value} for w in roster.warnings]
    return {"rows": rows, "warnings": warnings}


def run_import_job(ctx) -> dict[str, Any]:
    """Create the students of a parsed roster; safe to run again after a crash."""
    rows = ctx.payload["rows"]
    issued, existing, taken = [], [], set()
    for index, row in enumerate(rows, start=1):
        outcome = _issue(row, ctx.job_id, taken)
        if outcome is None:
            existing.append(row["full_name"])
        else:
            issued.append((row["group"], outcome[0], outcome[1]))
        if index % BATCH == 0 or index == len(rows):
            db.session.commit()
            ctx.progress(index / len(rows))
    key = credentials_key(ctx.job_id)
    storage().put(key, write_credentials((g, u.full_name, u.username, p) for g, u, p in issued))
    return {"created": len(issued), "existing": existing, "credentials": key}
