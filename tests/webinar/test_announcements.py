"""Announcements: teachers post to groups, students read them (unread counts), e-mail copies go through a
real SMTP server process and are retried when it is down, new webinars and lectures announce themselves."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.helpers import both_databases, free_port
from tests.webinar.course_helpers import GROUP, OTHER_GROUP, group_ids
from webinar.announcements import recent_for, unread_count
from webinar.extensions import db
from webinar.models import (Announcement, AnnouncementKind, Assessment, Course, CourseGroup, CourseTeacher,
                            DeliveryStatus, EmailDelivery, Group, Job, JobStatus, Lecture, LectureStatus, Role, User)

SINK = Path(__file__).with_name("smtp_sink.py")


class Mailbox:
    """What the SMTP server process received."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder = port, folder

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """Each received message with its envelope recipients, in arrival order."""
        found = sorted(self.folder.glob("*.eml"), key=lambda p: int(p.stem))
        return [(p.with_suffix(".rcpt").read_text(encoding="utf-8").split(),
                 message_from_bytes(p.read_bytes(), policy=policy.default)) for p in found]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named this address."""
        return [m for rcpt, m in self.messages() if address in rcpt]


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    """A real aiosmtpd server in its own process on a free port."""
    port, folder = free_port(), tmp_path / "mail"
    folder.mkdir()
    log = tmp_path / "smtp.log"
    with log.open("wb") as errors:  # its log goes to a file: a full pipe would stall the server
        proc = subprocess.Popen([sys.executable, "-W", "error", str(SINK), str(port), str(folder)],
                                stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", log.read_text(errors="replace")
        yield Mailbox(port, folder)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def use_smtp(app: Flask, port: int) -> None:
    """Point the app at a mail server (no TLS: a local test server)."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, SMTP_TIMEOUT_SECONDS=5,
                      MAIL_FROM="Aralyk <noreply@aralyk.test>", PUBLIC_BASE_URL="https://aralyk.test")


def announce(client: FlaskClient, course_id: int, **fields) -> object:
    """Post the announcement form."""
    data = {"title": "Срок сдачи", "text": "Сдайте лабораторную №3 до пятницы."}
    data.update(fields)
    return client.post(f"/courses/{course_id}/announcements/new", data=data)


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def user(app: Flask, username: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(found)
        return found


def nav_badge(page: str) -> str | None:
    """The unread count shown in the nav, if any."""
    found = re.search(r'<span class="badge"[^>]*>(\d+)</span>', page)
    return found.group(1) if found else None


@both_databases
def test_teacher_posts_to_chosen_groups_and_only_their_students_read_it(app, as_role, as_teacher, as_student,
                                                                         course_id) -> None:
    other = as_role(Role.STUDENT, "other", groups=(OTHER_GROUP,))
    form = as_teacher.get(f"/courses/{course_id}/announcements/new")
    assert form.status_code == 200 and 'type="checkbox"' in form.text
    assert "E-mail copies are off" in form.text  # no SMTP_HOST: the page says so
    response = announce(as_teacher, course_id, groups=group_ids(app, GROUP), due_on="2036-12-11")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course_id}/announcements")
    assert count(app, EmailDelivery) == 0 and count(app, Job) == 0  # mail is off: no e-mail job at all

    home = as_student.get("/")
    assert nav_badge(home.text) == "1"
    with app.app_context():
        assert unread_count(as_student.user) == 1 and unread_count(other.user) == 0
        assert [(a.title, unread) for a, unread in recent_for(as_student.user, 5)] == [("Срок сдачи", True)]
    page = as_student.get("/announcements")
    assert "Сдайте лабораторную №3 до пятницы." in page.text and "Due: December 11, 2036" in page.text
    assert 'class="tag new"' in page.text  # marked as new on the visit that shows it ...
    again = as_student.get("/announcements")
    assert 'class="tag new"' not in again.text and nav_badge(again.text) is None  # ... and read afterwards
    with app.app_context():
        assert unread_count(as_student.user) == 0
    assert "Срок сдачи" not in other.get("/announcements").text  # not sent to the other group
    assert "Срок сдачи" not in other.get(f"/courses/{course_id}/announcements").text
    course_page = as_student.get(f"/courses/{course_id}")
    assert "Срок сдачи" in course_page.text and "All announcements" in course_page.text


