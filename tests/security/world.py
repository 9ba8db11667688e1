"""A small populated app for the security tests: two courses, six actors, every kind of private object.

Course A ("ours") is taught by `teacher` to `student`'s group and holds one of everything a route can
name (lecture with stored renditions, captions and downloads, material with page images, section,
announcement, webinar with slides and live HLS, an upload, a roster job). Course B is taught by
`other` to `outsider`. Every stored byte and every title of course A carries SECRET, so a response
that contains it leaked something.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.conftest import PASSWORD, login, make_app
from webinar.extensions import db
from webinar.models import (Announcement, Assessment, Caption, ChatMessage, Course, CourseGroup, CourseTeacher,
                            Group, Job, Lecture, LectureStatus, LiveSession, Material, MaterialVersion, Role,
                            User)
from webinar.models.jobs import JobStatus
from webinar.models.base import utcnow
from webinar.models.materials import PagesStatus, Section
from webinar.models.live import SlidesStatus
from webinar.models.uploads import Upload, expiry
from webinar.storage import storage

SECRET = "zq7secret"
SOURCE_ONLY = b"uploaded-source-bytes "  # the teacher's original recording: no route ever serves it
ANONYMOUS = "anonymous"
# actor → (role, the course they belong to: "A" ours, "B" the other one, None for no course)
ACTORS: dict[str, tuple[Role | None, str | None]] = {
    ANONYMOUS: (None, None),
    "outsider": (Role.STUDENT, "B"),  # student of another course
    "student": (Role.STUDENT, "A"),
    "other": (Role.TEACHER, "B"),  # teacher of another course
    "teacher": (Role.TEACHER, "A"),
    "admin": (Role.ADMIN, None),
}
MEDIA = {  # stored files of the lecture, relative to its prefix
    "audio.webm": b"webm", "audio.m4a": b"m4a", "video.m3u8": b"#EXTM3U", "240p/index.m3u8": b"#EXTM3U",
    "slides/0001.webp": b"webp", "offline.mp4": b"mp4", "offline-ab12cd.zip": b"zip",
}


def security_config(tmp: Any, db_url: str, **extra: Any) -> dict[str, Any]:
    """Test settings: CSRF off unless told, fast hashing, generous limits, a /listen that gives up at once."""
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False, "HUEY_IMMEDIATE": True, "STORAGE_LOCAL_ROOT": str(tmp / "storage"),
        "UPLOAD_STAGING_DIR": str(tmp / "staging"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "10000 per minute", "UPLOAD_RATE_LIMIT": "10000 per hour",
        "LIVE_LISTEN_IDLE_SECONDS": 0.2, "LIVE_LISTEN_POLL_SECONDS": 0.05, **extra,
    }


@dataclass
class SecurityWorld:
    """The app, the ids of course A's objects by URL argument name, and a client per actor."""

    app: Flask
    ids: dict[str, Any] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, actor: str) -> FlaskClient:
        """A client signed in as the actor (anonymous: none), made once."""
        if actor not in self.clients:
            client = self.app.test_client()
            if actor != ANONYMOUS:
                assert login(client, actor).status_code == 302
            self.clients[actor] = client
        return self.clients[actor]

    def snapshot(self) -> str:
        """A digest of every row of every table: equal digests, nothing was changed."""
        digest = hashlib.sha256()
        with self.app.app_context():
            for table in db.metadata.sorted_tables:
                rows = db.session.execute(text(f'SELECT * FROM "{table.name}" ORDER BY 1')).all()
                digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
        return digest.hexdigest()


def build_world(config: dict[str, Any]) -> SecurityWorld:
    """The app for config with both courses, their people and course A's objects."""
    world = SecurityWorld(make_app(config))
    with world.app.app_context():
        if hasattr(storage(), "ensure_bucket"):  # S3 (moto)
            storage().ensure_bucket()
        people = _people()
        ours = _course(f"Физика {SECRET}", people["teacher"], Group(name="ПИ-1-23"), people["student"])
        _course("Химия", people["other"], Group(name="ФИ-2-22"), people["outsider"])
        db.session.commit()
        world.users = {name: user.id for name, user in people.items()}
        world.ids = _objects(ours, people)
    return world


def _people() -> dict[str, User]:
    """One user per signed-in actor."""
    people = {}
    for name, (role, _course_name) in ACTORS.items():
        if role is None:
            continue
        people[name] = User(username=name, full_name=name.title(),
                            role=role, email=f"{name}@example.kg")
        people[name].set_password(PASSWORD)
        db.session.add(people[name])
    return people


