"""Live webinars: scheduling, the lobby and room pages, socket events, media ingest, the replay."""
from flask import Blueprint

bp = Blueprint("live", __name__)

from webinar.live import (events, interaction, media_routes, page, presenting, reports, routes,  # noqa: E402,F401
                          slide_routes)
