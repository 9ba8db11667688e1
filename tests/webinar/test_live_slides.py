"""Webinar slides through the real routes: a teacher's PDF becomes page images students fetch.

The slides job runs through the real job runner, inline (HUEY_IMMEDIATE), on real files.
"""
from __future__ import annotations

import io
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from fpdf import FPDF
from PIL import Image

from media.storage import S3Storage
from tests.conftest import make_app
from tests.media import pdfs
from webinar.extensions import db
from webinar.live.slides import attach_pdf, slides_url
from webinar.models import (Assessment, Course, CourseGroup, CourseTeacher, Group, Job, JobStatus, LiveEvent, LiveSession,
                            Role, SlidesStatus, User)
from webinar.models.base import utcnow
from webinar.storage import storage
from workers import dispatch

GROUP = "ПИ-1-23"


@pytest.fixture
def session_id(app: Flask, as_teacher: FlaskClient, as_student: FlaskClient) -> int:
    """A webinar of a course taught by 'teacher' for the group of 'student', starting now."""
    return _webinar(app, as_teacher.user.id)


def _webinar(app: Flask, teacher_id: int) -> int:
    with app.app_context():
        group = db.session.query(Group).filter_by(name=GROUP).one_or_none() or Group(name=GROUP)
        course = Course(academic_year="2026-2027", semester=1, title="Физика", assessment=Assessment.EXAM)
        course.teacher_links.append(CourseTeacher(teacher=db.session.get(User, teacher_id), is_owner=True))
        course.group_links.append(CourseGroup(group=group))
        session = LiveSession(course=course, title="Термодинамика", groups=[group], starts_at=utcnow())
        db.session.add(session)
        db.session.commit()
        return session.id


def upload(client: FlaskClient, session_id: int, path: Path, **data: Any):
    """Post a file through the slides form."""
    with path.open("rb") as fileobj:
        return client.post(f"/live/{session_id}/slides", data={"file": (fileobj, path.name), **data},
                           content_type="multipart/form-data")


def row(app: Flask, session_id: int) -> LiveSession:
    with app.app_context():
        found = db.session.get(LiveSession, session_id)
        db.session.expunge(found)
        return found


def stored(app: Flask, session_id: int) -> list[str]:
    with app.app_context():
        return list(storage().list(f"live/{session_id}/"))


def deck_url(app: Flask, session_id: int, page: int, ext: str = "webp") -> str:
    with app.app_context(), app.test_request_context():
        template = slides_url(db.session.get(LiveSession, session_id))
    return template.replace("{n}", str(page)).replace(".webp", f".{ext}")


def fetch(client: FlaskClient, url: str):
    """A GET whose body is read and whose file is closed (send_file keeps it open until then)."""
    with client.get(url) as response:
        response.data  # noqa: B018 (read before the file closes)
        return response


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return pdfs.slides_pdf(tmp_path / "Лекция 3.pdf", pages=3)


def test_the_teachers_pdf_becomes_pages_for_the_students_of_the_groups(
        app: Flask, as_teacher: FlaskClient, as_student: FlaskClient, as_role, session_id: int, deck: Path) -> None:
    response = upload(as_teacher, session_id, deck)
    assert response.status_code == 302 and response.location.endswith(f"/live/{session_id}")
    session = row(app, session_id)
    assert (session.slides_status, session.slide_count, session.current_slide) == (SlidesStatus.READY, 3, 1)
    assert session.slides_prefix.startswith(f"live/{session_id}/slides/r1-")
    with app.app_context():
        job = db.session.query(Job).filter_by(kind="live_slides").one()
        assert job.status == JobStatus.DONE and job.result["pages"] == 3
        event = db.session.query(LiveEvent).filter_by(session_id=session_id, kind="slide").one()
        assert event.data["page"] == 1 and event.data["slide_count"] == 3  # the room learns of the deck
        assert event.data["slides_url"] == f"/live/{session_id}/slides/{session.slides_prefix.rsplit('/', 1)[1]}/{{n}}.webp"

    webp = fetch(as_student, deck_url(app, session_id, 2))
    assert webp.status_code == 200 and webp.mimetype == "image/webp"
    assert webp.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    jpeg = fetch(as_student, deck_url(app, session_id, 3, "jpg"))
    assert jpeg.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(jpeg.data)) as image:
        assert image.size == (960, 540)  # LIVE_SLIDES_LONG_SIDE: sharp on a phone, light on 2G
    plain = fetch(as_student, f"/live/{session_id}/slides/1.webp")  # no deck named: never kept
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "private, no-cache"
    assert fetch(as_student, deck_url(app, session_id, 4)).status_code == 404

    outsider = as_role(Role.STUDENT, "outsider", groups=("ФИ-2-22",))
    assert fetch(outsider, deck_url(app, session_id, 1)).status_code == 403
    anonymous = app.test_client().get(deck_url(app, session_id, 1))
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_only_the_courses_teachers_upload(app: Flask, as_student: FlaskClient, as_role, session_id: int,
                                          deck: Path) -> None:
    other_teacher = as_role(Role.TEACHER, "other")
    assert upload(as_student, session_id, deck).status_code == 403
    assert upload(other_teacher, session_id, deck).status_code == 403
    assert stored(app, session_id) == []
    assert row(app, session_id).slides_status == SlidesStatus.NONE