def _course(title: str, teacher: User, group: Group, student: User) -> Course:
    """A course taught by teacher to group, with the student in it."""
    student.groups.append(group)
    course = Course(academic_year="2026-2027", semester=1, title=title, assessment=Assessment.EXAM)
    course.teacher_links.append(CourseTeacher(teacher=teacher, is_owner=True))
    course.group_links.append(CourseGroup(group=group))
    db.session.add(course)
    db.session.flush()
    return course


def _put(key: str, data: bytes = b"") -> str:
    """Store a private file whose bytes carry SECRET."""
    storage().put_bytes(key, data + SECRET.encode())
    return key


def _objects(course: Course, people: dict[str, User]) -> dict[str, Any]:
    """One object of course A for every URL argument; returns their ids by argument name."""
    lecture = _lecture(course, people["teacher"])
    material, section = _material(course, people["teacher"])
    session = _webinar(course, people)
    note = Announcement(course=course, author=people["teacher"], title=f"Контрольная {SECRET}",
                        text=SECRET, groups=[g.group for g in course.group_links])
    job = Job(kind="roster_import", payload={}, status=JobStatus.QUEUED)
    upload = Upload(user_id=people["teacher"].id, purpose="lecture", meta={"course": str(course.id)},
                    filename="a.mp4", length=10, expires_at=expiry(utcnow()))
    db.session.add_all([note, job, upload])
    db.session.commit()
    return {"course_id": course.id, "lecture_id": lecture.id, "material_id": material.id,
            "section_id": section.id, "session_id": session.id, "announcement_id": note.id,
            "job_id": job.id, "upload_id": upload.id, "user_id": people["student"].id,
            "lang": "en", "kind": "mp4", "number": 1, "page": 1, "fmt": "webp",
            "deck": session.slides_prefix.rsplit("/", 1)[-1], "token": "not-a-token"}


def _lecture(course: Course, teacher: User) -> Lecture:
    """A published lecture with every rendition, a caption and a source stored."""
    prefix = f"lectures/{course.id}/r1-abc"
    for name, data in MEDIA.items():
        _put(f"{prefix}/{name}", data)
    manifest = {"audio": {"audio_opus": {"name": "audio_opus", "path": "audio.webm", "bytes": 10}},
                "offline_mp4": {"path": "offline.mp4", "bytes": 10},
                "bundle": {"path": "offline-ab12cd.zip", "bytes": 10}}
    lecture = Lecture(course=course, title=f"Лекция {SECRET}", status=LectureStatus.READY, media_prefix=prefix,
                      manifest=manifest, duration=4.0, created_by=teacher, published_at=utcnow(),
                      source_key=_put(f"lectures/{course.id}/source/x.mp4", SOURCE_ONLY), source_filename="x.mp4")
    lecture.captions.append(Caption(lang="en", key=_put(f"lectures/{course.id}/captions/en.vtt", b"WEBVTT\n\n")))
    db.session.add(lecture)
    db.session.flush()
    return lecture


def _material(course: Course, teacher: User) -> tuple[Material, Section]:
    """A PDF material with one page image, in a section."""
    section = Section(course=course, title=f"Лекции {SECRET}")
    material = Material(section=section, title=f"Конспект {SECRET}", current_number=1)
    material.versions.append(MaterialVersion(
        number=1, key=_put(f"materials/{course.id}/v1.pdf", b"%PDF-1.4 "), filename=f"{SECRET}.pdf", size=10,
        sha256="0" * 64, kind="pdf", uploaded_by=teacher, pages_status=PagesStatus.READY, page_count=1,
        pages_prefix="materials/pages/v1"))
    _put("materials/pages/v1/1.webp")
    db.session.add(material)
    db.session.flush()
    return material, section


def _webinar(course: Course, people: dict[str, User]) -> LiveSession:
    """A webinar starting now, with rendered slides, a live playlist and a chat line."""
    session = LiveSession(course=course, title=f"Вебинар {SECRET}", starts_at=utcnow() + timedelta(minutes=5),
                          created_by_id=people["teacher"].id, groups=[g.group for g in course.group_links],
                          slides_status=SlidesStatus.READY, slides_prefix=f"live/{course.id}/slides/r1-deck",
                          slide_count=1, slides_revision=1)
    db.session.add(session)
    db.session.flush()
    _put(f"{session.slides_prefix}/1.webp")
    _put(f"live/{session.id}/hls/master.m3u8", b"#EXTM3U\n")
    db.session.add(ChatMessage(session_id=session.id, user_id=people["student"].id, text=SECRET))
    return session
