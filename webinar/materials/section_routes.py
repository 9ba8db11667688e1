"""Teachers' actions on a course's syllabus sections: add, rename, reorder, remove (after a confirmation)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from webinar.access import roles
from webinar.courses.queries import course_for
from webinar.lectures.forms import ConfirmForm
from webinar.materials import bp, sections
from webinar.materials.access import section_for
from webinar.materials.forms import TitleForm
from webinar.models import Course, Role

TEACHING = (Role.TEACHER, Role.ADMIN)


def sections_page(course: Course, form: TitleForm | None = None, status: int = 200) -> tuple[str, int]:
    """The list of sections with a name field each, ↑/↓, remove, and a field for a new one."""
    found = sections.sections_of(course, str(get_locale()))
    return render_template("materials/sections.html", course=course, sections=found, confirm=ConfirmForm(),
                           form=form or TitleForm(formdata=None)), status


@bp.get("/courses/<int:course_id>/materials/sections")
@roles(*TEACHING)
def edit_sections(course_id: int):
    """The course's sections, to rename, reorder, remove or add."""
    return sections_page(course_for(current_user, course_id, manage=True))


@bp.post("/courses/<int:course_id>/materials/sections")
@roles(*TEACHING)
def add_section(course_id: int):
    """Add a section at the end of the list."""
    course = course_for(current_user, course_id, manage=True)
    form = TitleForm()
    problem = sections.add_section(course, form.title.data) if form.validate_on_submit() \
        else _("Enter the section’s name (at most 200 characters).")
    if problem:
        form.title.errors = [problem]
        return sections_page(course, form, 400)
    flash(_("The section was added."), "success")
    return redirect(url_for("materials.edit_sections", course_id=course.id))


@bp.post("/material-sections/<int:section_id>/title")
@roles(*TEACHING)
def rename_section(section_id: int):
    """Give a section a new name."""
    section = section_for(section_id)
    form = TitleForm()
    problem = sections.rename_section(section, form.title.data) if form.validate_on_submit() \
        else _("Enter the section’s name (at most 200 characters).")
    flash(problem or _("Saved."), "error" if problem else "success")
    return redirect(url_for("materials.edit_sections", course_id=section.course_id) + f"#s{section.id}")


@bp.post("/material-sections/<int:section_id>/move")
@roles(*TEACHING)
def move_section(section_id: int):
    """Move a section one place up or down."""
    section = section_for(section_id)
    if ConfirmForm().validate_on_submit():
        sections.move_section(section, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("materials.edit_sections", course_id=section.course_id))


@bp.route("/material-sections/<int:section_id>/delete", methods=["GET", "POST"])
@roles(*TEACHING)
def delete_section(section_id: int):
    """Ask first (naming the files that go with it); then remove the section."""
    section = section_for(section_id)
    course_id = section.course_id
    form = ConfirmForm()
    if form.validate_on_submit():
        title = section.title
        problem = sections.delete_section(section)
        flash(problem or _("The section “%(title)s” was removed.", title=title), "error" if problem else "success")
        return redirect(url_for("materials.edit_sections", course_id=course_id))
    return render_template("materials/delete_section.html", section=section, form=form)
