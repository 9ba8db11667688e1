"""Importing a roster through the admin pages and the CLI: accounts, printable list, CSV."""
from __future__ import annotations

import csv
import io
import re

from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from sqlalchemy import func, select

from tests.conftest import login
from webinar.extensions import db
from webinar.models import Group, JobStatus, Job, Role, User

ROSTER = "ФИО;Почта;Группа\nАсанов Айбек;aibek@example.kg;ПИ-1-23\n=cmd|' /C calc'!A0;;ПИ-1-23\nҮсөнова Гүлнара;;ЭК-2-24\n"


def upload(client, data: bytes, group: str = ""):
    """POST the roster form; the body is built in memory (the test client would spool it to an unclosed file)."""
    fields = {"file": FileStorage(io.BytesIO(data), "roster.csv"), "group": group}
    boundary, body = encode_multipart(fields)
    return client.post("/admin/roster", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def students(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(User.full_name, Group.name).join(User.groups).order_by(User.full_name))
        return [tuple(r) for r in rows]


def logins_page(client, data: bytes) -> tuple[str, str]:
    response = upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location, client.get(response.location).get_data(as_text=True)


def test_import_creates_students_and_a_printable_login_list(app: Flask, as_admin) -> None:
    url, html = logins_page(as_admin, ROSTER.encode("utf-8"))
    assert "3 accounts created" in html
    pairs = re.findall(r"<td><code>([^<]+)</code></td><td><code>([^<]+)</code></td>", html)
    assert len(pairs) == 3
    assert ("asanov.a", pairs[[p[0] for p in pairs].index("asanov.a")][1]) in pairs
    assert ("Асанов Айбек", "ПИ-1-23") in students(app)
    assert ("Үсөнова Гүлнара", "ЭК-2-24") in students(app)
    student = app.test_client()
    login_name, password = pairs[0]
    assert login(student, login_name, password).status_code == 302
    assert student.get("/").location == "/password"


def test_login_csv_opens_in_excel_and_is_formula_safe(as_admin) -> None:
    url, _ = logins_page(as_admin, ROSTER.encode("utf-8"))
    response = as_admin.get(url + "/logins.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Group", "Full name", "Login", "Password"]
    names = [r[1] for r in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_importing_the_same_roster_twice_creates_no_duplicates(app: Flask, as_admin) -> None:
    logins_page(as_admin, ROSTER.encode())
    _, html = logins_page(as_admin, ROSTER.encode("cp1251", errors="replace"))
    assert "0 accounts created" in html or "Асанов Айбек" in html
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User).where(User.full_name == "Асанов Айбек"))
    assert count == 1


def test_deleting_the_password_list_keeps_the_accounts(app: Flask, as_admin) -> None:
    url, _ = logins_page(as_admin, ROSTER.encode())
    as_admin.post(url + "/logins/delete")
    html = as_admin.get(url).get_data(as_text=True)
    assert "password list was deleted" in html and "<code>asanov.a</code>" not in html
    assert as_admin.get(url + "/logins.csv").status_code == 404
    assert len(students(app)) == 3


def test_problems_are_listed_and_nothing_is_created(app: Flask, as_admin) -> None:
    response = upload(as_admin, "ФИО;Почта;Группа\nАсанов Айбек;bad@;ПИ\n;;ПИ\n".encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported" in html and "Row 2:" in html and "Row 3:" in html
    assert students(app) == []


def test_empty_and_unreadable_files_get_a_clear_message(app: Flask, as_admin) -> None:
    assert "no students in it" in upload(as_admin, b"").get_data(as_text=True)
    assert "Choose a CSV file" in as_admin.post("/admin/roster", data={}).get_data(as_text=True)
    garbage = upload(as_admin, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40).get_data(as_text=True)
    assert "Nothing was imported" in garbage
    assert students(app) == []


def test_oversized_files_are_refused(app: Flask, as_admin) -> None:
    big = ("Асанов Айбек,,ПИ\n" * 80_000).encode()  # ~2.5 MB, over the 1 MB roster limit
    assert "too large" in upload(as_admin, big).get_data(as_text=True)
    huge = b"x" * (50 * 1024 * 1024)
    response = upload(as_admin, huge)
    assert response.status_code == 413 and "larger than allowed" in response.get_data(as_text=True)
    assert students(app) == []


def test_group_from_the_form_fills_rows_without_one(app: Flask, as_admin) -> None:
    response = upload(as_admin, "Асанов Айбек\nСыдыкова Айгерим\n".encode(), group="ПИ-3-25")
    assert response.status_code == 302
    assert {g for _, g in students(app)} == {"ПИ-3-25"}


def test_import_job_is_recorded(app: Flask, as_admin) -> None:
    logins_page(as_admin, ROSTER.encode())
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        assert job.kind == "roster_import" and job.status == JobStatus.DONE
        assert job.attempts == 1 and job.result["created"] == 3
    assert "roster_import" in as_admin.get("/admin/jobs").get_data(as_text=True)


def test_cli_import_prints_the_logins(app: Flask, runner, tmp_path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes("Асанов Айбек\nСыдыкова Айгерим\n".encode("cp1251"))
    result = runner.invoke(args=["import-roster", str(path), "--group", "ПИ-1-23"])
    assert result.exit_code == 0, result.output
    lines = [line.split(",") for line in result.output.strip().splitlines()]
    assert [line[:3] for line in lines] == [["ПИ-1-23", "Асанов Айбек", "asanov.a"],
                                            ["ПИ-1-23", "Сыдыкова Айгерим", "sydykova.a"]]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    result = runner.invoke(args=["import-roster", str(bad)])
    assert result.exit_code != 0 and "no students" in result.output


def test_cli_create_admin_and_reset_password(app: Flask, runner) -> None:
    first = runner.invoke(args=["create-admin", "--if-none"])
    assert "One-time password" in first.output
    assert runner.invoke(args=["create-admin", "--if-none"]).output == ""
    password = re.search(r"One-time password: (\S+)", first.output).group(1)
    client = app.test_client()
    assert login(client, "admin", password).status_code == 302
    reset = runner.invoke(args=["reset-password", "admin"])
    new = re.search(r"One-time password: (\S+)", reset.output).group(1)
    assert new != password
    assert login(app.test_client(), "admin", password).status_code == 200
    assert login(app.test_client(), "admin", new).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.role == Role.ADMIN)).must_change_password
