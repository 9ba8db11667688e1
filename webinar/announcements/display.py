"""What an announcement says, in the reader's language: automatic ones are worded when shown."""
from __future__ import annotations

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from webinar.models import Announcement, AnnouncementKind


def heading(a: Announcement) -> str:
    """The announcement's title line."""
    if a.kind == AnnouncementKind.LECTURE and a.lecture is not None:
        return _("New lecture: %(title)s", title=a.lecture.title)
    if a.kind == AnnouncementKind.WEBINAR and a.live_session is not None:
        return _("Webinar: %(title)s", title=a.live_session.title)
    return a.title


def body(a: Announcement) -> str:
    """The announcement's text (plain text: templates escape it, e-mails escape their HTML copy)."""
    if a.kind == AnnouncementKind.LECTURE:
        return _("A new recording is ready in %(course)s. You can play it or download it for offline use.",
                 course=a.course.title)
    if a.kind == AnnouncementKind.WEBINAR and a.live_session is not None:
        when = format_datetime(a.live_session.starts_at, "EEEE d MMMM, HH:mm")
        return _("A webinar of %(course)s is scheduled for %(when)s (Bishkek time). The room opens a little before.",
                 course=a.course.title, when=when)
    return a.text


def due_line(a: Announcement) -> str | None:
    """'Due: 10 December 2026', or None without a due date."""
    return _("Due: %(date)s", date=format_date(a.due_on, "long")) if a.due_on else None


def target(a: Announcement) -> tuple[str, dict[str, int]] | None:
    """The endpoint and arguments of the page the announcement is about (a lecture, a webinar), if any."""
    if a.lecture_id:
        return "lectures.show", {"lecture_id": a.lecture_id}
    if a.live_session_id:
        return "live.show", {"session_id": a.live_session_id}
    return None
