"""Send an announcement's e-mail copies: one message per recipient not yet sent, failures kept per recipient.

A run that leaves failures raises RetryLater, so the job system requeues it with a growing delay
(ANNOUNCEMENT_RETRY_SECONDS × 2^(attempt−1)) until JOB_MAX_ATTEMPTS; each run sends only to
recipients still unsent, so nobody gets the message twice.
"""
from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask import current_app
from sqlalchemy import select

from webinar.announcements.mail import SmtpSettings, compose, connect, describe
from webinar.extensions import db
from webinar.models import Announcement, DeliveryStatus, EmailDelivery, Job
from webinar.models.base import utcnow
from workers.context import JobContext, JobRejected, RetryLater

log = logging.getLogger(__name__)
BROKEN_LINK = (smtplib.SMTPServerDisconnected, TimeoutError, ConnectionError)


def send_announcement_emails(ctx: JobContext) -> dict[str, Any]:
    """The job handler: send to everyone still waiting; ask to be retried later if some failed."""
    found = db.session.get(Announcement, ctx.payload["announcement_id"])
    if found is None:
        return {"skipped": "announcement deleted"}
    settings = SmtpSettings.from_config(current_app.config)
    if settings is None:
        raise JobRejected("no mail server configured (SMTP_HOST, MAIL_FROM)")
    waiting = list(db.session.scalars(select(EmailDelivery).where(
        EmailDelivery.announcement_id == found.id, EmailDelivery.status != DeliveryStatus.SENT)
        .order_by(EmailDelivery.id)))
    failed = _send_all(ctx, found, waiting, settings)
    if failed:
        attempt = db.session.get(Job, ctx.job_id).attempts
        delay = current_app.config["ANNOUNCEMENT_RETRY_SECONDS"] * 2 ** (attempt - 1)
        raise RetryLater(f"{failed} of {len(waiting)} e-mails failed", delay)
    return {"sent": len(waiting)}


def _send_all(ctx: JobContext, found: Announcement, waiting: list[EmailDelivery], settings: SmtpSettings) -> int:
    """Send over one connection; returns how many failed."""
    if not waiting:
        return 0
    for delivery in waiting:
        delivery.attempts += 1
    db.session.commit()
    try:
        smtp = connect(settings)
    except (smtplib.SMTPException, OSError) as exc:
        return _fail(waiting, describe(exc))
    base_url = current_app.config.get("PUBLIC_BASE_URL") or ctx.payload.get("base_url")
    try:
        for done, delivery in enumerate(waiting):
            try:
                _send_one(smtp, found, delivery, settings, base_url)
            except BROKEN_LINK as exc:
                _fail(waiting[done:], describe(exc))
                break
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                _fail([delivery], describe(exc))
            ctx.progress((done + 1) / len(waiting))
    finally:
        _close(smtp)
    return sum(d.status == DeliveryStatus.FAILED for d in waiting)


def _send_one(smtp: smtplib.SMTP, found: Announcement, delivery: EmailDelivery, settings: SmtpSettings,
              base_url: str | None) -> None:
    """Send one copy and record it as sent at once, so a later run skips it."""
    message = compose(found, delivery.user, delivery.address, settings.sender, base_url)
    smtp.send_message(message, to_addrs=[delivery.address])
    delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, utcnow(), None
    db.session.commit()


def _close(smtp: smtplib.SMTP) -> None:
    """Say goodbye to the server if it still listens."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _fail(deliveries: list[EmailDelivery], error: str) -> int:
    """Record the same failure for these recipients; returns how many."""
    for delivery in deliveries:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, error
    db.session.commit()
    log.warning("announcement e-mails failed for %s recipients: %s", len(deliveries), error)
    return len(deliveries)
