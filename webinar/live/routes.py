"""Webinar pages: schedule, list, lobby and room."""
from __future__ import annotations
