"""Announcement pages: write one, a course's list, the student's list across courses."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from webinar.access import roles, signed_in
from webinar.announcements import bp
from webinar.announcements.forms import AnnouncementForm, AutomaticForm
from webinar.announcements.mail import mail_enabled
from webinar.announcements.queries import mark_read, page_of, visible_to
from webinar.announcements.service import automatic_on, post
from webinar.announcements.status import deliveries_of
from webinar.courses.queries import course_for
from webinar.lectures.forms import ConfirmForm
from webinar.models import Role

PAGE_SIZE = 20  # a page of everyday announcements stays far below 50 KB compressed


@bp.route("/courses/<int:course_id>/announcements/new", methods=["GET", "POST"])
@roles(Role.TEACHER, Role.ADMIN)
def new(course_id: int):
    """Write an announcement to some of the course's groups: one page, one button."""
    course = course_for(current_user, course_id, manage=True)
    form = AnnouncementForm()
    form.groups.choices = [SelectChoice(g.id, g.name) for g in course.groups]
    if request.method == "GET":
        form.groups.data = [g.id for g in course.groups]
    if form.validate_on_submit():
        chosen = [g for g in course.groups if g.id in form.groups.data]
        post(course, chosen, current_user.id, form.title.data, form.text.data, form.due_on.data)
        flash(_("The announcement was posted. Students of the groups see it on their page."), "success")
        return redirect(url_for("announcements.course_list", course_id=course.id))
    return render_template("announcements/new.html", form=form, course=course, mail_on=mail_enabled())


def _listing(query, template: str, **context):
    """Render one page of announcements, then mark the unread ones shown as read."""
    page = max(request.args.get("page", 1, type=int), 1)
    items = page_of(query, current_user, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    more, items = len(items) > PAGE_SIZE, items[:PAGE_SIZE]
    staff = current_user.role != Role.STUDENT
    context.update(items=items, page=page, more=more, mail_on=mail_enabled(), confirm=ConfirmForm(),
                   deliveries=deliveries_of([a for a, _unread in items]) if staff else {})
    html = render_template(template, **context)
    mark_read(current_user, [a.id for a, unread in items if unread])
    return html


@bp.get("/courses/<int:course_id>/announcements")
@signed_in
def course_list(course_id: int):
    """A course's announcements: a student's groups' only; teachers also see the e-mail status."""
    course = course_for(current_user, course_id)
    manages = current_user.role == Role.ADMIN or course.is_taught_by(current_user)
    switch = AutomaticForm(automatic=automatic_on(course.id), formdata=None) if manages else None
    return _listing(visible_to(current_user, course), "announcements/course.html", course=course,
                    manages=manages, switch=switch)


@bp.get("/announcements")
@signed_in
def mine():
    """Every announcement the user may read, across courses, newest first; unread ones marked."""
    return _listing(visible_to(current_user), "announcements/mine.html", manages=False)