def test_a_file_that_is_not_a_pdf_is_refused_at_once_and_nothing_changes(
        app: Flask, as_teacher: FlaskClient, session_id: int, tmp_path: Path) -> None:
    notes = tmp_path / "slides.pdf"
    notes.write_text("Lecture notes typed in a text editor\n", encoding="utf-8")
    response = upload(as_teacher, session_id, notes)
    assert response.status_code == 302
    assert "This file is not a PDF." in as_teacher.get(response.location).get_data(as_text=True)
    assert stored(app, session_id) == []
    with app.app_context():
        assert db.session.query(Job).filter_by(kind="live_slides").count() == 0


def test_a_locked_pdf_fails_with_the_reason_in_english_and_the_old_deck_stays(
        app: Flask, as_teacher: FlaskClient, as_student: FlaskClient, session_id: int, deck: Path,
        tmp_path: Path) -> None:
    upload(as_teacher, session_id, deck)
    before = row(app, session_id)
    upload(as_teacher, session_id, pdfs.encrypted_pdf(tmp_path / "locked.pdf"))
    after = row(app, session_id)
    assert (after.slides_status, after.slides_error) == (SlidesStatus.FAILED, "encrypted")
    assert (after.slides_prefix, after.slide_count) == (before.slides_prefix, 3)
    page = as_teacher.get(f"/live/{session_id}").get_data(as_text=True)
    assert "The PDF is protected with a password. Save a copy without the password" in page
    assert fetch(as_student, deck_url(app, session_id, 3)).status_code == 200
    assert f"live/{session_id}/slides/source-2.pdf" not in stored(app, session_id)  # the refused file


def test_a_replaced_pdf_removes_the_old_pages_and_old_urls_get_the_new_ones_uncached(
        app: Flask, as_teacher: FlaskClient, as_student: FlaskClient, session_id: int, deck: Path,
        tmp_path: Path) -> None:
    upload(as_teacher, session_id, deck)
    first = row(app, session_id).slides_prefix
    old_url = deck_url(app, session_id, 1)
    upload(as_teacher, session_id, pdfs.slides_pdf(tmp_path / "v2.pdf", pages=2))
    session = row(app, session_id)
    assert session.slides_prefix != first and session.slide_count == 2
    keys = stored(app, session_id)
    assert not [k for k in keys if k.startswith(f"{first}/")]
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == ["1.jpg", "1.webp", "2.jpg", "2.webp", "source-2.pdf"]
    stale = fetch(as_student, old_url)
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "private, no-cache"
    assert stale.data == fetch(as_student, deck_url(app, session_id, 1)).data


def test_a_pdf_replaced_before_its_job_ran_is_skipped_and_only_the_newer_deck_is_kept(
        app: Flask, as_teacher: FlaskClient, session_id: int, deck: Path, tmp_path: Path) -> None:
    newer = pdfs.slides_pdf(tmp_path / "v2.pdf", pages=2)
    with app.test_request_context():
        session, teacher = db.session.get(LiveSession, session_id), db.session.get(User, as_teacher.user.id)
        first = attach_pdf(session, deck, teacher)
        db.session.commit()
        second = attach_pdf(session, newer, teacher)  # before the first job ran (a busy queue)
        db.session.commit()
        first_id, second_id = first.id, second.id
    with app.app_context():
        dispatch(first_id)
        dispatch(second_id)
    with app.app_context():
        assert db.session.get(Job, first_id).result == {"skipped": "session deleted or slides replaced"}
    session = row(app, session_id)
    assert (session.slides_status, session.slide_count, session.slides_revision) == (SlidesStatus.READY, 2, 2)
    assert sorted(k.rsplit("/", 1)[1] for k in stored(app, session_id)) == \
           ["1.jpg", "1.webp", "2.jpg", "2.webp", "source-2.pdf"]


