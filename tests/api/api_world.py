"""A course with everything the API shows, made as rows plus small stored files, and sign-in that honours CSRF.

    ids = populate(app)      # people, two courses, lectures, webinars, materials, announcements
    client = signed_in(app, "student")
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tests.webinar.course_helpers import GROUP, OTHER_GROUP
from webinar.extensions import db
from webinar.models import (Announcement, AnnouncementKind, Assessment, Caption, Course, CourseGroup, CourseTeacher,
                            Group, Lecture, LectureStatus, LiveSession, LiveStatus, Material, MaterialVersion,
                            PagesStatus, Role, Section, User, WatchProgress)
from webinar.models.base import utcnow
from webinar.storage import storage

PEOPLE = {  # username → (full name, role, group)
    "teacher": ("Айгүл Асанова", Role.TEACHER, None),
    "other": ("Other Teacher", Role.TEACHER, None),
    "student": ("Бакыт Токтогулов", Role.STUDENT, GROUP),
    "outsider": ("Outsider", Role.STUDENT, OTHER_GROUP),
    "admin": ("Admin", Role.ADMIN, None),
}
PREFIX = "lectures/{id}/r1"
MANIFEST = {  # what the lecture job publishes for a 60 s recording with two slides
    "audio": {"audio_opus": {"name": "audio_opus", "path": "audio.webm", "bytes": 180_000},
              "audio_aac": {"name": "audio_aac", "path": "audio.m4a", "bytes": 240_000},
              "audio_hls": {"name": "audio_hls", "path": "audio/index.m3u8", "bytes": 250_000}},
    "slides": [{"start": 0.0, "file": "slides/0001.webp", "width": 960, "height": 540, "bytes": 16_000},
               {"start": 31.5, "file": "slides/0002.webp", "width": 960, "height": 540, "bytes": 14_000}],
    "video": [{"name": "144p", "path": "v144/index.m3u8", "bytes": 700_000, "width": 256, "height": 144},
              {"name": "240p", "path": "v240/index.m3u8", "bytes": 1_300_000, "width": 426, "height": 240}],
    "offline_mp4": {"name": "offline_mp4", "path": "offline.mp4", "bytes": 1_250_000, "width": 426, "height": 240},
    "bundle": {"path": "bundle.zip", "bytes": 220_000},
}
STORED = ("audio.webm", "audio.m4a", "slides/0001.webp", "slides/0002.webp", "video.m3u8", "offline.mp4",
          "bundle.zip")


@dataclass
class Ids:
    """The ids of what populate() made."""

    users: dict[str, int] = field(default_factory=dict)
    course: int = 0
    other_course: int = 0
    lecture: int = 0  # ready, visible, with every kind of media
    hidden: int = 0  # ready but hidden by the teacher
    processing: int = 0  # not playable yet
    other_lecture: int = 0  # of the other course
    webinar: int = 0  # tomorrow, for GROUP
    held: int = 0  # ended yesterday, recorded as `lecture`
    material: int = 0  # a PDF with page images
    announcement: int = 0  # manual, with a due date


def _people() -> dict[str, User]:
    """The people of PEOPLE in their groups."""
    groups = {GROUP: Group(name=GROUP), OTHER_GROUP: Group(name=OTHER_GROUP)}
    people = {name: User(username=name, full_name=full, role=role, groups=[groups[g]] if g else [])
              for name, (full, role, g) in PEOPLE.items()}
    for user in people.values():
        user.set_password(PASSWORD)
    return people


def _course(title: str, teacher: User, group: Group) -> Course:
    course = Course(academic_year="2026-2027", semester=1, title=title, assessment=Assessment.EXAM)
    course.teacher_links.append(CourseTeacher(teacher=teacher, is_owner=True))
    course.group_links.append(CourseGroup(group=group))
    return course


def _lecture(course: Course, title: str, position: int, **fields) -> Lecture:
    """A lecture published with MANIFEST unless told otherwise."""
    values = dict(status=LectureStatus.READY, duration=60.0, manifest=MANIFEST, published_at=utcnow())
    values.update(fields)
    lecture = Lecture(course=course, title=title, position=position, **values)
    db.session.add(lecture)
    db.session.flush()
    if lecture.manifest:
        lecture.media_prefix = PREFIX.format(id=lecture.id)
    return lecture


def _store_media(lecture: Lecture) -> None:
    """Small files at the manifest's paths, so the media links answer."""
    for name in STORED:
        storage().put_bytes(f"{lecture.media_prefix}/{name}", b"x" * 64)
    key = f"lectures/{lecture.id}/captions/ky.vtt"
    storage().put_bytes(key, b"WEBVTT\n\n00:00.000 --> 00:02.000\n\xd0\xa1\xd0\xb0\xd0\xbb\xd0\xb0\xd0\xbc\n")
    db.session.add(Caption(lecture_id=lecture.id, lang="ky", key=key))


