"""Managing announcements: the automatic-announcements switch, e-mail retries, deleting one."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webinar.access import roles
from webinar.announcements import bp
from webinar.announcements.display import heading
from webinar.announcements.forms import AutomaticForm
from webinar.announcements.service import queue_emails, sending, set_automatic
from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.lectures.forms import ConfirmForm
from webinar.models import Announcement, Role

TEACHING = (Role.TEACHER, Role.ADMIN)


def _managed(announcement_id: int) -> Announcement:
    """The announcement if the user teaches its course (404 if missing, 403 if not theirs)."""
    found = db.session.get(Announcement, announcement_id) or abort(404)
    course_for(current_user, found.course_id, manage=True)
    return found


@bp.post("/courses/<int:course_id>/announcements/automatic")
@roles(*TEACHING)
def automatic(course_id: int):
    """Switch the course's automatic announcements of new lectures and webinars on or off."""
    course = course_for(current_user, course_id, manage=True)
    form = AutomaticForm()
    if not form.validate_on_submit():
        abort(400)
    set_automatic(course.id, form.automatic.data)
    flash(_("New lectures and webinars will be announced automatically.") if form.automatic.data
          else _("New lectures and webinars will not be announced automatically."), "success")
    if request.form.get("back") == "course":
        return redirect(url_for("courses.course", course_id=course.id) + "#announcements")
    return redirect(url_for("announcements.course_list", course_id=course.id))


@bp.post("/announcements/<int:announcement_id>/emails/retry")
@roles(*TEACHING)
def retry(announcement_id: int):
    """Try the e-mail copies that failed once more, after the automatic retries gave up."""
    found = _managed(announcement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if sending(found):
        flash(_("The e-mails are being sent already."), "info")
    elif queue_emails(found, current_user.id, retry=True):
        flash(_("The e-mails are being sent again."), "success")
    else:
        flash(_("There is nothing to send: no mail server is set up, or everyone has the e-mail."), "info")
    return redirect(url_for("announcements.course_list", course_id=found.course_id))


@bp.route("/announcements/<int:announcement_id>/delete", methods=["GET", "POST"])
@roles(*TEACHING)
def delete(announcement_id: int):
    """Ask first; then take the announcement away from the students' pages (e-mails sent stay sent)."""
    found = _managed(announcement_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        course_id = found.course_id
        db.session.delete(found)
        db.session.commit()
        flash(_("The announcement was deleted."), "success")
        return redirect(url_for("announcements.course_list", course_id=course_id))
    return render_template("announcements/delete.html", announcement=found, title=heading(found), form=form)
