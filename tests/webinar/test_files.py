"""Private files: expiring signed links, byte ranges, and the same code on S3."""
from __future__ import annotations

import io
import urllib.request
import uuid

from flask import Flask

from tests.conftest import make_app
from webinar.extensions import db
from webinar.files import file_url
from webinar.storage import storage
from workers import enqueue

DATA = bytes(range(256)) * 100


def test_local_link_serves_the_file_with_ranges(app: Flask, client) -> None:
    with app.test_request_context():
        storage().put("private/lecture/audio.opus", io.BytesIO(DATA))
        url = file_url("private/lecture/audio.opus")
    assert "private" not in url  # the key is signed, not guessable from the link
    with client.get(url) as whole:
        assert whole.data == DATA
    with client.get(url, headers={"Range": "bytes=100-199"}) as part:
        assert part.status_code == 206 and part.data == DATA[100:200]


def test_tampered_or_expired_links_are_refused(app: Flask, client) -> None:
    with app.test_request_context():
        storage().put("private/a.bin", io.BytesIO(DATA))
        url = file_url("private/a.bin")
    assert client.get(url[:-3] + "abc").status_code == 404
    app.config["FILE_URL_MAX_AGE"] = -1
    assert client.get(url).status_code == 404


def test_download_name_is_kept_for_cyrillic_names(app: Flask, client) -> None:
    with app.test_request_context():
        storage().put("private/b.pdf", io.BytesIO(DATA))
        url = file_url("private/b.pdf", filename="Лекция 1.pdf")
    with client.get(url) as response:
        disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''" in disposition


def test_s3_backend_gives_presigned_links_and_runs_the_storage_check(app_config, moto_endpoint) -> None:
    bucket = f"aralyk-{uuid.uuid4().hex[:8]}"
    app = make_app({**app_config, "STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": moto_endpoint,
                    "S3_ACCESS_KEY": "testing", "S3_SECRET_KEY": "testing"})
    with app.test_request_context():
        storage().ensure_bucket()
        storage().put("private/c.bin", io.BytesIO(DATA))
        url = file_url("private/c.bin")
        assert url.startswith(moto_endpoint) and "Signature" in url
        with urllib.request.urlopen(url) as response:
            assert response.read() == DATA
        job = enqueue("storage_check", {"bytes": 100_000})
        db.session.refresh(job)
        assert job.result["ok"] and job.result["bytes"] == 100_000
        assert not storage().exists(f"private/checks/job-{job.id}.bin")
        db.engine.dispose()