def _noise_pdf(path: Path, side: int) -> Path:
    """A one-page PDF holding a picture of noise, so its size is about side² × 3 bytes."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)), x=10, y=10, w=100)
    pdf.output(str(path))
    return path


def test_pdfs_above_the_apps_form_limit_pass_up_to_the_slides_limit(app_config: dict, tmp_path: Path) -> None:
    small_forms = make_app({**app_config, "MAX_CONTENT_LENGTH": 100_000, "LIVE_SLIDES_MAX_BYTES": 600_000})
    client, teacher_id = _teacher_client(small_forms)
    session_id = _webinar(small_forms, teacher_id)
    picture = _noise_pdf(tmp_path / "photo.pdf", 300)  # ~270 KB: over the form limit, under the slides one
    assert 100_000 < picture.stat().st_size < 600_000
    upload(client, session_id, picture)
    assert row(small_forms, session_id).slides_status == SlidesStatus.READY

    # Refused by its declared length, before a byte is read (a raw body: the test client would
    # spool a large multipart one to a temporary file it never closes).
    response = client.post(f"/live/{session_id}/slides", data=b"-" * 1_000_000,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 302 and response.location.endswith(f"/live/{session_id}")
    page = client.get(response.location).get_data(as_text=True)
    assert "The PDF is larger than the limit of 0.6 MB." in page
    assert row(small_forms, session_id).slides_revision == 1  # nothing stored for it


def test_the_schedule_form_takes_a_pdf_above_the_apps_form_limit_too(app_config: dict, tmp_path: Path) -> None:
    small_forms = make_app({**app_config, "MAX_CONTENT_LENGTH": 100_000, "LIVE_SLIDES_MAX_BYTES": 600_000})
    client, teacher_id = _teacher_client(small_forms)
    with small_forms.app_context():
        course = db.session.get(LiveSession, _webinar(small_forms, teacher_id)).course
        course_id, group_id = course.id, course.groups[0].id
    picture = _noise_pdf(tmp_path / "photo.pdf", 300)
    with picture.open("rb") as fileobj:
        response = client.post(f"/courses/{course_id}/webinars/new", content_type="multipart/form-data", data={
            "title": "Кинематика", "day": "2026-12-10", "time": "10:30", "duration": "80", "groups": str(group_id),
            "slides": (fileobj, "photo.pdf")})
    assert response.status_code == 302
    with small_forms.app_context():
        scheduled = db.session.query(LiveSession).filter_by(title="Кинематика").one()
        assert (scheduled.slides_status, scheduled.slide_count) == (SlidesStatus.READY, 1)


def _teacher_client(app: Flask, *, csrf: bool = False) -> tuple[FlaskClient, int]:
    """A signed-in teacher of a new app (the fixtures' app is another one)."""
    with app.app_context():
        teacher = User(username=f"t-{uuid.uuid4().hex[:6]}", full_name="Teacher", role=Role.TEACHER)
        teacher.set_password("correct horse 42")
        db.session.add(teacher)
        db.session.commit()
        username, teacher_id = teacher.username, teacher.id
    client = app.test_client()
    data = {"username": username, "password": "correct horse 42"}
    if csrf:
        data["csrf_token"] = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data=data).status_code == 302
    return client, teacher_id


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_upload_form_is_csrf_protected(app_config: dict, tmp_path: Path, deck: Path) -> None:
    guarded = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    client, teacher_id = _teacher_client(guarded, csrf=True)
    session_id = _webinar(guarded, teacher_id)
    assert upload(client, session_id, deck).status_code == 302
    assert row(guarded, session_id).slides_revision == 0 and stored(guarded, session_id) == []
    token = _token(client.get(f"/live/{session_id}").get_data(as_text=True))
    upload(client, session_id, deck, csrf_token=token)
    assert row(guarded, session_id).slides_status == SlidesStatus.READY


def test_on_s3_the_pages_come_through_presigned_redirects(app_config: dict, moto_endpoint: str,
                                                          tmp_path: Path, deck: Path) -> None:
    bucket = f"slides-{uuid.uuid4().hex[:8]}"
    S3Storage(bucket, endpoint_url=moto_endpoint, access_key="testing", secret_key="testing").ensure_bucket()
    cloud = make_app({**app_config, "STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": moto_endpoint,
                      "S3_ACCESS_KEY": "testing", "S3_SECRET_KEY": "testing"})
    client, teacher_id = _teacher_client(cloud)
    session_id = _webinar(cloud, teacher_id)
    upload(client, session_id, deck)
    response = client.get(deck_url(cloud, session_id, 2))
    assert response.status_code == 302 and response.location.startswith(moto_endpoint)
    assert response.headers["Cache-Control"].startswith("private, max-age=")
    fetched = requests.get(response.location, timeout=10)
    assert fetched.status_code == 200 and fetched.content[8:12] == b"WEBP"
