"""A course's webinars: when they are, whether the lobby is open, and the replay once recorded."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user

from webinar.access import signed_in
from webinar.api import bp
from webinar.api.schemas import GroupOut, WebinarList, WebinarOut
from webinar.api.spec import ID, reads, spec
from webinar.courses.queries import course_for
from webinar.live.access import lobby_is_open, lobby_opens
from webinar.live.routes import sessions_of
from webinar.models import LiveSession


def webinar_out(session: LiveSession) -> WebinarOut:
    """A webinar as the API shows it."""
    return WebinarOut(id=session.id, course_id=session.course_id, title=session.title, starts_at=session.starts_at,
                      duration_minutes=session.duration_minutes, status=session.status.value,
                      lobby_opens_at=lobby_opens(session), lobby_open=lobby_is_open(session),
                      groups=[GroupOut(id=g.id, name=g.name) for g in session.groups],
                      page_url=url_for("live.show", session_id=session.id), replay_lecture_id=session.lecture_id)


@bp.get(f"/courses/<{ID}:course_id>/webinars")
@signed_in
@spec.validate(resp=reads(WebinarList), tags=["webinars"], operation_id="listCourseWebinars")
def course_webinars(course_id: int):
    """The course's webinars, soonest first; students get those of their groups."""
    found = sessions_of(course_for(current_user, course_id), current_user)
    return WebinarList(items=[webinar_out(s) for s in found])
