"""A course's syllabus sections: the default six on first use, then the teacher's own list and order."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webinar.extensions import db
from webinar.models import Course, Section
from webinar.storage import storage

DEFAULT_SECTIONS = (
    _l("Syllabus"), _l("Lecture notes"), _l("Practical and lab assignments"), _l("Self-study tasks"),
    _l("Tests and exam questions"), _l("Literature"),
)


def sections_of(course: Course, locale: str | None = None) -> list[Section]:
    """The course's sections in order; the default six are made, in the teacher's language
    (locale, else the owner's chosen one), the first time anyone asks."""
    found = _ordered(course)
    if found:
        return found
    owner = next(iter(course.teachers), None)
    with force_locale(locale or getattr(owner, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
        titles = [str(title) for title in DEFAULT_SECTIONS]
    db.session.add_all(Section(course_id=course.id, title=t, position=n) for n, t in enumerate(titles, 1))
    try:
        db.session.commit()
    except IntegrityError:  # someone else opened the page at the same moment and made them
        db.session.rollback()
    return _ordered(course)


def _ordered(course: Course) -> list[Section]:
    """The sections as stored, in the teacher's order."""
    query = select(Section).where(Section.course_id == course.id).order_by(Section.position, Section.id)
    return list(db.session.scalars(query))


def clean_title(raw: str | None) -> str:
    """A title with runs of spaces made one, at most 200 characters."""
    return " ".join((raw or "").split())[:200]


def title_taken(course_id: int, title: str, but: Section | None = None) -> bool:
    """Whether another section of the course already has this title (any case)."""
    query = select(Section.id).where(Section.course_id == course_id, func.lower(Section.title) == title.lower())
    if but is not None:
        query = query.where(Section.id != but.id)
    return db.session.scalar(query.limit(1)) is not None


def add_section(course: Course, title: str) -> str | None:
    """Add a section at the end; a translated problem instead when the title is empty or taken."""
    title = clean_title(title)
    if not title:
        return _("Enter the section’s name.")
    if title_taken(course.id, title):
        return _("There is a section called “%(title)s” already.", title=title)
    last = db.session.scalar(select(func.max(Section.position)).where(Section.course_id == course.id))
    db.session.add(Section(course_id=course.id, title=title, position=(last or 0) + 1))
    db.session.commit()
    return None


def rename_section(section: Section, title: str) -> str | None:
    """Give the section a new name; a translated problem instead when it is empty or taken."""
    title = clean_title(title)
    if not title:
        return _("Enter the section’s name.")
    if title_taken(section.course_id, title, but=section):
        return _("There is a section called “%(title)s” already.", title=title)
    section.title = title
    db.session.commit()
    return None


def delete_section(section: Section) -> str | None:
    """Remove the section with its files; the last section stays (rename it instead)."""
    if len(_ordered(section.course)) <= 1:
        return _("A course keeps at least one section. Rename this one instead.")
    prefixes = [f"materials/{section.course_id}/{m.id}/" for m in section.materials]
    db.session.delete(section)
    db.session.commit()
    for prefix in prefixes:
        storage().delete_prefix(prefix)
    return None


def swap(items: list, item: object, step: int) -> None:
    """Renumber the items 1..n, then swap the item with its neighbour (step -1 up, +1 down); commits."""
    for index, each in enumerate(items):
        each.position = index + 1
    index = items.index(item)
    other = index + step
    if 0 <= other < len(items):
        items[index].position, items[other].position = items[other].position, items[index].position
    db.session.commit()


def move_section(section: Section, step: int) -> None:
    """Move the section one place up or down."""
    swap(_ordered(section.course), section, step)
