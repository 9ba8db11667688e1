"""The teacher's view of e-mail copies: 'e-mailed to 23 of 25; 2 failed: …; retrying'."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from webinar.extensions import db
from webinar.models import Announcement, DeliveryStatus, EmailDelivery, JobStatus


@dataclass
class Delivery:
    """How one announcement's e-mail copies went."""

    total: int = 0
    sent: int = 0
    failed: int = 0
    error: str | None = None
    state: str = "done"  # "sending", "retrying", "gave_up", "done"

    @property
    def line(self) -> str:
        """The status in one translated sentence."""
        parts = [_("E-mailed to %(sent)s of %(total)s.", sent=self.sent, total=self.total)]
        if self.failed:
            parts.append(_("%(n)s failed: %(reason)s.", n=self.failed, reason=reason_text(self.error)))
        parts.append(STATES[self.state]())
        return " ".join(p for p in parts if p)


STATES = {
    "sending": lambda: _("Sending…"),
    "retrying": lambda: _("Retrying automatically."),
    "gave_up": lambda: _("Not retried any more."),
    "done": lambda: "",
}


def reason_text(error: str | None) -> str:
    """A failure's code worded for the teacher (the technical detail follows in brackets)."""
    code, _sep, detail = (error or "").partition(": ")
    worded = {
        "unreachable": _("the mail server could not be reached"),
        "refused": _("the mail server refused the address"),
        "login": _("the mail server refused our login"),
    }.get(code, _("the mail server gave an error"))
    return f"{worded} ({detail})" if detail else worded


def _state(found: Announcement, failed: int, waiting: int) -> str:
    """Where the job is, in the words the line uses."""
    job = found.email_job
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return "retrying" if failed else "sending"
    return "gave_up" if waiting else "done"


def deliveries_of(announcements: list[Announcement]) -> dict[int, Delivery]:
    """Each announcement's e-mail status, from one grouped query; those without copies are absent."""
    ids = [a.id for a in announcements]
    if not ids:
        return {}
    rows = db.session.execute(
        select(EmailDelivery.announcement_id, EmailDelivery.status, func.count(), func.max(EmailDelivery.last_error))
        .where(EmailDelivery.announcement_id.in_(ids))
        .group_by(EmailDelivery.announcement_id, EmailDelivery.status)).all()
    found: dict[int, Delivery] = {}
    for announcement_id, status, count, error in rows:
        d = found.setdefault(announcement_id, Delivery())
        d.total += count
        if status == DeliveryStatus.SENT:
            d.sent += count
        elif status == DeliveryStatus.FAILED:
            d.failed, d.error = count, error
    for a in announcements:
        if a.id in found:
            d = found[a.id]
            found[a.id].state = _state(a, d.failed, d.total - d.sent)
    return found
