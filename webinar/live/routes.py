"""Webinar pages: schedule one, its page (lobby, slides, replay), cancel it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from webinar.access import roles, signed_in
from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.lectures.forms import ConfirmForm
from webinar.live import bp
from webinar.live.access import lobby_is_open, lobby_opens, runs, session_for
from webinar.live.forms import ScheduleForm
from webinar.models import Course, LiveSession, LiveStatus, Role, User, live_session_groups
from webinar.models.base import utcnow
from workers import dispatch


def sessions_of(course: Course, user: User) -> list[LiveSession]:
    """The course's webinars, soonest first; students see those of their groups only."""
    found = db.session.scalars(select(LiveSession).where(LiveSession.course_id == course.id)
                               .order_by(LiveSession.starts_at)).all()
    return [s for s in found if runs(s, user) or s.is_for(user)]


def upcoming_for(user: User, days: int = 14) -> list[LiveSession]:
    """A student's webinars that have not ended and start within `days` (the invitations)."""
    horizon = utcnow() + timedelta(days=days)
    group_ids = [g.id for g in user.groups]
    if not group_ids:
        return []
    theirs = select(live_session_groups.c.session_id).where(live_session_groups.c.group_id.in_(group_ids))
    query = (select(LiveSession).where(LiveSession.id.in_(theirs), LiveSession.status != LiveStatus.ENDED,
                                       LiveSession.starts_at <= horizon).order_by(LiveSession.starts_at))
    cutoff = utcnow() - timedelta(hours=12)  # a session nobody ended stops inviting after a while
    return [s for s in db.session.scalars(query) if s.starts_at + timedelta(minutes=s.duration_minutes) > cutoff]


def _starts_at(form: ScheduleForm) -> datetime:
    """The form's date and time, read in the university's time zone, as UTC."""
    zone = ZoneInfo(str(get_timezone()))  # not the pytz object: replace() would give it local mean time
    return datetime.combine(form.day.data, form.time.data, tzinfo=zone).astimezone(timezone.utc)


def _attach_slides(session: LiveSession, upload) -> None:
    """Hand the uploaded PDF to the slides job (it tells the teacher if the PDF is unusable)."""
    from webinar.live.slides import attach_pdf

    with TemporaryDirectory() as work:
        path = Path(work) / "slides.pdf"
        upload.save(path)
        job = attach_pdf(session, path, current_user)
        db.session.commit()
    dispatch(job.id)


@bp.route("/courses/<int:course_id>/webinars/new", methods=["GET", "POST"])
@roles(Role.TEACHER, Role.ADMIN)
def schedule(course_id: int):
    """Schedule a webinar: title, date and time, duration, groups, optional slides."""
    course = course_for(current_user, course_id, manage=True)
    form = ScheduleForm()
    form.groups.choices = [SelectChoice(g.id, g.name) for g in course.groups]
    if request.method == "GET":
        form.groups.data = [g.id for g in course.groups]
    if form.validate_on_submit():
        chosen = [g for g in course.groups if g.id in form.groups.data]
        session = LiveSession(course=course, title=" ".join(form.title.data.split()), groups=chosen,
                              starts_at=_starts_at(form), duration_minutes=form.duration.data,
                              created_by_id=current_user.id)
        db.session.add(session)
        db.session.commit()
        from webinar.announcements.service import announce_webinar  # here: the package imports this one's course
        announce_webinar(session)
        if form.slides.data:
            _attach_slides(session, form.slides.data)
        flash(_("The webinar was scheduled. Students of the groups see it on their page."), "success")
        return redirect(url_for("live.show", session_id=session.id))
    return render_template("live/schedule.html", form=form, course=course)


@bp.get("/live/<int:session_id>")
@signed_in
def show(session_id: int):
    """A webinar's page: when it is, the way into the room, slides for the teacher, the replay after."""
    session = session_for(current_user, session_id)
    manages = runs(session, current_user)
    context = dict(session=session, manages=manages, lobby_open=lobby_is_open(session),
                   lobby_opens=lobby_opens(session), confirm=ConfirmForm())
    if manages:
        from webinar.live.slide_routes import SlidesForm
        from webinar.live.slides import slides_message

        context.update(slides_form=SlidesForm(),
                       slides_error=slides_message(session.slides_error, {}) if session.slides_error else None)
    return render_template("live/show.html", **context)


@bp.route("/live/<int:session_id>/cancel", methods=["GET", "POST"])
@roles(Role.TEACHER, Role.ADMIN)
def cancel(session_id: int):
    """Cancel a webinar that has not started, after a confirmation."""
    session = session_for(current_user, session_id, manage=True)
    if session.status != LiveStatus.SCHEDULED:
        abort(409)
    form = ConfirmForm()
    if form.validate_on_submit():
        from webinar.storage import storage

        course_id = session.course_id
        db.session.delete(session)
        db.session.commit()
        storage().delete_prefix(f"live/{session_id}/")
        flash(_("The webinar was cancelled."), "success")
        return redirect(url_for("courses.course", course_id=course_id))
    return render_template("live/cancel.html", session=session, form=form)
