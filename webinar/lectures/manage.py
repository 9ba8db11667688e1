"""Teachers' pages: upload, rename, reorder, hide/show, replace, captions, delete."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webinar.access import roles
from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.i18n import file_size, safe_next
from webinar.lectures import bp, captions
from webinar.lectures.forms import CaptionForm, ConfirmForm, TitleForm
from webinar.lectures.service import can_manage, delete_lecture, move, status_payload
from webinar.models import Lecture, Role

TEACHING = (Role.TEACHER, Role.ADMIN)


def managed_lecture(lecture_id: int) -> Lecture:
    """The lecture if the current user may manage it (404 / 403 otherwise)."""
    lecture = db.session.get(Lecture, lecture_id) or abort(404)
    if not can_manage(lecture, current_user):
        abort(403)
    return lecture


@bp.get("/courses/<int:course_id>/lectures/new")
@roles(*TEACHING)
def upload(course_id: int):
    """Step 1–3 on one page: pick the file, name it, watch it upload."""
    course = course_for(current_user, course_id, manage=True)
    lecture = None
    if replace := request.args.get("replace", type=int):
        lecture = managed_lecture(replace)
    return render_template("lectures/upload.html", course=course, lecture=lecture,
                           chunk_size=current_app.config["UPLOAD_CHUNK_BYTES"],
                           max_size=file_size(current_app.config["LECTURE_MAX_BYTES"]))


@bp.post("/lectures/<int:lecture_id>/title")
@roles(*TEACHING)
def rename(lecture_id: int):
    """Give the lecture a new title."""
    lecture = managed_lecture(lecture_id)
    form = TitleForm()
    if form.validate_on_submit():
        lecture.title = form.title.data.strip()
        db.session.commit()
        flash(_("Saved."), "success")
    else:
        flash(_("Enter a title of at most 200 characters."), "error")
    return redirect(url_for("lectures.show", lecture_id=lecture.id))


@bp.post("/lectures/<int:lecture_id>/visibility")
@roles(*TEACHING)
def visibility(lecture_id: int):
    """Hide the lecture from students, or show it again."""
    lecture = managed_lecture(lecture_id)
    if ConfirmForm().validate_on_submit():
        lecture.is_visible = request.form.get("visible") == "1"
        db.session.commit()
        flash(_("Students can see this lecture.") if lecture.is_visible
              else _("This lecture is hidden from students."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("lectures.show", lecture_id=lecture.id)))


@bp.post("/lectures/<int:lecture_id>/move")
@roles(*TEACHING)
def reorder(lecture_id: int):
    """Move the lecture one place up or down in the course's list."""
    lecture = managed_lecture(lecture_id)
    if ConfirmForm().validate_on_submit():
        move(lecture, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("courses.course", course_id=lecture.course_id) + "#lectures")


@bp.route("/lectures/<int:lecture_id>/delete", methods=["GET", "POST"])
@roles(*TEACHING)
def delete(lecture_id: int):
    """Ask first; then remove the lecture and all its files."""
    lecture = managed_lecture(lecture_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        course_id = lecture.course_id
        delete_lecture(lecture)
        flash(_("The lecture and its files were deleted."), "success")
        return redirect(url_for("courses.course", course_id=course_id) + "#lectures")
    return render_template("lectures/delete.html", lecture=lecture, form=form)


@bp.post("/lectures/<int:lecture_id>/captions")
@roles(*TEACHING)
def add_caption(lecture_id: int):
    """Attach (or replace) the captions of one language."""
    lecture = managed_lecture(lecture_id)
    form = CaptionForm()
    if not form.validate_on_submit():
        flash(_("Choose a language and a .vtt file."), "error")
    else:
        problem = captions.attach(lecture, form.lang.data, form.file.data)
        flash(problem or _("Captions added."), "error" if problem else "success")
    return redirect(url_for("lectures.show", lecture_id=lecture.id) + "#captions")


@bp.post("/lectures/<int:lecture_id>/captions/<lang>/delete")
@roles(*TEACHING)
def remove_caption(lecture_id: int, lang: str):
    """Remove the captions of one language."""
    lecture = managed_lecture(lecture_id)
    if ConfirmForm().validate_on_submit():
        captions.remove(lecture, lang)
        flash(_("Captions removed."), "success")
    return redirect(url_for("lectures.show", lecture_id=lecture.id) + "#captions")


@bp.get("/lectures/<int:lecture_id>/status.json")
@roles(*TEACHING)
def status(lecture_id: int):
    """Processing progress for the teacher's status panel (polled)."""
    return status_payload(managed_lecture(lecture_id))
