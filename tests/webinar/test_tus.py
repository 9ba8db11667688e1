"""tus 1.0 uploads through a real HTTP server, with tuspy and plain requests as the clients."""
from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import shutil
import threading
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from flask import Flask, current_app
from sqlalchemy import func, select, update
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

from tests.conftest import PASSWORD, make_app
from tests.helpers import both_databases, serving
from webinar.extensions import db
from webinar.models import Role, Upload, User
from webinar.models.base import utcnow
from webinar.models.uploads import expire_uploads, hold
from webinar.uploads import UploadPurpose, UploadRefused, purposes
from webinar.uploads.transfer import CHUNK_BYTES

PURPOSE = "test-recording"
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}
MiB = 1024 * 1024


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The suite's test settings plus a staging folder under tmp_path and small limits."""
    return {**app_config, "UPLOAD_STAGING_DIR": str(tmp_path / "staging"),
            "UPLOAD_MAX_BYTES": 64 * MiB, "TEST_PURPOSE_MAX_BYTES": 48 * MiB}


@dataclass
class Recorder:
    """What the test purpose saw: every finish call, and how many to refuse first."""

    done: Path
    calls: list[str] = field(default_factory=list)
    refuse: int = 0

    def finished(self, upload_id: str) -> bytes:
        return (self.done / upload_id).read_bytes()


@pytest.fixture
def purpose(tmp_path: Path) -> Iterator[Recorder]:
    """A purpose for teachers that moves finished files into tmp_path/done and answers /done/<id>."""
    recorder = Recorder(tmp_path / "done")
    recorder.done.mkdir()

    def authorize(user: User, metadata: dict[str, str]) -> None:
        if user.role != Role.TEACHER:
            raise UploadRefused(403, "Only teachers upload recordings.")

    def finish(upload: Upload, path: Path) -> str | None:
        recorder.calls.append(upload.id)
        if recorder.refuse:
            recorder.refuse -= 1
            raise UploadRefused(503, "Storage is not available.")
        shutil.move(path, recorder.done / upload.id)
        return f"/done/{upload.id}"

    purposes.register(PURPOSE, UploadPurpose(
        authorize, lambda: current_app.config["TEST_PURPOSE_MAX_BYTES"], finish))
    yield recorder
    purposes.unregister(PURPOSE)


@pytest.fixture
def base_url(app: Flask, purpose: Recorder) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture
def sign_in(make_user: Callable[..., User]) -> Iterator[Callable[..., requests.Session]]:
    """Sign a new user in through the login form; their requests.Session is closed afterwards."""
    sessions: list[requests.Session] = []

    def make(base: str, username: str, role: Role = Role.TEACHER) -> requests.Session:
        make_user(username, role)
        session = requests.Session()
        sessions.append(session)
        session.headers.update({"Accept-Language": "en", **TUS})
        with session.post(f"{base}/login", data={"username": username, "password": PASSWORD},
                          allow_redirects=False) as response:
            assert response.status_code == 302, response.text
        return session

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def teacher(base_url: str, sign_in) -> requests.Session:
    return sign_in(base_url, "teacher")


def metadata(purpose: str = PURPOSE, filename: str = "лекция 1.mp4") -> str:
    """An Upload-Metadata header."""
    pairs = {"purpose": purpose, "filename": filename}
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def create(session: requests.Session, base: str, length: int, **headers: str) -> requests.Response:
    """POST a new upload and return the (closed) response."""
    with session.post(f"{base}/uploads/", headers={"Upload-Length": str(length),
                                                   "Upload-Metadata": metadata(), **headers}) as response:
        return response


