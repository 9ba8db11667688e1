"""What everyone in a course sees: materials by section, downloads with the original name, PDF pages."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug import Response

from webinar.access import signed_in
from webinar.courses.queries import course_for
from webinar.files import serve_stored
from webinar.lectures.forms import ConfirmForm
from webinar.materials import bp
from webinar.materials.access import can_manage, material_for
from webinar.materials.forms import AddForm
from webinar.materials.messages import kind_label, pages_problem, shown_size
from webinar.materials.sections import sections_of
from webinar.models import Course, Material, MaterialVersion, PagesStatus

PAGE_FORMATS = ("webp", "jpg")  # what media/pdf.py writes for each page


@bp.app_template_filter("material_size")
def material_size(count: int) -> str:
    """Jinja: a file size in the user's language."""
    return shown_size(count)


@bp.app_template_filter("material_kind")
def material_kind(kind: str) -> str:
    """Jinja: what a content kind is called."""
    return kind_label(kind)


def teacher_locale(course: Course) -> str | None:
    """The language new default sections get: the current user's if they teach the course."""
    return str(get_locale()) if can_manage(course, current_user) else None


def materials_page(course: Course, form: AddForm | None = None, status: int = 200) -> tuple[str, int]:
    """The course's materials page: the teacher's tools, or the students' light list."""
    sections = sections_of(course, teacher_locale(course))
    if not can_manage(course, current_user):
        return render_template("materials/index.html", course=course, sections=sections, manage=False), status
    form = form or AddForm(section=request.args.get("section", type=int))
    form.section.choices = [(s.id, s.title) for s in sections]
    return render_template("materials/index.html", course=course, sections=sections, manage=True,
                           form=form, confirm=ConfirmForm()), status


@bp.get("/courses/<int:course_id>/materials")
@signed_in
def index(course_id: int):
    """Materials grouped by section, each with its size before the download."""
    return materials_page(course_for(current_user, course_id))


def _download(version: MaterialVersion) -> Response:
    """The version's file under the name it was uploaded with."""
    return serve_stored(version.key, immutable=True, download_name=version.filename)


@bp.get("/materials/<int:material_id>/download")
@signed_in
def download(material_id: int):
    """The current version of a material."""
    material = material_for(material_id)
    return _download(material.current or abort(404))


@bp.get("/materials/<int:material_id>/versions/<int:number>/download")
@signed_in
def download_version(material_id: int, number: int):
    """An older version, for the course's teachers (students get the current one only)."""
    material = material_for(material_id)
    version = next((v for v in material.versions if v.number == number), None) or abort(404)
    if number != material.current_number:
        course_for(current_user, material.section.course_id, manage=True)
    return _download(version)


def readable_pages(material: Material) -> MaterialVersion:
    """The current version if its page images are ready (404 otherwise)."""
    version = material.current
    if version is None or version.pages_status != PagesStatus.READY or not version.page_count:
        abort(404)
    return version


@bp.get("/materials/<int:material_id>/pages")
@signed_in
def pages(material_id: int):
    """A PDF as a few page images per screen, for phones; no JavaScript."""
    material = material_for(material_id)
    version = material.current or abort(404)
    if version.pages_status != PagesStatus.READY:
        return render_template("materials/pages.html", material=material, version=version, numbers=[],
                               problem=None if version.pages_status == PagesStatus.PROCESSING
                               else pages_problem(version.pages_error))
    per = current_app.config["MATERIALS_PAGES_PER_SCREEN"]
    first = min(max(request.args.get("from", 1, type=int), 1), version.page_count)
    numbers = list(range(first, min(first + per, version.page_count + 1)))
    return render_template("materials/pages.html", material=material, version=version, numbers=numbers,
                           problem=None, per=per)


@bp.get("/materials/<int:material_id>/pages/<int:number>.<fmt>")
@signed_in
def page_image(material_id: int, number: int, fmt: str):
    """One page image (webp or jpg) of the current version (cached: a new version gets new URLs)."""
    version = readable_pages(material_for(material_id))
    if fmt not in PAGE_FORMATS or not 1 <= number <= version.page_count:
        abort(404)
    current = request.args.get("v") == str(version.number)  # an old version's URL gets today's page: not kept
    return serve_stored(f"{version.pages_prefix}/{number}.{fmt}", immutable=current)
