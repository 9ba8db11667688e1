"""The admin imports a roster through the page; people sign in; every page speaks Kyrgyz and Russian.

Debian's Chromium driven by Playwright against a real server (CSRF on, jobs inline). The language
check is built from the English catalog: any UI msgid of two words or more still visible on a page
in ky or ru mode is English left behind. The main pages are also photographed at desktop and phone
sizes into screenshots/ (git-ignored). Skipped without Chromium, except under CI=true.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.conftest import PASSWORD
from tests.media import pdfs
from tests.media.lecture_clip import make_lecture
from tests.webinar.lecture_world import GROUP, World, lecture_config, served_world
from webinar.extensions import db
from webinar.models import Group, LiveSession, User
from webinar.models.base import utcnow

playwright = pytest.importorskip("playwright.sync_api")
from tests.e2e.test_lecture_in_browser import CHROMIUM, signed_in_page

if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but Chromium is missing: .ci/run should have installed it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"  # git-ignored: look at them, don't commit them
CATALOG = ROOT / "webinar" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
ROSTER = ("ФИО;E-mail;Группа\n"
          f"Жумабаева Айпери Маратовна;aiperi@example.kg;{GROUP}\n"
          f"Өмүрбеков Үсөн;;{GROUP}\n"
          f"Ким Александр Сергеевич;;{GROUP}\n")
NEW_PASSWORD = "Жаңы-сыр-сөз-2026"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}|%%")
WORD = re.compile(r"[A-Za-z]{2,}")
ENGLISH_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b|\d:\d\d [AP]M\b")


def english_phrases() -> list[str]:
    """The English UI phrases of two words or more, cut at their placeholders."""
    text = CATALOG.read_text(encoding="utf-8")
    phrases = set()
    for entry in re.findall(r'^msgid ((?:".*"\n)+)', text, flags=re.MULTILINE):
        msgid = "".join(re.findall(r'^"(.*)"$', entry, flags=re.MULTILINE)).replace('\\"', '"').replace("\\n", "\n")
        for fragment in PLACEHOLDER.split(msgid):
            fragment = fragment.strip(" \n.,:;·—–()")
            if len(WORD.findall(fragment)) >= 2:
                phrases.add(fragment)
    return sorted(phrases, key=len, reverse=True)


# Content, not UI: a course's syllabus sections are made once in its teacher's language, then theirs to rename.
CONTENT = "[id^=section-] > h2, select[name=section]"
VISIBLE_UI_TEXT = """content => {
  const hidden = [...document.querySelectorAll(content)].filter(e => e.style.display !== 'none');
  hidden.forEach(e => { e.style.display = 'none'; });
  const text = document.body.innerText;
  hidden.forEach(e => { e.style.display = ''; });
  return text; }"""


def english_left(page, phrases: list[str]) -> list[str]:
    """The English phrases visible on the page (people's and courses' names are Cyrillic here)."""
    text = page.evaluate(VISIBLE_UI_TEXT, CONTENT)
    return [phrase for phrase in phrases if phrase in text] + ENGLISH_DATE.findall(text)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("e2e-langs")
    config = {**lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}"), "WTF_CSRF_ENABLED": True}
    with served_world(config, sign_in=False) as world:
        with world.app.app_context():  # a webinar tomorrow, so the pages have one to show
            teacher = db.session.query(User).filter_by(username="teacher").one()
            session = LiveSession(course_id=world.course_id, title="Кинематика", starts_at=utcnow() + timedelta(days=1),
                                  created_by_id=teacher.id)
            session.groups = [db.session.query(Group).filter_by(name=GROUP).one()]
            db.session.add(session)
            db.session.commit()
            world.session_id = session.id
        yield world


@pytest.fixture(scope="module")
def logins(browser, site: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The admin imports the roster through the page; returns the issued logins (full name → (login, password))."""
    roster = tmp_path_factory.mktemp("roster") / "ПИ-1-23 тизме.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    admin = sign_in_with(browser, site, "admin", PASSWORD)
    admin.wait_for_url(lambda url: "/login" not in url)  # the admin's home is /admin/
    admin.click("header nav a[href='/admin/roster']")
    admin.set_input_files("main input[type=file]", str(roster))
    admin.click("main [type=submit]")
    admin.wait_for_selector("table.logins", timeout=30_000)  # the job ran inline: the list is there
    rows = admin.eval_on_selector_all("table.logins tbody tr",
                                      "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")
    assert "3" in admin.text_content("main")
    admin.context.close()
    return {name: (login, password) for group, name, login, password in rows if group == GROUP}


