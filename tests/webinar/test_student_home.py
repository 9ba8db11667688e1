"""The student's home: next webinars and lectures to watch, in a page light enough for 2G."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.webinar.course_helpers import GROUP, add_lecture, group_ids
from webinar.extensions import db
from webinar.models import Announcement, Course, Group, LiveSession
from webinar.models.materials import Material, MaterialVersion, Section
from webinar.models.base import utcnow

FIRST_VISIT_BUDGET = 50 * 1024


def test_home_lists_new_and_unfinished_lectures_and_the_next_webinar(app, as_student, course_id) -> None:
    student_id = as_student.user.id
    add_lecture(app, course_id, "Новая", days_ago=1)
    add_lecture(app, course_id, "Начатая", days_ago=40, watched="1" * 5, student_id=student_id)
    add_lecture(app, course_id, "Просмотренная", days_ago=2, watched="1" * 20, student_id=student_id)
    add_lecture(app, course_id, "Старая", days_ago=40)
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.name == GROUP))
        db.session.add(LiveSession(course_id=course_id, title="Вебинар", groups=[group],
                                   starts_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    page = as_student.get("/").text
    watch = page[page.index('id="to-watch"'):page.index('id="courses"')]
    assert "Новая" in watch and "Начатая" in watch and "watched 25%" in watch
    assert "Просмотренная" not in watch and "Старая" not in watch
    assert "Вебинар" in page and "/room" in page  # the lobby is open five minutes before


def same_origin_assets(html: str) -> list[str]:
    """Stylesheets, scripts and images a page makes the browser fetch from us."""
    return re.findall(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"', html)


def transferred(client: FlaskClient, path: str) -> int:
    """Bytes on the wire for one response, compressed as a browser would ask."""
    with client.get(path, headers={"Accept-Encoding": "br, gzip"}) as response:
        assert response.status_code == 200, path
        return len(response.get_data()) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())


@pytest.mark.parametrize("page", ["/", "/courses/{course_id}"])
def test_the_students_pages_stay_under_50_kb_on_a_first_visit(app, as_student, course_id, page) -> None:
    for days in range(12):
        add_lecture(app, course_id, f"Лекция {days} " + "х" * 60, days_ago=days)
    path = page.format(course_id=course_id)
    with as_student.get(path) as response:
        html = response.text
    total = transferred(as_student, path) + sum(transferred(as_student, asset) for asset in same_origin_assets(html))
    assert same_origin_assets(html), "the page links its stylesheet"
    print(f"first visit {path}: {total} bytes")
    assert total <= FIRST_VISIT_BUDGET, f"{path}: {total} bytes"


def test_home_lists_files_added_lately(app, as_teacher, as_student, course_id) -> None:
    with app.app_context():
        course = db.session.get(Course, course_id)
        section = Section(course=course, title="Лекциялар")
        old = Material(section=section, title="Эски конспект", current_number=1,
                       versions=[MaterialVersion(number=1, key="k1", filename="a.pdf", size=2048, sha256="a", kind="pdf",
                                                 uploaded_at=utcnow() - timedelta(days=60))])
        new = Material(section=section, title="Жаңы конспект", current_number=2, versions=[
            MaterialVersion(number=1, key="k2", filename="b.pdf", size=1, sha256="b", kind="pdf",
                            uploaded_at=utcnow() - timedelta(days=60)),
            MaterialVersion(number=2, key="k3", filename="b2.pdf", size=300 * 1024, sha256="c", kind="pdf")])
        db.session.add_all([old, new])
        db.session.commit()
    page = as_student.get("/").text
    listed = page[page.index('id="new-materials"'):page.index('id="courses"')]
    assert "Жаңы конспект" in listed and "Лекциялар" in listed and "300" in listed
    assert "Эски конспект" not in listed


def test_home_shows_unread_announcements_and_coming_deadlines(app, as_teacher, as_student, course_id) -> None:
    group_id = group_ids(app, GROUP)[0]
    for title, due in (("Курстук иш", (date.today() + timedelta(days=3)).isoformat()), ("Эскертүү", "")):
        data = {"title": title, "text": "<b>маанилүү</b>", "groups": [group_id], "due_on": due}
        assert as_teacher.post(f"/courses/{course_id}/announcements/new", data=data).status_code == 302
    with app.app_context():  # the form refuses a past date; one may have passed since it was posted
        db.session.add(Announcement(course_id=course_id, title="Өткөн тапшырма", text="", groups=[db.session.get(Group, group_id)],
                                    due_on=date.today() - timedelta(days=1)))
        db.session.commit()
    page = as_student.get("/").text
    deadlines = page[page.index('id="deadlines"'):page.index('id="announcements"')]
    assert "Курстук иш" in deadlines and "Өткөн тапшырма" not in deadlines and "Эскертүү" not in deadlines
    news = page[page.index('id="announcements"'):page.index('id="courses"')]
    assert news.count('class="tag new"') == 3
    as_student.get("/announcements")  # seen: no longer new
    assert 'class="tag new"' not in as_student.get("/").text