def test_a_student_cannot_post_and_nothing_is_saved(app, as_student, course_id) -> None:
    assert as_student.get(f"/courses/{course_id}/announcements/new").status_code == 403
    assert announce(as_student, course_id, groups=group_ids(app, GROUP)).status_code == 403
    assert as_student.post(f"/courses/{course_id}/announcements/automatic").status_code == 403
    assert count(app, Announcement) == 0


def test_another_courses_teacher_cannot_post_switch_or_retry(app, as_role, as_teacher, course_id) -> None:
    stranger = as_role(Role.TEACHER, "stranger")
    assert announce(stranger, course_id, groups=group_ids(app, GROUP)).status_code == 403
    assert stranger.post(f"/courses/{course_id}/announcements/automatic").status_code == 403
    assert announce(as_teacher, course_id, groups=group_ids(app, GROUP)).status_code == 302
    with app.app_context():
        announcement_id = db.session.scalar(select(Announcement.id))
    assert stranger.post(f"/announcements/{announcement_id}/emails/retry").status_code == 403
    assert stranger.get(f"/courses/{course_id}/announcements").status_code == 403
    assert "Срок сдачи" not in stranger.get("/announcements").text
    assert count(app, Announcement) == 1


def test_the_teacher_deletes_an_announcement_after_a_confirmation(app, as_role, as_teacher, as_student,
                                                                   course_id) -> None:
    announce(as_teacher, course_id, groups=group_ids(app, GROUP))
    with app.app_context():
        announcement_id = db.session.scalar(select(Announcement.id))
    listing = as_teacher.get(f"/courses/{course_id}/announcements").text
    assert f"/announcements/{announcement_id}/delete" in listing
    assert f"/announcements/{announcement_id}/delete" not in as_student.get(f"/courses/{course_id}/announcements").text
    stranger = as_role(Role.TEACHER, "stranger")
    for client in (as_student, stranger):
        assert client.post(f"/announcements/{announcement_id}/delete").status_code == 403
    confirm = as_teacher.get(f"/announcements/{announcement_id}/delete")
    assert confirm.status_code == 200 and "Delete “Срок сдачи”?" in confirm.text and count(app, Announcement) == 1
    response = as_teacher.post(f"/announcements/{announcement_id}/delete")
    assert response.status_code == 302 and count(app, Announcement) == 0
    assert "Срок сдачи" not in as_student.get("/announcements").text
    assert as_teacher.get(f"/announcements/{announcement_id}/delete").status_code == 404


def test_a_student_outside_the_course_cannot_open_its_announcements(app, as_role, course_id) -> None:
    outsider = as_role(Role.STUDENT, "outsider", groups=("МТ-3-21",))
    assert outsider.get(f"/courses/{course_id}/announcements").status_code == 403


@pytest.mark.parametrize("fields, error", [
    ({"groups": []}, "Choose at least one group."),
    ({"groups": [999]}, "not a valid choice"),  # a group of another course, typed into the request
    ({"title": ""}, "This field is required."),
    ({"text": "   "}, "This field is required."),
    ({"text": "я" * 5001}, "The message is too long: at most 5000 characters."),
    ({"due_on": "11.12.2026"}, "Not a valid date value."),
    ({"due_on": "2020-09-01"}, "This date has passed. Choose today or a later day."),
])
def test_bad_forms_are_refused_with_a_reason_and_keep_what_was_typed(app, as_teacher, course_id,
                                                                     fields, error) -> None:
    data = {"groups": group_ids(app, GROUP), "title": "Контрольная", "text": "Принесите калькулятор."}
    data.update(fields)
    response = announce(as_teacher, course_id, **data)
    assert response.status_code == 200 and error in response.text
    kept = data["title"] if "title" not in fields else data["text"]
    assert kept in response.text  # nothing typed is lost
    assert count(app, Announcement) == 0


def test_html_and_script_in_an_announcement_are_shown_as_text(app, as_teacher, as_student, course_id) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    announce(as_teacher, course_id, groups=group_ids(app, GROUP), title=f"<b>{evil}</b>", text=evil)
    for client, path in ((as_student, "/announcements"), (as_teacher, f"/courses/{course_id}/announcements"),
                         (as_student, f"/courses/{course_id}")):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>&lt;" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


