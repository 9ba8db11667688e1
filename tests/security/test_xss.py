"""Markup in every field people type is shown as text: on every page, in every role, and by the scripts.

One payload per field (names come in through a real roster import) is stored, then every GET route is
rendered for the teacher, the student and the admin and parsed: no element or attribute of a payload
may appear, and each payload must be seen as text somewhere (so the field really was on a page).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

import pytest
from werkzeug.http import parse_options_header

from tests.security.matrix import rules, url_for_rule
from tests.security.world import SecurityWorld, build_world, security_config
from tests.webinar.test_roster_import import upload as import_roster
from webinar.extensions import db
from webinar.models import (Announcement, ChatMessage, Course, Lecture, LiveSession, Material, MaterialVersion, Poll,
                            Question, User)
from webinar.models.materials import Section

JS = Path(__file__).parents[2] / "webinar" / "static" / "js"
SINKS = re.compile(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
                   r"\.setAttribute\(\s*['\"]on|srcdoc")


def payload(field: str) -> str:
    """Markup that would run if shown unescaped, marked with the field's name."""
    return f"<img src=x onerror=alert('{field}')>\"'><script>alert('{field}')</script>"


FIELDS = ["course", "lecture", "webinar", "section", "material", "filename", "announcement", "announcement_text",
          "chat", "question", "poll", "teacher", "group"]


class Injected(HTMLParser):
    """Collects elements and attributes that only a payload would have produced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.text: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_script = tag == "script"
        handlers = [name for name, _ in attrs if name.startswith("on")]
        if handlers or (tag == "img" and ("src", "x") in attrs):
            self.found.append(f"<{tag} {attrs}>")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "alert(" in data:
            self.found.append(f"script: {data[:80]}")
        self.text.append(data)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecurityWorld]:
    """The security world with a payload in every field; the student's name comes from a roster import."""
    tmp = tmp_path_factory.mktemp("xss")
    world = build_world(security_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}"))
    roster = f"ФИО;Группа\n{payload('student')};ПИ-1-23\n".encode()
    assert import_roster(world.client("admin"), roster).status_code == 302
    ids = world.ids
    with world.app.app_context():
        db.session.get(Course, ids["course_id"]).title = payload("course")
        db.session.get(Lecture, ids["lecture_id"]).title = payload("lecture")
        session = db.session.get(LiveSession, ids["session_id"])
        session.title = payload("webinar")
        db.session.get(Section, ids["section_id"]).title = payload("section")
        material = db.session.get(Material, ids["material_id"])
        material.title = payload("material")
        db.session.query(MaterialVersion).filter_by(material_id=material.id).update({"filename": payload("filename")})
        note = db.session.get(Announcement, ids["announcement_id"])
        note.title, note.text = payload("announcement"), payload("announcement_text")
        db.session.query(ChatMessage).filter_by(session_id=session.id).update({"text": payload("chat")})
        db.session.add(Question(session_id=session.id, user_id=world.users["student"], text=payload("question")))
        db.session.add(Poll(session_id=session.id, question=payload("poll"), options=[payload("poll"), "b"]))
        db.session.get(User, world.users["teacher"]).full_name = payload("teacher")
        db.session.query(User).filter(User.full_name == payload("student")).one().groups[0].name = \
            "<img src=x onerror=alert('group')>"
        db.session.commit()
    yield world


@pytest.mark.parametrize("actor", ["teacher", "student", "admin"])
def test_every_page_shows_the_payloads_as_text(marked: SecurityWorld, actor: str) -> None:
    client, injected, seen = marked.client(actor), [], set()
    for rule in rules(marked.app):
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, marked.ids)
        with client.get(url) as response:
            if response.mimetype != "text/html":
                continue
            parser = Injected()
            parser.feed(response.get_data(as_text=True))
        injected += [f"{url}: {found}" for found in parser.found]
        text = "".join(parser.text)
        seen |= {f for f in FIELDS + ["student"] if f"alert('{f}')" in text}
    assert injected == []
    if actor == "teacher":
        assert {"course", "lecture", "webinar", "section", "material", "filename", "announcement",
                "announcement_text"} <= seen
    if actor == "admin":
        assert {"teacher", "student", "group"} <= seen


def test_a_file_name_cannot_break_out_of_the_download_header(marked: SecurityWorld) -> None:
    with marked.client("student").get(f"/materials/{marked.ids['material_id']}/download") as response:
        disposition = response.headers["Content-Disposition"]
    assert response.status_code == 200 and "\r" not in disposition and "\n" not in disposition
    kind, options = parse_options_header(disposition)
    assert kind == "attachment" and options["filename"] == payload("filename")  # quoted whole, nothing spliced


def test_the_parser_does_see_a_payload_that_is_not_escaped() -> None:
    """Control: the same check on raw markup finds the image, its handler and the script."""
    parser = Injected()
    parser.feed(f"<p>{payload('raw')}</p>")
    assert len(parser.found) == 2


def test_live_and_player_scripts_put_text_only_through_text_apis() -> None:
    """Chat, questions, polls, names and titles arrive as JSON over the socket: the scripts must never parse
    them as markup (textContent, createElement; no innerHTML and friends)."""
    offenders = [f"{path.name}:{n}: {line.strip()}" for path in sorted(JS.glob("*.js"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if SINKS.search(line)]
    assert offenders == []
    assert sum("textContent" in p.read_text(encoding="utf-8") for p in JS.glob("*.js")) >= 3


def test_json_in_pages_cannot_close_its_script_element(marked: SecurityWorld) -> None:
    """The player's and the room's configuration blocks carry titles and chat; '<' is escaped there."""
    for url in (f"/lectures/{marked.ids['lecture_id']}", f"/live/{marked.ids['session_id']}/room"):
        with marked.client("teacher").get(url) as response:
            html = response.get_data(as_text=True)
        blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
        assert blocks and all("<" not in block for block in blocks), url


def test_the_e_mail_copy_escapes_markup_and_keeps_headers_whole(marked: SecurityWorld) -> None:
    """An announcement's title with markup and a line break, to a student whose roster name has one too."""
    from webinar.announcements.mail import compose
    with marked.app.test_request_context():
        note = db.session.get(Announcement, marked.ids["announcement_id"])
        note.title = payload("mail") + "\r\nBcc: victim@evil.example"
        student = db.session.get(User, marked.users["student"])
        student.full_name = "Бакыт\nBcc: other@evil.example"
        message = compose(note, student, "bakyt@example.kg", "Aralyk <noreply@example.kg>", "https://aralyk.kg")
        db.session.rollback()
    assert message["Bcc"] is None and "\n" not in message["Subject"] and "\n" not in message["To"]
    parser = Injected()
    parser.feed(message.get_body(("html",)).get_content())
    assert parser.found == [] and "alert('mail')" in "".join(parser.text)
