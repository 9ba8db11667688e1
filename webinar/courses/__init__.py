"""Courses: the teacher's main form, course pages, the student's list."""
from flask import Blueprint

bp = Blueprint("courses", __name__)

from webinar.courses import report, routes  # noqa: E402,F401  (routes attach to bp)
