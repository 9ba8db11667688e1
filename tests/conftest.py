"""Shared fixtures: the app on SQLite or PostgreSQL, clients per role, real service endpoints."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from media.storage import S3Storage
from tests.helpers import answers_http, free_port, stop_process
from tests.services import postgres_schema, require_postgres, require_redis
from webinar import create_app
from webinar.extensions import db
from webinar.models import Group, Role, User

PASSWORD = "correct horse 42"

MOTO_START_TIMEOUT = 20.0


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run moto in server mode as a subprocess and yield its endpoint URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + MOTO_START_TIMEOUT
        while not answers_http(url + "/"):
            if proc.poll() is not None:
                log_text = log_path.read_text(errors="replace")
                pytest.fail(f"moto server exited with {proc.returncode}:\n{log_text}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"moto server did not answer on {url} within {MOTO_START_TIMEOUT:.0f}s:\n"
                    f"{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.1)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture
def s3_factory(moto_endpoint: str) -> Callable[..., S3Storage]:
    """Return a factory creating an S3Storage on a fresh uuid-named bucket."""

    def make(prefix: str = "") -> S3Storage:
        store = S3Storage(
            f"test-{uuid.uuid4().hex}",
            endpoint_url=moto_endpoint,
            access_key="testing",
            secret_key="testing",
            prefix=prefix,
        )
        store.ensure_bucket()
        return store

    return make


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    """The PostgreSQL server's URL (skips, or fails under CI, when it is unreachable)."""
    return require_postgres()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server's URL (skips, or fails under CI, when it is unreachable)."""
    return require_redis()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: SQLite in tmp_path, or a new PostgreSQL schema when param is 'postgres'."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'aralyk.sqlite3'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_base_url")) as url:
        yield url


@pytest.fixture
def app_config(db_url: str, tmp_path: Path) -> dict[str, Any]:
    """Test settings: fast password hashing, jobs run inline, files under tmp_path."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False,
        "HUEY_IMMEDIATE": True,
        "STORAGE_LOCAL_ROOT": str(tmp_path / "storage"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }


class EnglishClient(FlaskClient):
    """A test client whose browser asks for English, unless a test says otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def make_app(config: dict[str, Any]) -> Flask:
    """An app with its schema built (migrations are tested on their own)."""
    app = create_app(config)
    app.test_client_class = EnglishClient
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = make_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user (optionally in groups) and return it, detached-safe (ids loaded)."""
    def make(username: str, role: Role = Role.STUDENT, groups: tuple[str, ...] = (), **fields: Any) -> User:
        with app.app_context():
            members = []
            for name in groups:
                group = db.session.query(Group).filter_by(name=name).one_or_none() or Group(name=name)
                members.append(group)
            user = User(username=username, full_name=fields.pop("full_name", username.title()),
                        role=role, groups=members, **fields)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user
    return make


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    """Sign in through the real form."""
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def as_role(app: Flask, make_user: Callable[..., User]) -> Callable[..., FlaskClient]:
    """A new client signed in as a new user of the role."""
    def signed_in(role: Role, username: str | None = None, groups: tuple[str, ...] = ()) -> FlaskClient:
        user = make_user(username or f"{role.value}-{uuid.uuid4().hex[:6]}", role, groups)
        client = app.test_client()
        assert login(client, user.username).status_code == 302
        client.user = user
        return client
    return signed_in


@pytest.fixture
def as_admin(as_role) -> FlaskClient:
    return as_role(Role.ADMIN, "admin")


@pytest.fixture
def as_teacher(as_role) -> FlaskClient:
    return as_role(Role.TEACHER, "teacher")


@pytest.fixture
def as_student(as_role) -> FlaskClient:
    return as_role(Role.STUDENT, "student", groups=("ПИ-1-23",))