def sign_in_with(browser, site: World, login: str, password: str, *, locale: str = "en-US"):
    context = browser.new_context(locale=locale, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site.base}/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", password)
    page.click("main [type=submit]")
    return page


def test_the_admin_imports_a_roster_and_a_student_signs_in_with_the_issued_password(
        browser, site: World, logins: dict[str, tuple[str, str]]) -> None:
    assert set(logins) == {"Жумабаева Айпери Маратовна", "Өмүрбеков Үсөн", "Ким Александр Сергеевич"}
    login, password = logins["Өмүрбеков Үсөн"]
    assert re.fullmatch(r"[a-z0-9._-]+", login), login  # a Latin login from a Kyrgyz name
    student = sign_in_with(browser, site, login, password)
    student.wait_for_url(f"{site.base}/password**")  # a given password must be changed first
    student.goto(f"{site.base}/courses/{site.course_id}")
    assert "/password" in student.url  # nothing else opens meanwhile
    student.fill("input[name=current]", password)
    student.fill("input[name=new]", NEW_PASSWORD)
    student.fill("input[name=repeat]", NEW_PASSWORD)
    student.click("main [type=submit]")
    student.wait_for_url(f"{site.base}/")
    assert "Физика" in student.text_content("main")  # the imported group's course
    assert "Өмүрбеков Үсөн" in student.text_content("header")
    student.context.close()

    again = sign_in_with(browser, site, login, NEW_PASSWORD)
    again.wait_for_url(f"{site.base}/")
    again.context.close()

    teacher = signed_in_page(browser, site, "teacher")
    teacher.goto(f"{site.base}/courses/{site.course_id}")
    teacher.wait_for_function("document.body.innerText.includes('Өмүрбеков Үсөн')")  # in the group's list
    teacher.context.close()


