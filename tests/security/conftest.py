"""Fixtures of the security tests: one populated world per module."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.security.world import SecurityWorld, build_world, security_config


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecurityWorld]:
    """Two courses, six actors and course A's objects, shared by a module's read-only tests."""
    tmp: Path = tmp_path_factory.mktemp("security")
    built = build_world(security_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}"))
    yield built
    with built.app.app_context():
        from webinar.extensions import db
        db.session.remove()
        db.engine.dispose()
