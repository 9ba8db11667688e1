"""A webinar's replay in a real browser: the teacher talks (fake microphone), shows a second slide,
a student chats, the teacher ends it; the student opens the replay and sees the slides and the chat
line arrive when their time comes.

Debian's Chromium driven by Playwright, against a real server (the replay is built inline).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media import pdfs
from tests.webinar.live_world import LiveWorld, live_config, served_live
from webinar.extensions import db
from webinar.models import Lecture, LectureStatus, LiveSession

playwright = pytest.importorskip("playwright.sync_api")
from tests.e2e.test_lecture_in_browser import CHROMIUM, CHROMIUM_FLAGS, signed_in_page
from tests.e2e.test_live_in_browser import FAKE_MEDIA, hears, room_of, shoot

if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but Chromium is missing: .ci/run should have installed it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

AUDIO = "document.getElementById('audio')"
SLIDE = "(document.getElementById('slide').getAttribute('src') || '')"
CHAT = "document.getElementById('replay-chat').innerText"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWorld]:
    tmp = tmp_path_factory.mktemp("e2e-replay")
    config = live_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}", WTF_CSRF_ENABLED=True,
                         LIVE_WORK_DIR=str(tmp / "live"))
    with served_live(config) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS + FAKE_MEDIA)
        yield chromium
        chromium.close()


def test_the_replay_shows_the_slides_and_the_chat_in_time(browser, site: LiveWorld, tmp_path: Path) -> None:
    site.session_id = site.new_session("Термодинамика")
    errors: list[str] = []
    teacher = signed_in_page(browser, site, "teacher")
    teacher.goto(f"{site.base}/live/{site.session_id}")
    teacher.set_input_files("#slides input[type=file]", str(pdfs.slides_pdf(tmp_path / "Термодинамика.pdf", pages=2)))
    teacher.click("#slides button")
    teacher = room_of(browser, site, "teacher", errors, page=teacher)
    teacher.on("dialog", lambda dialog: dialog.accept())
    teacher.click("#go-live")
    teacher.wait_for_selector("#stop-live:visible", timeout=20_000)
    student = room_of(browser, site, "student", errors)
    hears(student)
    teacher.wait_for_timeout(2_000)
    student.fill("#chat-text", "Салам, угуп жатам")
    student.press("#chat-text", "Enter")
    teacher.wait_for_function("document.getElementById('chat').textContent.includes('угуп жатам')")
    teacher.wait_for_timeout(2_000)
    teacher.click("#slide-next")
    student.wait_for_function(f"{SLIDE}.endsWith('/2.webp')")
    teacher.wait_for_timeout(3_000)
    teacher.click("#end")
    teacher.wait_for_url(lambda url: "/room" not in url, timeout=120_000)
    student.context.close()
    with site.app.app_context():
        lecture_id = db.session.get(LiveSession, site.session_id).lecture_id
        lecture = db.session.get(Lecture, lecture_id)
        assert lecture.status == LectureStatus.READY
        said = [line["t"] for line in lecture.manifest["chat"]]
        shown = [slide["start"] for slide in lecture.manifest["slides"]]
    assert len(said) == 1 and len(shown) == 2 and shown[0] < said[0] < shown[1]
    assert teacher.url.endswith(f"/lectures/{lecture_id}") and teacher.locator("#player").count() == 1

    replay = signed_in_page(browser, site, "student")
    replay.on("pageerror", lambda error: errors.append(f"replay: {error}"))
    replay.goto(f"{site.base}/lectures/{lecture_id}")
    assert replay.is_visible("details:has(#replay-chat) summary") and replay.evaluate(CHAT).strip() == ""  # nothing said yet at 0:00
    replay.wait_for_selector("#audio[data-ready]", state="attached")  # the player is set up
    replay.evaluate(f"{AUDIO}.play()")
    replay.wait_for_function(f"{AUDIO}.currentTime > 0.3", timeout=30_000)
    replay.wait_for_function("document.getElementById('slide').naturalWidth > 0")  # the first page, as shown
    assert replay.is_visible("#slide")
    first_slide = replay.evaluate(SLIDE)
    if replay.evaluate(f"{AUDIO}.currentTime") < said[0] - 0.5:
        assert "угуп жатам" not in replay.evaluate(CHAT)  # not before its time
    replay.wait_for_function(f"{CHAT}.includes('угуп жатам')", timeout=30_000)
    assert replay.evaluate(f"{AUDIO}.currentTime") >= said[0] - 0.5  # ...and when it comes
    assert "Бакыт Токтогулов" in replay.evaluate(CHAT)
    replay.wait_for_function(f"{SLIDE} !== {first_slide!r}", timeout=30_000)  # the second page, when it was shown
    assert replay.evaluate(f"{AUDIO}.currentTime") >= shown[1] - 0.5
    replay.wait_for_function("document.getElementById('slide').complete && document.getElementById('slide').naturalWidth > 0")
    shoot(replay, "replay-desktop")
    replay.set_viewport_size({"width": 360, "height": 740})
    shoot(replay, "replay-phone")
    assert errors == []
