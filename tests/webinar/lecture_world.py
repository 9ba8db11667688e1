"""A running Aralyk with a course, its people and real uploads, for the lecture tests.

Everything goes through real clients: the login form with requests, uploads with tuspy, and the
processing job through the real job runner (inline: HUEY_IMMEDIATE).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Iterator

import requests
from flask import Flask
from tusclient.client import TusClient

from tests.conftest import PASSWORD, make_app
from tests.helpers import serving
from webinar.extensions import db
from webinar.models import Assessment, Course, CourseGroup, CourseTeacher, Group, Lecture, Role, User

GROUP = "ПИ-1-23"
CLIP_SECONDS = 4
TUS_CHUNK = 256 * 1024


def lecture_config(tmp: Path, db_url: str) -> dict[str, Any]:
    """Test settings for a served app whose uploads are processed inline."""
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False, "HUEY_IMMEDIATE": True, "STORAGE_LOCAL_ROOT": str(tmp / "storage"),
        "UPLOAD_STAGING_DIR": str(tmp / "staging"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "1000 per minute", "UPLOAD_RATE_LIMIT": "1000 per hour",
        "LECTURE_MAX_BYTES": 50 * 1024 * 1024,
    }


@dataclass
class World:
    """The app, its base URL, and a signed-in requests.Session per person."""

    app: Flask
    base: str
    course_id: int = 0
    sessions: dict[str, requests.Session] = field(default_factory=dict)
    tus_headers: dict[str, str] = field(default_factory=dict)  # e.g. X-CSRFToken, when CSRF is on

    def populate(self, *, sign_in: bool = True) -> None:
        """A course taught by 'teacher' to GROUP ('student'); 'outsider' and 'other' are elsewhere."""
        with self.app.app_context():
            group, elsewhere = Group(name=GROUP), Group(name="ФИ-2-22")
            people = {
                "teacher": User(username="teacher", full_name="Айгүл Асанова", role=Role.TEACHER),
                "other": User(username="other", full_name="Other Teacher", role=Role.TEACHER),
                "student": User(username="student", full_name="Бакыт Токтогулов", role=Role.STUDENT, groups=[group]),
                "outsider": User(username="outsider", full_name="Outsider", role=Role.STUDENT, groups=[elsewhere]),
                "admin": User(username="admin", full_name="Admin", role=Role.ADMIN),
            }
            for user in people.values():
                user.set_password(PASSWORD)
            course = Course(academic_year="2026-2027", semester=1, title="Физика", assessment=Assessment.EXAM)
            course.teacher_links.append(CourseTeacher(teacher=people["teacher"], is_owner=True))
            course.group_links.append(CourseGroup(group=group))
            db.session.add_all([*people.values(), course])
            db.session.commit()
            self.course_id = course.id
        for name in people if sign_in else ():
            self.sessions[name] = self.sign_in(name)

    def sign_in(self, username: str) -> requests.Session:
        """A browser-like session signed in through the login form."""
        session = requests.Session()
        session.headers["Accept-Language"] = "en"
        with session.post(f"{self.base}/login", data={"username": username, "password": PASSWORD},
                          allow_redirects=False) as response:
            assert response.status_code == 302, response.text
        return session

    def tus(self, who: str) -> TusClient:
        """A tuspy client carrying the person's session cookie."""
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.sessions[who].cookies)
        return TusClient(f"{self.base}/uploads/", headers={"Cookie": cookie, "Accept-Language": "en",
                                                           **self.tus_headers})

    def upload(self, path: Path, *, who: str = "teacher", title: str = "Лекция 1", **extra: str) -> str:
        """Upload a recording with tuspy; returns where the server sends the teacher next."""
        metadata = {"purpose": "lecture", "filename": path.name, "course": str(self.course_id),
                    "title": title, **extra}
        with path.open("rb") as stream:
            uploader = self.tus(who).uploader(file_stream=stream, chunk_size=TUS_CHUNK, metadata=metadata)
            uploader.upload()
        return uploader.request.response_headers["aralyk-location"]

    def lecture(self, lecture_id: int) -> Lecture:
        """The lecture row as it is now."""
        with self.app.app_context():
            lecture = db.session.get(Lecture, lecture_id)
            db.session.expunge(lecture)
            return lecture

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def served_world(config: dict[str, Any], *, sign_in: bool = True) -> Iterator[World]:
    """The app for config on a real HTTP server, populated with a course and its people."""
    app = make_app(config)
    with serving(app) as base:
        world = World(app, base)
        world.populate(sign_in=sign_in)
        try:
            yield world
        finally:
            world.close()


def get(world: World, who: str, path: str, **kwargs) -> requests.Response:
    """A GET as one of the world's people, body read, redirects not followed."""
    with world.sessions[who].get(world.base + path, allow_redirects=False, **kwargs) as response:
        response.content  # read it all before the connection goes back
        return response
