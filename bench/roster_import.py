"""Roster import speed: accounts per second on SQLite and PostgreSQL, next to the password-hashing floor."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.exc import OperationalError  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from tests.services import postgres_schema  # noqa: E402
from webinar import create_app  # noqa: E402
from webinar.extensions import db  # noqa: E402
from workers import enqueue  # noqa: E402

ROWS = 200


def hashing_floor(rows: int) -> float:
    """Seconds to hash `rows` passwords and nothing else: the import cannot beat this."""
    started = time.perf_counter()
    for _ in range(rows):
        generate_password_hash("abcdefghjk", method="scrypt")
    return time.perf_counter() - started


def import_seconds(db_url: str, workdir: Path) -> float:
    """Seconds for one roster import job of ROWS students, run inline."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": db_url, "HUEY_IMMEDIATE": True,
                      "STORAGE_LOCAL_ROOT": str(workdir / "storage")})
    rows = [{"full_name": f"Студент{i:04d} Тестов", "email": None, "group": "ПИ-1-23"} for i in range(ROWS)]
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        job = enqueue("roster_import", {"rows": rows, "warnings": []})
        elapsed = time.perf_counter() - started
        db.session.refresh(job)
        assert job.result["created"] == ROWS
        db.session.remove()
        db.engine.dispose()
    return elapsed


def postgres_seconds(workdir: Path) -> float | None:
    """The import on a fresh schema of the local PostgreSQL, or None when it is not running."""
    try:
        with postgres_schema() as url:
            return import_seconds(url, workdir)
    except OperationalError:
        return None


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        floor = hashing_floor(ROWS)
        results = [("sqlite", import_seconds(f"sqlite:///{workdir / 'a.sqlite3'}", workdir))]
        pg = postgres_seconds(workdir)
        if pg is not None:
            results.append(("postgresql", pg))
    print(f"roster import, {ROWS} students, scrypt hashing")
    print(f"{'database':<12}{'seconds':>10}{'accounts/s':>12}{'× hash floor':>14}")
    print(f"{'(floor)':<12}{floor:>10.2f}{ROWS / floor:>12.1f}{1:>14.2f}")
    for name, seconds in results:
        print(f"{name:<12}{seconds:>10.2f}{ROWS / seconds:>12.1f}{seconds / floor:>14.2f}")


if __name__ == "__main__":
    main()