@both_databases
def test_email_copies_reach_each_student_in_their_language(app, as_role, as_teacher, make_user, course_id,
                                                           mailbox) -> None:
    use_smtp(app, mailbox.port)
    make_user("aida", groups=(GROUP,), full_name="Аида Токтогулова", email="aida@example.kg", locale="ru")
    make_user("bek", groups=(GROUP,), full_name="Бек Асанов", email="bek@example.kg")  # no choice: Kyrgyz
    make_user("nomail", groups=(GROUP,))  # no address: sees it in Aralyk only
    make_user("elsewhere", groups=(OTHER_GROUP,), email="elsewhere@example.kg")  # not a chosen group
    evil = "<b>Лаба</b> & сдача"
    response = announce(as_teacher, course_id, groups=group_ids(app, GROUP), due_on="2036-12-11", text=evil)
    assert response.status_code == 302

    assert sorted(r for rcpt, _m in mailbox.messages() for r in rcpt) == ["aida@example.kg", "bek@example.kg"]
    (ru,), (ky,) = mailbox.to("aida@example.kg"), mailbox.to("bek@example.kg")
    assert ru["To"] == "Аида Токтогулова <aida@example.kg>" and ru["From"] == "Aralyk <noreply@aralyk.test>"
    assert ru["Subject"] == "Физика: Срок сдачи" and ru["Content-Language"] == "ru"
    assert ky["Content-Language"] == "ky" and ky["To"] == "Бек Асанов <bek@example.kg>"
    plain, html = ru.get_body(("plain",)).get_content(), ru.get_body(("html",)).get_content()
    assert evil in plain and "11 декабря 2036" in plain  # the date in the reader's language
    assert "https://aralyk.test/courses/" in plain
    assert 'lang="ru"' in html and "&lt;b&gt;Лаба&lt;/b&gt; &amp; сдача" in html and "<b>Лаба" not in html
    assert "11 декабря 2036" not in ky.get_body(("plain",)).get_content()  # Kyrgyz, not Russian
    with app.app_context():
        deliveries = db.session.scalars(select(EmailDelivery)).all()
        assert {d.status for d in deliveries} == {DeliveryStatus.SENT} and len(deliveries) == 2
        assert db.session.scalar(select(Job.status).where(Job.kind == "announcement_email")) == JobStatus.DONE
    status = as_teacher.get(f"/courses/{course_id}/announcements").text
    assert "E-mailed to 2 of 2." in status and "failed" not in status
    assert "E-mailed" not in as_role(Role.STUDENT, "reader", groups=(GROUP,)).get("/announcements").text


def scheduled_retries(app: Flask) -> list:
    """The job runs Huey holds for later (RetryLater), with their delay in seconds from now."""
    huey = app.extensions["aralyk.huey"]
    later = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=1)
    return huey.read_schedule(later)


def run_later(app: Flask, tasks: list) -> None:
    """Time passes: Huey runs the held job runs (as its scheduler would)."""
    huey = app.extensions["aralyk.huey"]
    with app.app_context():
        for task in tasks:
            huey.execute(task, timestamp=task.eta + timedelta(seconds=1))


def test_smtp_down_posts_anyway_shows_the_failure_and_a_later_retry_delivers(app, as_teacher, as_student,
                                                                             make_user, course_id,
                                                                             mailbox) -> None:
    use_smtp(app, free_port())  # nothing listens there
    make_user("aida", groups=(GROUP,), email="aida@example.kg")
    make_user("bek", groups=(GROUP,), email="bek@example.kg")
    assert announce(as_teacher, course_id, groups=group_ids(app, GROUP)).status_code == 302
    assert "Срок сдачи" in as_student.get("/announcements").text  # posted all the same
    status = as_teacher.get(f"/courses/{course_id}/announcements").text
    assert "E-mailed to 0 of 2. 2 failed: the mail server could not be reached" in status
    assert "Retrying automatically." in status
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.kind == "announcement_email")).one()
        assert job.status == JobStatus.QUEUED and job.attempts == 1 and "2 of 2 e-mails failed" in job.error
    (held,) = scheduled_retries(app)  # requeued for later, not at once
    wait = held.eta - datetime.now(timezone.utc).replace(tzinfo=None)
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)  # ANNOUNCEMENT_RETRY_SECONDS

    app.config["SMTP_PORT"] = mailbox.port  # the server is back
    run_later(app, [held])
    assert sorted(r for rcpt, _m in mailbox.messages() for r in rcpt) == ["aida@example.kg", "bek@example.kg"]
    with app.app_context():
        assert db.session.get(Job, job.id).status == JobStatus.DONE
    assert "E-mailed to 2 of 2." in as_teacher.get(f"/courses/{course_id}/announcements").text


