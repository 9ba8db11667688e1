"""A webinar's end: stop the ingest, close attendance, and turn the recording into a lecture."""
from __future__ import annotations

from webinar.models import LiveSession


def end_session(session: LiveSession) -> str | None:
    """End the session; returns the URL of the replay lecture, if one is being made."""
    raise NotImplementedError  # written by the lead
