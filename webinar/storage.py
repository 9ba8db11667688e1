"""The app's storage backend (local files or S3) and a job that checks it works."""
from __future__ import annotations

import io
import os
import time
from typing import Any

from flask import Flask, current_app

from media.storage import Storage, storage_from_config


def init_app(app: Flask) -> None:
    """Build the configured storage backend once per app."""
    app.extensions["aralyk.storage"] = storage_from_config(app.config, app.instance_path)


def storage() -> Storage:
    """The current app's storage backend."""
    return current_app.extensions["aralyk.storage"]


def read_bytes(key: str) -> bytes:
    """A small object's bytes (login lists, not media)."""
    buffer = io.BytesIO()
    storage().get(key, buffer)
    return buffer.getvalue()


def check_storage(ctx) -> dict[str, Any]:
    """Write, read back and delete a probe object: proves the backend works end to end."""
    key = f"private/checks/job-{ctx.job_id}.bin"
    payload = os.urandom(ctx.payload.get("bytes", 1024 * 1024))
    started = time.monotonic()
    storage().put(key, io.BytesIO(payload))
    ctx.progress(0.5, "written")
    ok = read_bytes(key) == payload
    storage().delete(key)
    return {"ok": ok, "bytes": len(payload), "seconds": round(time.monotonic() - started, 3)}
