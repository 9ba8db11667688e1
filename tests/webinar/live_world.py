"""A running Aralyk with a course, its people and a webinar, and real Socket.IO clients on /live.

Everything goes through real parts: the login form with requests, then a python-socketio client
carrying that session cookie, against the app on a real threaded HTTP server.

    def test_something(live: LiveWorld) -> None:       # a fresh session in a shared served app
        teacher, ack = live.join("teacher")
        student, _ = live.join("student")
        assert student.call("chat", {"text": "Салам"})["ok"]
        assert teacher.wait_ev("chat")["data"]["text"] == "Салам"
"""
from __future__ import annotations

import functools
import re
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
import socketio
from flask import Flask

from tests.conftest import PASSWORD, make_app
from tests.helpers import serving
from webinar.extensions import db
from webinar.models import (Assessment, Course, CourseGroup, CourseTeacher, Group, LiveSession, Role, User)
from webinar.models.base import utcnow

NAMESPACE = "/live"
GROUP = "ПИ-1-23"
OTHER_GROUP = "ФИ-2-22"
STUDENTS = ("student", "student2", "student3")
TIMEOUT = 20.0  # an ack on a loaded 2-core CI machine (through nginx, polling) can take over 10 s

PEOPLE: dict[str, tuple[str, Role, str | None]] = {  # username → (full name, role, group)
    "teacher": ("Айгүл Асанова", Role.TEACHER, None),
    "other": ("Other Teacher", Role.TEACHER, None),  # teaches another course
    "student": ("Бакыт Токтогулов", Role.STUDENT, GROUP),
    "student2": ("Нуржан Абдыкадыров", Role.STUDENT, GROUP),
    "student3": ("Элнура Жумабаева", Role.STUDENT, GROUP),
    "outsider": ("Outsider", Role.STUDENT, OTHER_GROUP),  # a student of the other course
    "admin": ("Admin", Role.ADMIN, None),
}


def live_config(tmp: Path, db_url: str, **extra: Any) -> dict[str, Any]:
    """Test settings for a served app with webinars (fast hashing, no CSRF on forms, files under tmp)."""
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False, "HUEY_IMMEDIATE": True, "STORAGE_LOCAL_ROOT": str(tmp / "storage"),
        "UPLOAD_STAGING_DIR": str(tmp / "staging"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "1000 per minute", "UPLOAD_RATE_LIMIT": "1000 per hour", **extra,
    }


