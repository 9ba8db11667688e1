"""Announcements: a teacher's messages to groups, unread counts, e-mail copies, automatic ones."""
from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import current_user

bp = Blueprint("announcements", __name__)

from webinar.announcements import display, manage, routes  # noqa: E402,F401  (routes attach to bp)
from webinar.announcements.forms import AutomaticForm  # noqa: E402
from webinar.announcements.queries import page_of, recent_for, unread_count, visible_to  # noqa: E402
from webinar.announcements.service import automatic_on  # noqa: E402


def course_announcements(course, limit: int = 3) -> list:
    """The newest announcements of a course that the current user may read, with their unread flags."""
    return page_of(visible_to(current_user, course), current_user, limit)


def announcement_switch(course) -> AutomaticForm:
    """The course's automatic-announcements switch, for the course page."""
    return AutomaticForm(automatic=automatic_on(course.id), formdata=None)


def unread_announcements() -> int:
    """The nav badge's number for the signed-in user (one COUNT query, only when a page shows it)."""
    return unread_count(current_user)


def init_app(app: Flask) -> None:
    """Register the pages and the helpers templates call (macros too, so globals, not a context processor)."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        unread_announcements=unread_announcements, recent_announcements=recent_for,
        course_announcements=course_announcements, announcement_switch=announcement_switch,
        announcement_heading=display.heading,
        announcement_body=display.body, announcement_due=display.due_line, announcement_target=display.target)
