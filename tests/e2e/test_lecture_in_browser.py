"""A lecture in a real browser: the teacher uploads through the page, a student listens and watches.

Debian's Chromium driven by Playwright (never a downloaded browser). Skipped when Chromium is not
installed, except under CI=true, where .ci/run installs it.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from media.ffmpeg import ffmpeg_binary
from tests.conftest import PASSWORD
from tests.media.lecture_clip import make_lecture
from tests.webinar.lecture_world import World, lecture_config, served_world
from webinar.extensions import db
from webinar.models import Upload

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]

if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but Chromium is missing: .ci/run should have installed it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("e2e")
    config = {**lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}"), "WTF_CSRF_ENABLED": True}
    with served_world(config, sign_in=False) as world:  # CSRF is on: people sign in through the page
        yield world


SLOW_LINK = {"offline": False, "latency": 100, "downloadThroughput": 250_000, "uploadThroughput": 250_000}


def emulate(page, link: dict):
    """Put the page on the given network link (CDP); returns the session to change it later."""
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", link)
    return network


def finished_once(site: World, filename: str) -> bool:
    """Exactly one tus upload of the file exists, and it finished (resumed, never restarted)."""
    with site.app.app_context():
        uploads = db.session.scalars(select(Upload).where(Upload.filename == filename)).all()
        return len(uploads) == 1 and uploads[0].finished_at is not None


def signed_in_page(browser, site: World, username: str):
    """A fresh browser context signed in through the login form."""
    context = browser.new_context(locale="en-US", bypass_csp=True)  # bypass: Playwright's own probes eval
    page = context.new_page()
    page.goto(f"{site.base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main [type=submit]")
    page.wait_for_url(f"{site.base}/")
    return page


def test_upload_in_the_page_then_listen_with_slides_then_watch(browser, site: World, tmp_path: Path) -> None:
    recording = tmp_path / "Лекция в браузере.mp4"
    make_lecture(recording, duration=20, size=(640, 360), slide_times=[8.0], binary=ffmpeg_binary())
    errors: list[str] = []

    teacher = signed_in_page(browser, site, "teacher")
    teacher.on("pageerror", lambda error: errors.append(str(error)))
    teacher.goto(f"{site.base}/courses/{site.course_id}/lectures/new")
    teacher.set_input_files("#upload-file", str(recording))
    assert teacher.input_value("#upload-title") == "Лекция в браузере"  # filled from the file name
    teacher.click("#upload-start")
    teacher.wait_for_selector("#upload-progress:not([hidden])")
    teacher.wait_for_url(lambda url: "/lectures/new" not in url, timeout=120_000)
    lecture_url = teacher.url
    assert teacher.locator("#player").count() == 1  # processed inline: published by the time we land

    student = signed_in_page(browser, site, "student")
    student.on("pageerror", lambda error: errors.append(str(error)))
    student.goto(lecture_url)
    assert student.locator("video").count() == 0 and student.evaluate("window.Hls === undefined")
    student.wait_for_selector("#audio[data-ready]", state="attached")  # the player is set up
    student.evaluate("document.getElementById('audio').play()")
    student.wait_for_function("document.getElementById('audio').currentTime > 1", timeout=30_000)
    assert student.evaluate("document.getElementById('audio').webkitAudioDecodedByteCount") > 0
    assert student.get_attribute("#slide", "src").endswith("slides/0001.webp") and student.is_visible("#slide")
    student.evaluate("document.getElementById('audio').currentTime = 12")
    student.wait_for_function("document.getElementById('slide').getAttribute('src').endsWith('0002.webp')")

    student.select_option("#version", "level-0")  # video on request: hls.js loads now
    student.wait_for_function("document.querySelector('video') !== null && window.Hls !== undefined")
    student.evaluate("document.querySelector('video').play()")
    student.wait_for_function("document.querySelector('video').currentTime > 13", timeout=30_000)
    assert student.evaluate("document.querySelector('video').videoHeight") == 144
    assert student.is_visible("video") and not student.is_visible("#audio") and not student.is_visible("#slide")
    assert errors == []


def test_an_upload_cut_by_closing_the_page_continues_where_it_stopped(browser, site: World, tmp_path: Path) -> None:
    recording = tmp_path / "Прерванная лекция.mp4"
    make_lecture(recording, duration=24, size=(640, 360), slide_times=[10.0], binary=ffmpeg_binary())
    assert recording.stat().st_size > 2 * site.app.config["UPLOAD_CHUNK_BYTES"]
    teacher = signed_in_page(browser, site, "teacher")
    network = emulate(teacher, SLOW_LINK)
    teacher.goto(f"{site.base}/courses/{site.course_id}/lectures/new")
    assert teacher.is_hidden("#upload-unfinished")
    teacher.set_input_files("#upload-file", str(recording))
    teacher.click("#upload-start")
    teacher.wait_for_function("document.getElementById('upload-bar').value > 45", timeout=60_000)
    teacher.reload()  # the browser is closed mid-upload; tus-js-client kept the upload's address

    assert teacher.is_visible("#upload-unfinished")
    assert recording.name in teacher.text_content("#upload-unfinished-list")
    network.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                      "downloadThroughput": -1, "uploadThroughput": -1})  # no limit
    teacher.set_input_files("#upload-file", str(recording))
    teacher.click("#upload-start")
    teacher.wait_for_url(lambda url: "/lectures/new" not in url, timeout=120_000)
    assert finished_once(site, recording.name)  # one upload, resumed, not restarted


def test_an_upload_waits_out_a_dropped_link_and_finishes(browser, site: World, tmp_path: Path) -> None:
    recording = tmp_path / "Лекция в горах.mp4"
    make_lecture(recording, duration=24, size=(640, 360), slide_times=[12.0], binary=ffmpeg_binary())
    teacher = signed_in_page(browser, site, "teacher")
    network = emulate(teacher, SLOW_LINK)
    teacher.goto(f"{site.base}/courses/{site.course_id}/lectures/new")
    teacher.set_input_files("#upload-file", str(recording))
    teacher.click("#upload-start")
    teacher.wait_for_function("document.getElementById('upload-bar').value > 20", timeout=60_000)
    network.send("Network.emulateNetworkConditions", {**SLOW_LINK, "offline": True})  # cuts the PATCH too
    teacher.wait_for_function("document.getElementById('upload-text').textContent.includes('connection is lost')",
                              timeout=30_000)
    teacher.wait_for_timeout(3_000)
    network.send("Network.emulateNetworkConditions", SLOW_LINK)  # the page carries on by itself
    teacher.wait_for_url(lambda url: "/lectures/new" not in url, timeout=120_000)
    assert finished_once(site, recording.name)
