"""Job handlers by kind: each takes a JobContext and returns a JSON-able result."""
from __future__ import annotations

from typing import Any, Callable

from webinar.roster.accounts import run_import_job
from webinar.storage import check_storage
from workers.announcement_job import send_announcement_emails
from workers.lecture_job import process_lecture, rebuild_bundle
from workers.live_replay_job import make_replay
from workers.live_slides_job import render_slides
from workers.material_pages_job import render_material_pages


HANDLERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "roster_import": run_import_job,
    "announcement_email": send_announcement_emails,
    "storage_check": check_storage,
    "lecture_process": process_lecture,
    "lecture_bundle": rebuild_bundle,
    "live_slides": render_slides,
    "live_replay": make_replay,
    "material_pages": render_material_pages,
}
