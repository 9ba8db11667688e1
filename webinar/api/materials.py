"""A course's teaching materials by syllabus section: the current version of each file, with its size."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user

from webinar.access import signed_in
from webinar.api import bp
from webinar.api.schemas import MaterialOut, SectionList, SectionOut
from webinar.api.spec import ID, reads, spec
from webinar.courses.queries import course_for
from webinar.materials.routes import teacher_locale
from webinar.materials.sections import sections_of
from webinar.models import Material, PagesStatus


def material_out(material: Material) -> MaterialOut | None:
    """The material's current version (None while it has none)."""
    version = material.current
    if version is None:
        return None
    pages = version.pages_status == PagesStatus.READY and bool(version.page_count)
    return MaterialOut(id=material.id, title=material.title, filename=version.filename, kind=version.kind,
                       bytes=version.size, version=version.number, uploaded_at=version.uploaded_at,
                       download_url=url_for("materials.download", material_id=material.id),
                       pages_url=url_for("materials.pages", material_id=material.id) if pages else None)


@bp.get(f"/courses/<{ID}:course_id>/materials")
@signed_in
@spec.validate(resp=reads(SectionList), tags=["materials"], operation_id="listCourseMaterials")
def course_materials(course_id: int):
    """The course's sections in the teacher's order, each with its files."""
    course = course_for(current_user, course_id)
    sections = sections_of(course, teacher_locale(course))
    return SectionList(items=[SectionOut(id=s.id, title=s.title,
                                         materials=[m for m in map(material_out, s.materials) if m])
                              for s in sections])