def test_a_retry_sends_only_to_those_not_yet_sent(app, as_teacher, make_user, course_id, mailbox) -> None:
    use_smtp(app, mailbox.port)
    make_user("aida", groups=(GROUP,), email="aida@example.kg")
    make_user("flaky", groups=(GROUP,), email="flaky@example.kg")  # the server says "try later" once
    announce(as_teacher, course_id, groups=group_ids(app, GROUP))
    assert [rcpt for rcpt, _m in mailbox.messages()] == [["aida@example.kg"]]
    status = as_teacher.get(f"/courses/{course_id}/announcements").text
    assert "E-mailed to 1 of 2. 1 failed: the mail server refused the address" in status and "451" in status
    (held,) = scheduled_retries(app)
    run_later(app, [held])
    assert [rcpt for rcpt, _m in mailbox.messages()] == [["aida@example.kg"], ["flaky@example.kg"]]
    with app.app_context():
        attempts = dict(db.session.execute(select(EmailDelivery.address, EmailDelivery.attempts)).all())
        assert attempts == {"aida@example.kg": 1, "flaky@example.kg": 2}
    assert scheduled_retries(app) == []


def test_after_the_last_attempt_the_teacher_can_try_again(app, as_teacher, make_user, course_id,
                                                          mailbox) -> None:
    use_smtp(app, free_port())
    app.config["JOB_MAX_ATTEMPTS"] = 1
    make_user("aida", groups=(GROUP,), email="aida@example.kg")
    announce(as_teacher, course_id, groups=group_ids(app, GROUP))
    status = as_teacher.get(f"/courses/{course_id}/announcements").text
    assert "Not retried any more." in status and "Try the e-mails again" in status
    assert scheduled_retries(app) == []
    with app.app_context():
        announcement_id = db.session.scalar(select(Announcement.id))
        assert db.session.scalar(select(Job.status)) == JobStatus.FAILED
    app.config["SMTP_PORT"] = mailbox.port
    response = as_teacher.post(f"/announcements/{announcement_id}/emails/retry")
    assert response.status_code == 302
    assert [rcpt for rcpt, _m in mailbox.messages()] == [["aida@example.kg"]]
    assert as_teacher.post(f"/announcements/{announcement_id}/emails/retry").status_code == 302
    assert len(mailbox.messages()) == 1  # everyone has it: nothing sent twice


def schedule_webinar(client: FlaskClient, course_id: int, title: str, groups: list[int]) -> object:
    """Schedule a webinar through the live pages' form."""
    return client.post(f"/courses/{course_id}/webinars/new", data={
        "title": title, "day": "2026-12-10", "time": "10:30", "duration": "80", "groups": groups})


@both_databases
def test_a_scheduled_webinar_announces_itself_unless_switched_off(app, as_teacher, as_student, course_id) -> None:
    groups = group_ids(app, GROUP)
    assert schedule_webinar(as_teacher, course_id, "Кинематика", groups).status_code == 302
    with app.app_context():
        found = db.session.scalars(select(Announcement)).one()
        assert found.kind == AnnouncementKind.WEBINAR and [g.name for g in found.groups] == [GROUP]
    page = as_student.get("/announcements").text
    assert "Webinar: Кинематика" in page and "10:30" in page and f"/live/{found.live_session_id}" in page

    course_page = as_teacher.get(f"/courses/{course_id}").text  # the switch is on the course page
    assert "New lectures and webinars are announced automatically." in course_page
    assert "Stop announcing them" not in as_student.get(f"/courses/{course_id}").text
    switched = as_teacher.post(f"/courses/{course_id}/announcements/automatic", data={"back": "course"})  # off
    assert switched.status_code == 302 and switched.headers["Location"].endswith(f"/courses/{course_id}#announcements")
    assert "are not announced automatically" in as_teacher.get(f"/courses/{course_id}").text
    assert "are not announced automatically" in as_teacher.get(f"/courses/{course_id}/announcements").text
    assert schedule_webinar(as_teacher, course_id, "Динамика", groups).status_code == 302
    assert count(app, Announcement) == 1
    as_teacher.post(f"/courses/{course_id}/announcements/automatic", data={"automatic": "y"})  # on again
    assert schedule_webinar(as_teacher, course_id, "Статика", groups).status_code == 302
    assert count(app, Announcement) == 2


