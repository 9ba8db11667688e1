"""The real PostgreSQL and Redis servers: required under CI, skipped with a reason elsewhere."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
import redis
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("ARALYK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ARALYK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(what: str, error: Exception) -> None:
    """Fail under CI (these variants must run there), skip with the reason elsewhere."""
    message = f"{what} unreachable: {error}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: the {what} tests must run)")
    pytest.skip(message)


def require_postgres() -> str:
    """The PostgreSQL URL, after checking the server answers."""
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any connection failure means "not here"
        _unavailable("PostgreSQL", exc)
    finally:
        engine.dispose()
    return POSTGRES_URL


def require_redis() -> str:
    """The Redis URL, after checking the server answers."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:
        _unavailable("Redis", exc)
    finally:
        client.close()
    return REDIS_URL


@contextmanager
def postgres_schema(base_url: str = POSTGRES_URL) -> Iterator[str]:
    """A URL whose connections use a new, empty schema, dropped on exit: isolation without a new database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