def _material(course: Course) -> Material:
    """A PDF in the course's first section, page images ready."""
    section = Section(course=course, title="Лекциялардын конспекттери", position=1)
    material = Material(section=section, title="Конспект 1", current_number=2)
    for number in (1, 2):
        material.versions.append(MaterialVersion(
            number=number, key=f"materials/{course.id}/m/v{number}", filename=f"Конспект v{number}.pdf",
            size=240_000 + number, sha256=f"{number:064d}", kind="pdf", pages_status=PagesStatus.READY,
            page_count=3, pages_prefix=f"materials/{course.id}/m/p{number}", pages_bytes=90_000))
    db.session.add(material)
    return material


def _webinars(course: Course, group: Group, recording: Lecture) -> tuple[LiveSession, LiveSession]:
    """One tomorrow, one held yesterday whose recording became `recording`."""
    soon = LiveSession(course=course, title="Кинематика", groups=[group], starts_at=utcnow() + timedelta(days=1))
    start = utcnow() - timedelta(days=1)
    held = LiveSession(course=course, title="Динамика", groups=[group], starts_at=start, started_at=start,
                       ended_at=start + timedelta(minutes=80), status=LiveStatus.ENDED, lecture_id=recording.id)
    db.session.add_all([soon, held])
    return soon, held


def _announcements(course: Course, group: Group, author: User, lecture: Lecture) -> Announcement:
    """A manual announcement with a due date, and the automatic one of the new lecture."""
    manual = Announcement(course=course, author=author, title="Контрольная", text="Глава 3, задачи 1–10.",
                          due_on=date.today() + timedelta(days=7), groups=[group])
    automatic = Announcement(course=course, author=author, kind=AnnouncementKind.LECTURE, title="",
                             lecture=lecture, groups=[group])
    db.session.add_all([manual, automatic])
    return manual


def populate(app: Flask) -> Ids:
    """Everything the API shows, for both courses' people."""
    with app.app_context():
        people = _people()
        group, elsewhere = people["student"].groups[0], people["outsider"].groups[0]
        course = _course("Физика", people["teacher"], group)
        other = _course("Химия", people["other"], elsewhere)
        db.session.add_all([*people.values(), course, other])
        ids = Ids(users={})
        lecture = _lecture(course, "Лекция 1: Ньютон", 1)
        hidden = _lecture(course, "Черновик", 2, is_visible=False)
        processing = _lecture(course, "Лекция 2", 3, status=LectureStatus.PROCESSING, manifest=None,
                              duration=None, published_at=None)
        other_lecture = _lecture(other, "Органика", 1)
        _store_media(lecture)
        db.session.add(WatchProgress(user_id=people["student"].id, lecture_id=lecture.id, position=12.5,
                                     watched="111000000000"))
        soon, held = _webinars(course, group, lecture)
        material = _material(course)
        manual = _announcements(course, group, people["teacher"], lecture)
        db.session.commit()
        ids.users = {name: user.id for name, user in people.items()}
        ids.course, ids.other_course = course.id, other.id
        ids.lecture, ids.hidden, ids.processing, ids.other_lecture = (lecture.id, hidden.id, processing.id,
                                                                      other_lecture.id)
        ids.webinar, ids.held, ids.material, ids.announcement = soon.id, held.id, material.id, manual.id
        return ids


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A test client signed in through the login form (with its CSRF token when CSRF is on)."""
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    assert client.post("/login", data=data).status_code == 302
    return client


def browser(base: str, username: str) -> requests.Session:
    """A requests session signed in through the served app's login form, CSRF token included."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    token = TOKEN.search(session.get(f"{base}/login").text)
    data = {"username": username, "password": PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    with session.post(f"{base}/login", data=data, allow_redirects=False) as response:
        assert response.status_code == 302, response.text
    return session
