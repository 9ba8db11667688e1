"""Teachers' actions on files: add, new version, rename, reorder, remove (after a confirmation)."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from webinar.access import roles
from webinar.courses.queries import course_for
from webinar.lectures.forms import ConfirmForm
from webinar.materials import bp
from webinar.materials.access import material_for
from webinar.materials.forms import AddForm, TitleForm, VersionForm
from webinar.materials.messages import refusal
from webinar.materials.routes import materials_page
from webinar.materials.sections import sections_of, swap
from webinar.materials import service
from webinar.materials.sniff import Refused
from webinar.models import Material, Role, Section
from workers import dispatch

TEACHING = (Role.TEACHER, Role.ADMIN)
FILE_FORMS = {"materials.add", "materials.add_version"}
FORM_SLACK = 256 * 1024  # the rest of the multipart body: boundaries, the token, the other fields


class TooLarge(Exception):
    """The request declares a body larger than a material may be."""


@bp.url_value_preprocessor
def lift_file_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let the file forms through up to MATERIALS_MAX_BYTES; refuse a larger body before reading it."""
    if endpoint not in FILE_FORMS or request.method != "POST":
        return
    allowed = current_app.config["MATERIALS_MAX_BYTES"] + FORM_SLACK
    if (request.content_length or 0) > allowed:
        raise TooLarge()
    request.max_content_length = allowed


@bp.errorhandler(TooLarge)
def too_large(error: TooLarge) -> Response:
    """Back to the page the form is on, with the limit in words."""
    flash(refusal("too_large"), "error")
    args = request.view_args or {}
    if "material_id" in args:
        return redirect(url_for("materials.show", material_id=args["material_id"]))
    return redirect(url_for("materials.index", course_id=args.get("course_id", 0)))


def _queued(job) -> None:
    """Dispatch a committed pages job, if the file is a PDF."""
    if job is not None:
        dispatch(job.id)


def _anchor(material: Material) -> str:
    """The materials page, scrolled to the material's section."""
    return url_for("materials.index", course_id=material.section.course_id) + f"#section-{material.section_id}"


@bp.post("/courses/<int:course_id>/materials")
@roles(*TEACHING)
def add(course_id: int):
    """Add a file to a section; a refusal keeps the chosen section and title and says what was wrong."""
    course = course_for(current_user, course_id, manage=True)
    form = AddForm()
    sections = {s.id: s for s in sections_of(course)}
    form.section.choices = [(s.id, s.title) for s in sections.values()]
    if not form.validate_on_submit():
        return materials_page(course, form, 400)
    section: Section = sections[form.section.data]
    title = " ".join((form.title.data or "").split())
    try:
        material, job = service.add_material(section, form.file.data, title, current_user)
    except Refused as exc:
        form.file.errors = [refusal(exc.code, exc.params)]
        return materials_page(course, form, 400)
    flash(_("“%(title)s” was added to “%(section)s”.", title=material.title, section=section.title), "success")
    target = _anchor(material)
    _queued(job)
    return redirect(target)


def material_page(material: Material, form: VersionForm | None = None, status: int = 200) -> tuple[str, int]:
    """A material's page for its teachers: new version, older versions, rename, remove."""
    title = TitleForm(title=material.title)
    return render_template("materials/material.html", material=material, form=form or VersionForm(),
                           title_form=title), status


@bp.get("/materials/<int:material_id>")
@roles(*TEACHING)
def show(material_id: int):
    """The teacher's page of one material."""
    return material_page(material_for(material_id, manage=True))


@bp.post("/materials/<int:material_id>/versions")
@roles(*TEACHING)
def add_version(material_id: int):
    """Replace the file with a new version; the old one stays listed."""
    material = material_for(material_id, manage=True)
    form = VersionForm()
    if not form.validate_on_submit():
        return material_page(material, form, 400)
    try:
        job = service.add_version(material, form.file.data, current_user)
    except Refused as exc:
        form.file.errors = [refusal(exc.code, exc.params)]
        return material_page(material, form, 400)
    flash(_("The new version was saved; students now get it. The older one is listed below."), "success")
    target = url_for("materials.show", material_id=material.id)
    _queued(job)
    return redirect(target)


@bp.post("/materials/<int:material_id>/title")
@roles(*TEACHING)
def rename(material_id: int):
    """Give the material a new title."""
    material = material_for(material_id, manage=True)
    form = TitleForm()
    if form.validate_on_submit() and form.title.data.strip():
        service.rename_material(material, form.title.data)
        flash(_("Saved."), "success")
    else:
        flash(_("Enter a title of at most 200 characters."), "error")
    return redirect(url_for("materials.show", material_id=material.id))


@bp.post("/materials/<int:material_id>/move")
@roles(*TEACHING)
def move(material_id: int):
    """Move the material one place up or down in its section."""
    material = material_for(material_id, manage=True)
    if ConfirmForm().validate_on_submit():
        swap(list(material.section.materials), material, -1 if request.form.get("direction") == "up" else 1)
    return redirect(_anchor(material))


@bp.route("/materials/<int:material_id>/delete", methods=["GET", "POST"])
@roles(*TEACHING)
def delete(material_id: int):
    """Ask first; then remove the material with every version."""
    material = material_for(material_id, manage=True)
    form = ConfirmForm()
    if form.validate_on_submit():
        target, title = _anchor(material), material.title
        service.delete_material(material)
        flash(_("“%(title)s” and all its versions were removed.", title=title), "success")
        return redirect(target)
    return render_template("materials/delete.html", material=material, form=form)

