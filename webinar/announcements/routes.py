"""Announcement pages: write one, a course's list, the student's list across courses, e-mail retries."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from webinar.access import roles, signed_in
from webinar.announcements import bp
from webinar.announcements.forms import AnnouncementForm, AutomaticForm
from webinar.announcements.mail import mail_enabled
from webinar.announcements.queries import mark_read, page_of, visible_to
from webinar.announcements.service import automatic_on, post, queue_emails, sending, set_automatic
from webinar.announcements.status import deliveries_of
from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.lectures.forms import ConfirmForm
from webinar.models import Announcement, Course, Role

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
    switch = AutomaticForm(automatic=automatic_on(course.id)) if manages else None
    return _listing(visible_to(current_user, course), "announcements/course.html", course=course,
                    manages=manages, switch=switch)


@bp.get("/announcements")
@signed_in
def mine():
    """Every announcement the user may read, across courses, newest first; unread ones marked."""
    return _listing(visible_to(current_user), "announcements/mine.html", manages=False)


@bp.post("/courses/<int:course_id>/announcements/automatic")
@roles(Role.TEACHER, Role.ADMIN)
def automatic(course_id: int):
    """Switch the course's automatic announcements of new lectures and webinars on or off."""
    course = course_for(current_user, course_id, manage=True)
    form = AutomaticForm()
    if not form.validate_on_submit():
        abort(400)
    set_automatic(course.id, form.automatic.data)
    flash(_("New lectures and webinars will be announced automatically.") if form.automatic.data
          else _("New lectures and webinars will not be announced automatically."), "success")
    return redirect(url_for("announcements.course_list", course_id=course.id))


@bp.post("/announcements/<int:announcement_id>/emails/retry")
@roles(Role.TEACHER, Role.ADMIN)
def retry(announcement_id: int):
    """Try the e-mail copies that failed once more, after the automatic retries gave up."""
    found = db.session.get(Announcement, announcement_id) or abort(404)
    course: Course = course_for(current_user, found.course_id, manage=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if sending(found):
        flash(_("The e-mails are being sent already."), "info")
    elif queue_emails(found, current_user.id):
        flash(_("The e-mails are being sent again."), "success")
    else:
        flash(_("There is nothing to send: no mail server is set up, or everyone has the e-mail."), "info")
    return redirect(url_for("announcements.course_list", course_id=course.id))