class LiveClient:
    """A python-socketio client on /live that keeps everything the server sent it, in order."""

    def __init__(self, base: str, cookie: str, *, language: str = "en", transports: list[str] | None = None,
                 **options: Any) -> None:
        """Connect and keep what arrives; options go to socketio.Client (e.g. http_session, or reconnection)."""
        self.sio = socketio.Client(**{"reconnection": False, **options})
        self.received: list[tuple[str, Any]] = []  # (event name, data), every server → client event
        self.gone = threading.Event()  # set when the connection ends (either side)
        self._changed = threading.Condition()
        self.sio.on("*", self._got, namespace=NAMESPACE)
        self.sio.on("disconnect", self._closed, namespace=NAMESPACE)
        self.sio.connect(base, namespaces=[NAMESPACE], wait_timeout=TIMEOUT, transports=transports,
                         headers={"Cookie": cookie, "Accept-Language": language})
        self.sid = self.sio.get_sid(NAMESPACE)
        self._no_close_wait()

    def _no_close_wait(self) -> None:
        """Close the websocket without waiting 3 s for a close frame the dev server never sends back."""
        ws = self.sio.eio.ws if self.sio.eio.current_transport == "websocket" else None
        if ws is not None:
            ws.close = functools.partial(ws.close, timeout=0)

    def _got(self, event: str, data: Any = None) -> None:
        with self._changed:
            self.received.append((event, data))
            self._changed.notify_all()

    def _closed(self, *reason: Any) -> None:
        self.gone.set()
        with self._changed:
            self._changed.notify_all()

    def call(self, event: str, data: Any = None, timeout: float = TIMEOUT) -> Any:
        """Send an event and return the server's ack."""
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    def join(self, session_id: int, since: int | None = None) -> dict[str, Any]:
        """Send `join` (with since, to catch up) and return the ack."""
        payload: dict[str, Any] = {"session": session_id}
        if since is not None:
            payload["since"] = since
        return self.call("join", payload)

    def evs(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The `ev` messages received so far (of one kind)."""
        with self._changed:
            return [d for e, d in self.received if e == "ev" and (kind is None or d["kind"] == kind)]

    def of(self, event: str) -> list[Any]:
        """The data of every `event` received so far (e.g. 'presence')."""
        with self._changed:
            return [d for e, d in self.received if e == event]

    def wait(self, found: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
        """Wait until found() returns something truthy; return it (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := found()):
                left = deadline - time.monotonic()
                assert left > 0, f"timed out; received {self.received!r}"
                self._changed.wait(left)
            return result

    def wait_ev(self, kind: str, count: int = 1, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Wait for the count-th `ev` of a kind and return it."""
        return self.wait(lambda: len(evs := self.evs(kind)) >= count and evs[count - 1], timeout)

    def wait_gone(self, timeout: float = TIMEOUT) -> bool:
        """Whether the connection ended within timeout."""
        return self.gone.wait(timeout)

    def disconnect(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()

    def drop(self) -> None:
        """The link drops: the TCP connection goes away with no goodbye to the server."""
        assert self.sio.transport() == "websocket", "drop() needs the WebSocket transport"
        self.sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)
        assert self.wait_gone()


@dataclass
class LiveWorld:
    """The app, its base URL, the people's ids and signed-in HTTP sessions, and a webinar."""

    app: Flask
    base: str
    course_id: int = 0
    other_course_id: int = 0
    group_id: int = 0
    session_id: int = 0
    users: dict[str, int] = field(default_factory=dict)  # username → user id
    http: dict[str, requests.Session] = field(default_factory=dict)
    clients: list[LiveClient] = field(default_factory=list)

    def populate(self) -> None:
        """A course taught by 'teacher' to GROUP (three students); 'other' teaches 'outsider' elsewhere."""
        with self.app.app_context():
            groups = {GROUP: Group(name=GROUP), OTHER_GROUP: Group(name=OTHER_GROUP)}
            people = {name: User(username=name, full_name=full, role=role,
                                 groups=[groups[group]] if group else [])
                      for name, (full, role, group) in PEOPLE.items()}
            for user in people.values():
                user.set_password(PASSWORD)
            course = self._course("Физика", people["teacher"], groups[GROUP])
            other = self._course("Химия", people["other"], groups[OTHER_GROUP])
            db.session.add_all([*people.values(), course, other])
            db.session.commit()
            self.course_id, self.other_course_id = course.id, other.id
            self.group_id = groups[GROUP].id
            self.users = {name: user.id for name, user in people.items()}
        self.session_id = self.new_session()

    @staticmethod
    def _course(title: str, teacher: User, group: Group) -> Course:
        course = Course(academic_year="2026-2027", semester=1, title=title, assessment=Assessment.EXAM)
        course.teacher_links.append(CourseTeacher(teacher=teacher, is_owner=True))
        course.group_links.append(CourseGroup(group=group))
        return course

    def new_session(self, title: str = "Вебинар", **fields: Any) -> int:
        """A new webinar of the course for GROUP, starting now; returns its id."""
        with self.app.app_context():
            session = LiveSession(course_id=self.course_id, title=title, starts_at=fields.pop("starts_at", utcnow()),
                                  created_by_id=self.users["teacher"], **fields)
            session.groups = [db.session.get(Group, self.group_id)]
            db.session.add(session)
            db.session.commit()
            return session.id

    def add_student(self, username: str, full_name: str | None = None, group: str = GROUP) -> int:
        """One more student (in GROUP unless told), e.g. with HTML in the name; returns the id."""
        with self.app.app_context():
            found = db.session.query(Group).filter_by(name=group).one()
            user = User(username=username, full_name=full_name or username, role=Role.STUDENT, groups=[found])
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            self.users[username] = user.id
            return user.id

    def sign_in(self, username: str) -> requests.Session:
        """A browser-like HTTP session signed in through the login form (kept for reuse)."""
        if username not in self.http:
            session = requests.Session()
            session.headers["Accept-Language"] = "en"
            with session.get(f"{self.base}/login") as form:  # its CSRF token, for sites that check it
                token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            data = {"username": username, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
            with session.post(f"{self.base}/login", data=data, allow_redirects=False) as response:
                assert response.status_code == 302 and "/login" not in response.headers["Location"], response.text
            self.http[username] = session
        return self.http[username]

    def cookie(self, username: str) -> str:
        """The Cookie header of the person's signed-in session."""
        return "; ".join(f"{c.name}={c.value}" for c in self.sign_in(username).cookies)

    def connect(self, username: str | None, base: str | None = None) -> LiveClient:
        """A connected /live client signed in as username (None: anonymous, which the server refuses)."""
        client = LiveClient(base or self.base, self.cookie(username) if username else "")
        self.clients.append(client)
        return client

    def join(self, username: str, session_id: int | None = None, base: str | None = None,
             since: int | None = None) -> tuple[LiveClient, dict[str, Any]]:
        """A client of username that joined the session (the world's own unless told); asserts ok."""
        client = self.connect(username, base)
        ack = client.join(session_id or self.session_id, since)
        assert ack.get("ok"), ack
        return client, ack

    def row(self, model: type, ident: Any) -> Any:
        """A row as it is in the database now (detached)."""
        with self.app.app_context():
            found = db.session.get(model, ident)
            if found is not None:
                db.session.expunge(found)
            return found

    def start(self, session_id: int | None = None, minutes_ago: float = 0) -> None:
        """Mark the session live, as if the presenter went live minutes_ago."""
        with self.app.app_context():
            from webinar.models import LiveStatus
            session = db.session.get(LiveSession, session_id or self.session_id)
            session.status, session.started_at = LiveStatus.LIVE, utcnow() - timedelta(minutes=minutes_ago)
            db.session.commit()

    def drop_clients(self) -> None:
        """Disconnect every client the world opened."""
        for client in self.clients:
            try:
                client.disconnect()
            except Exception:  # a client the server already dropped
                pass
        self.clients.clear()

    def close(self) -> None:
        self.drop_clients()
        for session in self.http.values():
            session.close()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def another_app(config: dict[str, Any]) -> Iterator[tuple[Flask, str]]:
    """A second app (e.g. the server after a restart) served meanwhile; yields (app, base URL).

    Flask-SocketIO's extension object is global: binding a second app rebinds it, so the first app's
    Socket.IO server is put back afterwards.
    """
    from webinar.extensions import socketio

    first = socketio.server
    app = make_app(config)
    try:
        with serving(app) as base:
            yield app, base
    finally:
        socketio.server = first
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def served_live(config: dict[str, Any]) -> Iterator[LiveWorld]:
    """The app for config on a real HTTP server, populated with the course, its people and a webinar."""
    app = make_app(config)
    with serving(app) as base:
        world = LiveWorld(app, base)
        world.populate()
        try:
            yield world
        finally:
            world.close()


@pytest.fixture(scope="module")
def live_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWorld]:
    """One served app per test module (SQLite file, no Redis)."""
    tmp = tmp_path_factory.mktemp("live")
    with served_live(live_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as world:
        yield world


@pytest.fixture
def live(live_world: LiveWorld) -> Iterator[LiveWorld]:
    """The module's world with a fresh webinar for this test; its clients are disconnected after it."""
    live_world.session_id = live_world.new_session()
    yield live_world
    live_world.drop_clients()