@pytest.fixture(scope="module")
def lecture_url(browser, site: World, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A short lecture, a material and an announcement, made by the teacher through the pages."""
    tmp = tmp_path_factory.mktemp("langs-media")
    recording = tmp / "Ньютондун мыйзамдары.mp4"
    make_lecture(recording, duration=8, size=(640, 360), slide_times=[4.0], binary=ffmpeg_binary())
    teacher = signed_in_page(browser, site, "teacher")
    teacher.goto(f"{site.base}/courses/{site.course_id}/lectures/new")
    teacher.set_input_files("#upload-file", str(recording))
    teacher.click("#upload-start")
    teacher.wait_for_url(lambda url: "/lectures/new" not in url, timeout=120_000)
    url = teacher.url

    teacher.goto(f"{site.base}/courses/{site.course_id}/materials")
    teacher.set_input_files("#add input[type=file]", str(pdfs.slides_pdf(tmp / "Силлабус.pdf", pages=2)))
    teacher.click("#add button")
    teacher.wait_for_selector("ul.materials a")

    teacher.goto(f"{site.base}/courses/{site.course_id}/announcements/new")
    for box in teacher.locator("main input[type=checkbox][name=groups]").all():
        box.check()
    teacher.fill("input[name=title]", "Коллоквиум")
    teacher.fill("textarea[name=text]", "Коллоквиум дүйшөмбүдө болот.")
    teacher.click("main form.card button.big")
    teacher.wait_for_url(lambda u: "/new" not in u)
    teacher.context.close()
    return url


def pages_of(site: World, lecture_url: str) -> dict[str, list[tuple[str, str]]]:
    """Who sees which main pages: (name, URL)."""
    course = f"{site.base}/courses/{site.course_id}"
    webinar = f"{site.base}/live/{site.session_id}"
    return {
        "student": [("student-home", f"{site.base}/"), ("course", course), ("lecture", lecture_url),
                    ("materials", f"{course}/materials"), ("announcements", f"{site.base}/announcements"),
                    ("webinar", webinar)],
        "teacher": [("teacher-home", f"{site.base}/"), ("teacher-course", course), ("teacher-lecture", lecture_url),
                    ("teacher-materials", f"{course}/materials"), ("teacher-announcements", f"{course}/announcements"),
                    ("report", f"{course}/report"), ("teacher-webinar", webinar)],
    }


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_the_language_buttons_turn_every_main_page_into_kyrgyz_or_russian(
        browser, site: World, lecture_url: str, language: str) -> None:
    phrases = english_phrases()
    assert "Sign in" in phrases and len(phrases) > 300
    left: dict[str, list[str]] = {}
    visitor = browser.new_context(locale="en-US", bypass_csp=True).new_page()
    visitor.goto(f"{site.base}/login")
    assert english_left(visitor, phrases)  # the check sees English when it is there
    visitor.click(f"header .langs button[value={language}]")
    visitor.wait_for_function(f"document.documentElement.lang === '{language}'")
    left["login"] = english_left(visitor, phrases)
    visitor.context.close()
    for who, pages in pages_of(site, lecture_url).items():
        page = signed_in_page(browser, site, who)  # English first, as the browser asks
        page.click(f"header .langs button[value={language}]")  # a button in the header, on any page
        page.wait_for_function(f"document.documentElement.lang === '{language}'")
        for name, url in pages:
            page.goto(url)
            assert page.evaluate("document.documentElement.lang") == language  # remembered
            page.wait_for_load_state("networkidle")  # what the scripts write too
            left[name] = english_left(page, phrases)
            if name == "webinar":  # the hour the lobby opens is shown in the same time zone as the start
                assert page.evaluate("""() => [...document.querySelectorAll('main time')].every(
                    t => /[+-]\\d\\d:\\d\\d$|Z$/.test(t.dateTime))""")
                assert page.locator("main .flash time[data-format=time]").count() == 1
        page.context.close()
    assert {name: found for name, found in left.items() if found} == {}


WIDER_THAN_SCREEN = """() => document.documentElement.scrollWidth <= window.innerWidth + 1 ? null :
  [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
     && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
   .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + (e.textContent || '').trim().slice(0, 30))
   .slice(0, 5).concat(['(or text wider than its box)'])"""
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


def test_screenshots_of_the_main_pages(browser, site: World, lecture_url: str) -> None:
    """Photographs for a person to look at (in Kyrgyz, the visitors' default); no page scrolls sideways."""
    SHOTS.mkdir(exist_ok=True)
    wide: list[str] = []
    for size, viewport in SIZES.items():
        visitor = browser.new_context(locale="ky", bypass_csp=True, viewport=viewport).new_page()
        visitor.goto(f"{site.base}/login")
        visitor.screenshot(path=str(SHOTS / f"login-{size}.png"), full_page=True)
        visitor.context.close()
        for who, pages in pages_of(site, lecture_url).items():
            page = signed_in_page(browser, site, who)
            page.set_viewport_size(viewport)
            page.click("header .langs button[value=ky]")
            page.wait_for_function("document.documentElement.lang === 'ky'")
            for name, url in pages:
                page.goto(url)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
                if too_wide := page.evaluate(WIDER_THAN_SCREEN):
                    wide.append(f"{name}-{size}: {too_wide}")
            page.context.close()
    assert wide == [], wide  # nothing makes a phone scroll sideways