def test_a_cancelled_webinar_takes_its_announcement_away(app, as_teacher, as_student, course_id) -> None:
    schedule_webinar(as_teacher, course_id, "Кинематика", group_ids(app, GROUP))
    with app.app_context():
        session_id = db.session.scalar(select(Announcement.live_session_id))
    assert as_teacher.post(f"/live/{session_id}/cancel").status_code == 302
    assert count(app, Announcement) == 0 and "Кинематика" not in as_student.get("/announcements").text


def test_csrf_is_checked_on_the_announcement_form(app_config, make_user) -> None:
    from tests.conftest import make_app

    app = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        course = Course(academic_year="2026-2027", semester=1, title="Физика", assessment=Assessment.EXAM)
        teacher = User(username="t", full_name="T", role=Role.TEACHER, password_hash="x")
        teacher.set_password("correct horse 42")
        course.teacher_links.append(CourseTeacher(teacher=teacher, is_owner=True))
        course.group_links.append(CourseGroup(group=Group(name=GROUP)))
        db.session.add(course)
        db.session.commit()
        course_id, group_id = course.id, course.groups[0].id
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "t", "password": "correct horse 42", "csrf_token": token})
    data = {"title": "Срок", "text": "Сдайте отчёт.", "groups": [group_id]}
    refused = client.post(f"/courses/{course_id}/announcements/new", data=data)  # no token
    assert refused.status_code == 302 and refused.headers["Location"].startswith(
        f"/courses/{course_id}/announcements/new")  # back to the form, with a reason
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    form = client.get(f"/courses/{course_id}/announcements/new").text
    assert "The form was open too long or came from elsewhere." in form
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert client.post(f"/courses/{course_id}/announcements/new", data={**data, "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Announcement)) == 1
        db.session.remove()
        db.engine.dispose()


def test_the_announcement_pages_stay_light(app, as_teacher, as_student, course_id) -> None:
    import random

    words = random.Random(7)
    for _i in range(25):  # more than a page, each ~900 characters of text that compresses like prose
        text = " ".join("".join(words.choices("абвгдеёжзийклмнопрстуфхцчшщыэюя", k=words.randint(2, 9)))
                        for _w in range(150))
        announce(as_teacher, course_id, groups=group_ids(app, GROUP, OTHER_GROUP), text=text)
    for client, path in ((as_student, "/announcements"), (as_teacher, f"/courses/{course_id}/announcements"),
                         (as_student, f"/courses/{course_id}")):
        page = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert page.status_code == 200 and page.headers["Content-Encoding"] in ("br", "gzip")
        assert len(page.data) < 50 * 1024, (path, len(page.data))
        plain = client.get(path, headers={"Accept-Encoding": "identity"}).text
        assert "<script" not in plain.split("</head>")[1]  # readable without JavaScript
    assert "Older" in as_student.get("/announcements").text  # the rest is a page further


def process_recording(app: Flask, course_id: int, clip: Path, lecture_id: int | None = None) -> int:
    """Give a lecture (new, or an existing one a new recording) and run its real processing job."""
    from webinar.lectures.service import attach_source, create_lecture
    from workers import dispatch

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        course = db.session.get(Course, course_id)
        lecture = db.session.get(Lecture, lecture_id) if lecture_id else create_lecture(course, "Лекция 1", teacher)
        job, _old = attach_source(lecture, clip, clip.name, teacher)
        db.session.commit()
        dispatch(job.id)  # runs inline (HUEY_IMMEDIATE), e-mail job included
        assert db.session.get(Lecture, lecture.id).status == LectureStatus.READY
        return lecture.id


def test_a_lecture_is_announced_when_first_published_and_never_again(app, tmp_path, as_teacher, as_student,
                                                                    make_user, course_id, mailbox) -> None:
    from media.ffmpeg import ffmpeg_binary
    from tests.media import clips

    use_smtp(app, mailbox.port)
    make_user("aida", groups=(OTHER_GROUP,), email="aida@example.kg", locale="en")
    clip = clips.audio_file(ffmpeg_binary(), tmp_path / "lecture.m4a", d=2)
    lecture_id = process_recording(app, course_id, clip)
    with app.app_context():
        found = db.session.scalars(select(Announcement)).one()
        assert found.kind == AnnouncementKind.LECTURE and found.lecture_id == lecture_id
        assert [g.name for g in found.groups] == [GROUP, OTHER_GROUP]  # the whole course
    page = as_student.get("/announcements").text
    assert "New lecture: Лекция 1" in page and f"/lectures/{lecture_id}" in page
    (message,) = mailbox.to("aida@example.kg")
    assert message["Subject"] == "Физика: New lecture: Лекция 1"
    assert f"https://aralyk.test/lectures/{lecture_id}" in message.get_body(("plain",)).get_content()

    process_recording(app, course_id, clip, lecture_id)  # a new recording of the same lecture
    assert count(app, Announcement) == 1 and len(mailbox.messages()) == 1

    as_teacher.post(f"/lectures/{lecture_id}/visibility", data={"visible": "0"})  # hidden: its news goes too
    assert "Лекция 1" not in as_student.get("/announcements").text and "Лекция 1" not in as_student.get("/").text
    as_teacher.post(f"/lectures/{lecture_id}/visibility", data={"visible": "1"})
    assert "New lecture: Лекция 1" in as_student.get("/announcements").text

    as_teacher.post(f"/courses/{course_id}/announcements/automatic")  # switched off
    process_recording(app, course_id, clip)
    assert count(app, Announcement) == 1 and len(mailbox.messages()) == 1


def test_the_unread_count_is_one_query(app, as_teacher, as_student, course_id) -> None:
    from sqlalchemy import event

    for _i in range(3):
        announce(as_teacher, course_id, groups=group_ids(app, GROUP))
    statements: list[str] = []
    with app.app_context():
        student = db.session.get(User, as_student.user.id)

        def record(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert unread_count(student) == 3
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT COUNT")


def test_a_real_consumer_holds_a_failed_run_for_its_delay_then_delivers(app_config, tmp_path, mailbox) -> None:
    from tests.conftest import make_app
    from webinar.announcements.service import post
    from workers.consumer import InProcessConsumer, _consumer_options

    app = make_app({**app_config, "HUEY_IMMEDIATE": False, "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
                    "ANNOUNCEMENT_RETRY_SECONDS": 2})
    use_smtp(app, free_port())  # down at first
    with app.app_context():
        course = Course(academic_year="2026-2027", semester=1, title="Физика", assessment=Assessment.EXAM)
        group = Group(name=GROUP)
        course.group_links.append(CourseGroup(group=group))
        db.session.add_all([course, User(username="aida", full_name="Аида", role=Role.STUDENT, password_hash="x",
                                         email="aida@example.kg", groups=[group])])
        db.session.commit()
        post(course, [group], None, "Срок сдачи", "Сдайте отчёт.")  # queued on the SQLite queue, not run yet
    consumer = InProcessConsumer(app.extensions["aralyk.huey"], **_consumer_options(2))
    consumer.start()
    try:
        huey = app.extensions["aralyk.huey"]
        failed_at = wait_for(app, lambda: huey.scheduled_count() == 1)  # held for later, not run again at once
        with app.app_context():
            assert db.session.scalar(select(EmailDelivery.status)) == DeliveryStatus.FAILED
        app.config["SMTP_PORT"] = mailbox.port  # the server is back
        delivered_at = wait_for(app, lambda: db.session.scalar(select(Job.status)) == JobStatus.DONE)
    finally:
        consumer.stop(graceful=False)
    assert delivered_at - failed_at >= 1.5  # the 2 s delay held
    assert [rcpt for rcpt, _m in mailbox.messages()] == [["aida@example.kg"]]
    with app.app_context():
        assert db.session.scalars(select(Job)).one().attempts == 2
        assert db.session.scalar(select(EmailDelivery.status)) == DeliveryStatus.SENT
        db.session.remove()
        db.engine.dispose()


def wait_for(app: Flask, condition: Callable[[], bool], timeout: float = 20.0) -> float:
    """Poll the database until the condition holds; the monotonic time it first did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            if condition():
                return time.monotonic()
            db.session.remove()
        time.sleep(0.05)
    raise AssertionError("the condition never held")