def new_upload(session: requests.Session, base: str, length: int) -> str:
    response = create(session, base, length)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def call(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """One request, its body read and the connection released."""
    with session.request(method, url, **kwargs) as response:
        response.content
        return response


def patch(session: requests.Session, url: str, offset: int, body: bytes, **headers: str) -> requests.Response:
    return call(session, "PATCH", url, data=body, headers={**OCTETS, "Upload-Offset": str(offset), **headers})


def offset_of(session: requests.Session, url: str) -> int:
    response = call(session, "HEAD", url)
    assert response.status_code == 200, response.status_code
    return int(response.headers["Upload-Offset"])


def sha1_header(data: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def tus_client(session: requests.Session, base: str) -> TusClient:
    """tuspy, carrying the browser session's cookie."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return TusClient(f"{base}/uploads/", headers={"Cookie": cookie, "Accept-Language": "en"})


def staged(app: Flask, url: str) -> Path:
    return Path(app.config["UPLOAD_STAGING_DIR"]) / f"{url.rsplit('/', 1)[1]}.part"


def test_options_reports_what_the_server_supports(base_url: str) -> None:
    with requests.options(f"{base_url}/uploads/") as response:
        assert response.status_code == 204
        assert response.headers["Tus-Version"] == "1.0.0"
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert set(response.headers["Tus-Extension"].split(",")) == {
            "creation", "termination", "expiration", "checksum"}
        assert response.headers["Tus-Max-Size"] == str(64 * MiB)
        assert response.headers["Tus-Checksum-Algorithm"] == "sha1"


@both_databases
def test_tuspy_uploads_a_file_in_small_chunks(app: Flask, base_url: str, teacher, purpose: Recorder,
                                               tmp_path: Path) -> None:
    data = os.urandom(300_000)
    with open(tmp_path / "source.bin", "w+b") as source:
        source.write(data)
        uploader = tus_client(teacher, base_url).uploader(
            file_stream=source, chunk_size=64 * 1024, upload_checksum=True,
            metadata={"purpose": PURPOSE, "filename": "лекция 1.mp4"})
        uploader.upload()
    assert uploader.url.startswith(f"{base_url}/uploads/")  # Location is absolute
    key = uploader.url.rsplit("/", 1)[1]
    assert uploader.request.response_headers["aralyk-location"] == f"/done/{key}"
    assert hashlib.sha256(purpose.finished(key)).digest() == hashlib.sha256(data).digest()
    assert purpose.calls == [key]
    assert not staged(app, uploader.url).exists()
    with app.app_context():
        upload = db.session.get(Upload, key)
        assert (upload.offset, upload.filename, upload.meta["purpose"]) == (300_000, "лекция 1.mp4", PURPOSE)
        assert upload.completed_at is not None and upload.finished_at is not None


@both_databases
def test_an_interrupted_upload_resumes_from_the_servers_offset(app: Flask, base_url: str, teacher,
                                                               purpose: Recorder, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    with open(tmp_path / "source.bin", "w+b") as source:
        source.write(data)
        client = tus_client(teacher, base_url)
        first = client.uploader(file_stream=source, chunk_size=50_000, metadata={"purpose": PURPOSE})
        first.upload(stop_at=100_000)  # the link drops here
        second = client.uploader(file_stream=source, url=first.url, chunk_size=50_000)
        assert second.offset == 100_000  # asked the server with HEAD
        second.upload()
    assert purpose.finished(first.url.rsplit("/", 1)[1]) == data


@contextmanager
def half_sent_patch(url: str, cookie: str, length: int, first: bytes, **headers: str) -> Iterator[None]:
    """A PATCH announcing length bytes that sends only `first`, then drops the connection."""
    host, _sep, path = url.removeprefix("http://").partition("/")
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.putrequest("PATCH", "/" + path)
        for name, value in {**OCTETS, "Upload-Offset": "0", "Content-Length": str(length),
                            "Cookie": cookie, **headers}.items():
            connection.putheader(name, value)
        connection.endheaders(first)
        yield
    finally:
        connection.close()


def probe(session: requests.Session, url: str) -> int:
    """An empty PATCH at offset 0: 423 while another request holds the upload."""
    return patch(session, url, 0, b"").status_code


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("checksum", [False, True])
def test_a_cut_connection_keeps_what_arrived_unless_a_checksum_was_sent(
        app: Flask, base_url: str, teacher, checksum: bool) -> None:
    url = new_upload(teacher, base_url, 4 * CHUNK_BYTES)
    body = os.urandom(4 * CHUNK_BYTES)
    sent = CHUNK_BYTES + 1000  # one whole read, then part of the next
    extra = {"Upload-Checksum": sha1_header(body)} if checksum else {}
    cookie = f"session={teacher.cookies['session']}"
    with half_sent_patch(url, cookie, len(body), body[:sent], **extra):
        wait_for(lambda: staged(app, url).stat().st_size == CHUNK_BYTES)  # the first PATCH holds the upload
        assert probe(teacher, url) == 423  # so a second one may not interleave
    wait_for(lambda: probe(teacher, url) != 423)
    kept = 0 if checksum else sent
    assert offset_of(teacher, url) == kept
    assert staged(app, url).stat().st_size == kept
    assert patch(teacher, url, kept, body[kept:]).status_code == 204


def test_a_wrong_checksum_is_refused_and_the_offset_stays(app: Flask, base_url: str, teacher) -> None:
    url = new_upload(teacher, base_url, 10)
    response = patch(teacher, url, 0, b"0123456789", **{"Upload-Checksum": sha1_header(b"other")})
    assert response.status_code == 460
    assert response.text and response.headers["Tus-Resumable"] == "1.0.0"
    assert offset_of(teacher, url) == 0
    assert staged(app, url).stat().st_size == 0
    assert patch(teacher, url, 0, b"0123", **{"Upload-Checksum": "md5 " + "A" * 24}).status_code == 400
    assert patch(teacher, url, 0, b"0123", **{"Upload-Checksum": sha1_header(b"0123")}).status_code == 204
    assert offset_of(teacher, url) == 4


def test_patch_at_the_wrong_offset_is_a_conflict(base_url: str, teacher) -> None:
    url = new_upload(teacher, base_url, 10)
    assert patch(teacher, url, 0, b"01234").status_code == 204
    response = patch(teacher, url, 0, b"01234")
    assert response.status_code == 409 and "Resume" in response.text
    assert offset_of(teacher, url) == 5


def test_patch_needs_the_offset_octet_stream_type(base_url: str, teacher) -> None:
    url = new_upload(teacher, base_url, 10)
    response = patch(teacher, url, 0, b"01234", **{"Content-Type": "application/octet-stream"})
    assert response.status_code == 415
    assert offset_of(teacher, url) == 0


@pytest.mark.parametrize("version", [None, "0.2.2"])
def test_requests_without_our_tus_version_are_refused(base_url: str, teacher, version: str | None) -> None:
    url = new_upload(teacher, base_url, 10)
    del teacher.headers["Tus-Resumable"]
    headers = {"Tus-Resumable": version} if version else {}
    for response in [create(teacher, base_url, 10, **headers), call(teacher, "HEAD", url, headers=headers),
                     call(teacher, "PATCH", url, data=b"0", headers={**headers, "Upload-Offset": "0",
                          "Content-Type": "application/offset+octet-stream"})]:
        assert response.status_code == 412
        assert response.headers["Tus-Version"] == "1.0.0"


def test_a_file_over_the_limit_is_refused_before_any_byte_is_sent(app: Flask, base_url: str, teacher,
                                                                  tmp_path: Path) -> None:
    response = create(teacher, base_url, 48 * MiB + 1)
    assert response.status_code == 413
    assert "48 MB" in response.text
    with open(tmp_path / "big.bin", "w+b") as source:
        source.truncate(48 * MiB + 1)
        uploader = tus_client(teacher, base_url).uploader(file_stream=source, metadata={"purpose": PURPOSE})
        with pytest.raises(TusCommunicationError) as refused:
            uploader.upload()
    assert refused.value.status_code == 413
    assert not list(Path(app.config["UPLOAD_STAGING_DIR"]).glob("*"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_a_body_longer_than_the_upload_is_refused(base_url: str, teacher) -> None:
    url = new_upload(teacher, base_url, 10)
    assert patch(teacher, url, 0, b"0123456789AB").status_code == 413  # Content-Length says so
    streamed = call(teacher, "PATCH", url, data=iter([b"01234", b"56789", b"AB"]),  # chunked: counted
                    headers={**OCTETS, "Upload-Offset": "0"})
    assert streamed.status_code == 413
    assert offset_of(teacher, url) == 0


@both_databases
def test_delete_removes_the_staged_data(app: Flask, base_url: str, teacher) -> None:
    url = new_upload(teacher, base_url, 10)
    assert patch(teacher, url, 0, b"01234").status_code == 204
    assert call(teacher, "DELETE", url).status_code == 204
    assert not staged(app, url).exists()
    assert call(teacher, "HEAD", url).status_code == 404
    assert patch(teacher, url, 5, b"56789").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


@both_databases
def test_expired_uploads_are_gone_and_the_reaper_removes_their_files(app: Flask, base_url: str, teacher,
                                                                    purpose: Recorder) -> None:
    stale, busy, fresh, done = (new_upload(teacher, base_url, 10) for _ in range(4))
    assert patch(teacher, done, 0, b"0123456789").status_code == 204
    with app.app_context():
        past = utcnow() - timedelta(minutes=1)
        keys = [u.rsplit("/", 1)[1] for u in (stale, busy, done)]
        db.session.execute(update(Upload).where(Upload.id.in_(keys)).values(expires_at=past))
        db.session.commit()
    assert call(teacher, "HEAD", stale).status_code == 410
    assert patch(teacher, stale, 0, b"0").status_code == 410
    with app.app_context():
        with hold(staged(app, busy)):  # a PATCH is still writing it
            assert expire_uploads() == 1
        assert expire_uploads() == 1
        assert expire_uploads() == 0
    assert not staged(app, stale).exists() and not staged(app, busy).exists()
    assert call(teacher, "HEAD", stale).status_code == 404
    assert offset_of(teacher, fresh) == 0
    assert call(teacher, "HEAD", done).headers["Aralyk-Location"].startswith("/done/")


def test_another_users_upload_does_not_exist_for_them(base_url: str, teacher, sign_in) -> None:
    url = new_upload(teacher, base_url, 10)
    other = sign_in(base_url, "other-teacher")
    assert call(other, "HEAD", url).status_code == 404
    assert patch(other, url, 0, b"01234").status_code == 404
    assert call(other, "DELETE", url).status_code == 404
    assert offset_of(teacher, url) == 0


def test_the_purpose_refuses_a_student(app: Flask, base_url: str, sign_in) -> None:
    student = sign_in(base_url, "student", Role.STUDENT)
    response = create(student, base_url, 10)
    assert response.status_code == 403
    assert response.text == "Only teachers upload recordings."
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("header", [
    metadata(purpose="no-such-purpose"), "filename bGVjdHVyZS5tcDQ=", "purpose not-base64!", ""])
def test_an_unknown_purpose_or_unreadable_metadata_is_a_bad_request(base_url: str, teacher, header: str) -> None:
    response = create(teacher, base_url, 10, **{"Upload-Metadata": header})
    assert response.status_code == 400
    assert response.text


@both_databases
def test_finish_runs_once_even_when_the_final_patch_is_retried(app: Flask, base_url: str, teacher,
                                                               purpose: Recorder) -> None:
    url = new_upload(teacher, base_url, 10)
    key = url.rsplit("/", 1)[1]
    purpose.refuse = 1
    refused = patch(teacher, url, 0, b"0123456789")
    assert refused.status_code == 503 and refused.text == "Storage is not available."
    assert staged(app, url).read_bytes() == b"0123456789"  # nothing lost
    assert [p.name for p in staged(app, url).parent.iterdir()] == [f"{key}.part"]
    assert offset_of(teacher, url) == 10 and purpose.calls == [key, key]  # HEAD finished it
    for _ in range(2):
        retried = patch(teacher, url, 10, b"")
        assert retried.status_code == 204
        assert retried.headers["Aralyk-Location"] == f"/done/{key}"
    assert purpose.calls == [key, key]
    assert purpose.finished(key) == b"0123456789"


@both_databases
def test_concurrent_retries_finish_exactly_once(app: Flask, base_url: str, teacher, purpose: Recorder) -> None:
    url = new_upload(teacher, base_url, 10)
    purpose.refuse = 1
    assert patch(teacher, url, 0, b"0123456789").status_code == 503
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(patch(teacher, url, 10, b"").status_code))
               for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {204, 423} and 204 in statuses
    assert len(purpose.calls) == 2  # the refused call and exactly one successful one


def test_refusals_are_short_text_in_the_users_language(base_url: str, teacher) -> None:
    russian = {"Accept-Language": "ru"}
    missing = patch(teacher, f"{base_url}/uploads/{uuid.uuid4()}", 0, b"0", **russian)
    assert missing.status_code == 404 and missing.text == "Такой загрузки нет. Начните загрузку заново."
    too_large = create(teacher, base_url, 48 * MiB + 1, **russian)
    assert too_large.text == "Размер файла превышает ограничение в 48 МБ."
    assert too_large.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_x_http_method_override_patches_through_post(base_url: str, teacher) -> None:
    url = new_upload(teacher, base_url, 10)
    response = call(teacher, "POST", url, data=b"01234",
                    headers={**OCTETS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"})
    assert response.status_code == 204 and response.headers["Upload-Offset"] == "5"
    assert call(teacher, "POST", url).status_code == 405


def test_creation_is_rate_limited_per_user(app: Flask, base_url: str, teacher, sign_in) -> None:
    app.config["UPLOAD_RATE_LIMIT"] = "2 per hour"
    assert [create(teacher, base_url, 10).status_code for _ in range(3)] == [201, 201, 429]
    assert create(sign_in(base_url, "other-teacher"), base_url, 10).status_code == 201


def test_memory_stays_flat_while_a_large_body_streams_in(as_teacher, purpose: Recorder, tmp_path: Path) -> None:
    """In-process, since werkzeug's development server drains bodies with a 10 MB read of its own."""
    size = 40 * MiB
    with open(tmp_path / "large.bin", "w+b") as body:
        for _ in range(size // MiB):
            body.write(os.urandom(MiB))
        created = as_teacher.post("/uploads/", headers={**TUS, "Upload-Length": str(size),
                                                        "Upload-Metadata": metadata()})
        body.seek(0)
        tracemalloc.start()
        try:
            response = as_teacher.patch(created.headers["Location"], input_stream=body, headers={
                **OCTETS, "Upload-Offset": "0", "Content-Length": str(size)})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert response.status_code == 204 and response.headers["Upload-Offset"] == str(size)
    assert purpose.calls  # finished
    assert peak < 2 * MiB, f"peak {peak / MiB:.1f} MiB"  # and MAX_CONTENT_LENGTH (16 MiB) was lifted


def test_csrf_is_enforced_when_enabled(app_config: dict[str, Any], purpose: Recorder, tmp_path: Path) -> None:
    app = make_app({**app_config, "WTF_CSRF_ENABLED": True, "MAX_CONTENT_LENGTH": 1024})
    with app.app_context():
        user = User(username="teacher", full_name="T", role=Role.TEACHER)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    with serving(app) as base, requests.Session() as session:
        with session.get(f"{base}/login") as page:
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        with session.post(f"{base}/login", allow_redirects=False, data={
                "username": "teacher", "password": PASSWORD, "csrf_token": token}) as signed:
            assert signed.status_code == 302
        with session.get(f"{base}/password") as page:  # the session is new after sign-in, and so is its token
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        session.headers.update({"Accept-Language": "en", **TUS})
        assert create(session, base, 4096).status_code == 400
        with session.post(f"{base}/uploads/", headers={"Upload-Length": "4096", "Upload-Metadata": metadata(),
                                                       "X-CSRFToken": token}) as created:
            assert created.status_code == 201
            url = created.headers["Location"]
        body = os.urandom(4096)  # more than MAX_CONTENT_LENGTH: the upload's own limit applies
        refused = patch(session, url, 0, body)
        assert refused.status_code == 400 and "Reload the page" in refused.text
        assert offset_of(session, url) == 0
        assert patch(session, url, 0, body, **{"X-CSRFToken": token}).status_code == 204
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
