"""E-mail copies of announcements: the SMTP settings, one message per recipient in their language."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any, Mapping
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from webinar.announcements.display import body, due_line, heading, target
from webinar.models import Announcement, User


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: the SMTP_* and MAIL_FROM settings."""

    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    timeout: float
    sender: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings | None:
        """The settings, or None when no mail server is configured."""
        if not config.get("SMTP_HOST") or not config.get("MAIL_FROM"):
            return None
        return cls(config["SMTP_HOST"], int(config["SMTP_PORT"]), config.get("SMTP_USER"),
                   config.get("SMTP_PASSWORD"), bool(config["SMTP_STARTTLS"]),
                   float(config["SMTP_TIMEOUT_SECONDS"]), config["MAIL_FROM"])


def mail_enabled() -> bool:
    """Whether e-mail copies are sent at all."""
    return SmtpSettings.from_config(current_app.config) is not None


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, greeted (and if configured, encrypted and logged-in) SMTP connection."""
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def describe(exc: BaseException) -> str:
    """'<reason code>: <detail>' for the teacher's status line (codes are worded by reason_text)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reason = next(iter(exc.recipients.values()))
        return f"refused: {code} {reason.decode(errors='replace')}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login: {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"error: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"[:500]
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)):
        return f"unreachable: {exc}"[:500]
    return f"error: {type(exc).__name__}: {exc}"[:500]


def _external(base_url: str, endpoint: str, values: dict[str, Any]) -> str:
    """An absolute link to one of the app's pages, built without a request."""
    parts = urlsplit(base_url)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _texts(a: Announcement, base_url: str | None) -> dict[str, str | None]:
    """The words of one message, in the locale currently forced."""
    page = target(a) or ("announcements.course_list", {"course_id": a.course_id})
    return {
        "subject": _("%(course)s: %(title)s", course=a.course.title, title=heading(a)),
        "heading": heading(a), "body": body(a), "due": due_line(a), "course": a.course.title,
        "author": a.author.full_name if a.author else None,
        "link": _external(base_url, *page) if base_url else None, "open": _("Open in Aralyk"),
        "footer": _("You get this e-mail because your group studies this course in Aralyk."),
    }


def _html(t: dict[str, str | None], locale: str) -> str:
    """The minimal HTML copy, every piece of text escaped."""
    e = {k: escape(v) if v else "" for k, v in t.items()}
    parts = [f'<!doctype html><html lang="{locale}"><body>', f"<h1>{e['heading']}</h1>",
             f"<p>{e['course']}{' · ' + e['author'] if t['author'] else ''}</p>"]
    if t["due"]:
        parts.append(f"<p><strong>{e['due']}</strong></p>")
    parts.append(f'<p style="white-space:pre-line">{e["body"]}</p>')
    if t["link"]:
        parts.append(f'<p><a href="{e["link"]}">{e["open"]}</a></p>')
    parts.append(f"<p><small>{e['footer']}</small></p></body></html>")
    return "".join(parts)


def _plain(t: dict[str, str | None]) -> str:
    """The plain-text copy."""
    lines = [t["heading"], " · ".join(x for x in (t["course"], t["author"]) if x)]
    lines += [t["due"]] if t["due"] else []
    lines += ["", t["body"], ""]
    lines += [f"{t['open']}: {t['link']}", ""] if t["link"] else []
    return "\n".join(lines + ["-- ", t["footer"], ""])


def one_line(text: str) -> str:
    """Text for a header: a line break typed into a title or a roster name must not fail the message."""
    return " ".join(text.split())


def locale_of(user: User) -> str:
    """The recipient's language: their choice, else the default."""
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def compose(a: Announcement, recipient: User, address: str, sender: str, base_url: str | None) -> EmailMessage:
    """One recipient's message: plain text and minimal HTML, in their language."""
    locale = locale_of(recipient)
    with force_locale(locale):
        texts = _texts(a, base_url)
    msg = EmailMessage()
    msg["Subject"], msg["From"] = one_line(texts["subject"]), sender
    msg["To"] = formataddr((one_line(recipient.full_name), address))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "aralyk.invalid"  # not getfqdn(): no DNS wait per message
    msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid("announcement", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_plain(texts))
    msg.add_alternative(_html(texts, locale), subtype="html")
    msg["Content-Language"] = locale  # after the content: setting it clears Content-* headers
    return msg
