"""Teaching materials: files per syllabus section, with versions, downloads and PDF page images."""
from flask import Blueprint

bp = Blueprint("materials", __name__)

from webinar.materials import manage, routes, section_routes  # noqa: E402,F401  (routes attach to bp)
