"""Whose materials these are: the course's rule (course_for) decides for every material and section."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from webinar.courses.queries import course_for
from webinar.extensions import db
from webinar.models import Course, Material, Role, Section, User


def can_manage(course: Course, user: User) -> bool:
    """Teachers of the course and admins manage its materials."""
    return user.role == Role.ADMIN or course.is_taught_by(user)


def material_for(material_id: int, *, manage: bool = False) -> Material:
    """The material if the current user may see it (or manage it); 404 if missing, 403 if not theirs."""
    material = db.session.get(Material, material_id) or abort(404)
    course_for(current_user, material.section.course_id, manage=manage)
    return material


def section_for(section_id: int) -> Section:
    """The section if the current user may manage it; 404 if missing, 403 if not theirs."""
    section = db.session.get(Section, section_id) or abort(404)
    course_for(current_user, section.course_id, manage=True)
    return section
