"""A lecture in a real browser, again: the student comes back where they stopped, and takes the
lecture home: the audio + slides ZIP, unzipped, plays from file:// with the network off.

Debian's Chromium driven by Playwright; skipped without it, except under CI=true.
"""
from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.media.lecture_clip import make_lecture
from tests.webinar.lecture_world import World, lecture_config, served_world

playwright = pytest.importorskip("playwright.sync_api")
from tests.e2e.test_lecture_in_browser import CHROMIUM, signed_in_page

if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but Chromium is missing: .ci/run should have installed it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

AUDIO = "document.getElementById('audio')"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("e2e-offline")
    with served_world(lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as world:
        yield world


@pytest.fixture(scope="module")
def lecture_url(site: World, tmp_path_factory: pytest.TempPathFactory) -> str:
    recording = tmp_path_factory.mktemp("offline-clip") / "Оптика.mp4"
    make_lecture(recording, duration=30, size=(640, 360), slide_times=[10.0], binary=ffmpeg_binary())
    return site.base + site.upload(recording, title="Оптика")


def test_a_reloaded_lecture_resumes_where_the_student_stopped(browser, site: World, lecture_url: str) -> None:
    student = signed_in_page(browser, site, "student")
    student.goto(lecture_url)
    student.wait_for_selector("#audio[data-ready]", state="attached")  # the player is set up
    student.evaluate(f"{AUDIO}.play()")
    student.wait_for_function(f"{AUDIO}.currentTime > 0.5", timeout=30_000)
    student.evaluate(f"{AUDIO}.currentTime = 15")
    student.wait_for_function(f"{AUDIO}.currentTime > 17", timeout=30_000)
    student.reload()  # the page's goodbye (pagehide) reports the position
    student.wait_for_selector("#audio[data-ready]", state="attached")  # the player is set up
    student.evaluate(f"{AUDIO}.play()")
    student.wait_for_function(f"{AUDIO}.currentTime > 0 && !{AUDIO}.seeking", timeout=30_000)
    resumed = student.evaluate(f"{AUDIO}.currentTime")
    assert 14 < resumed < 21, resumed  # where they were, give or take a report's interval
    student.wait_for_function("document.getElementById('slide').getAttribute('src').endsWith('0002.webp')")
    student.evaluate(f"{AUDIO}.pause()")  # the report of the pause reaches the server
    student.wait_for_timeout(500)
    student.context.close()

    phone = signed_in_page(browser, site, "student")  # another device: the server's position
    phone.goto(lecture_url)
    phone.wait_for_selector("#audio[data-ready]", state="attached")  # the player is set up
    phone.evaluate(f"{AUDIO}.play()")
    phone.wait_for_function(f"{AUDIO}.currentTime > 0 && !{AUDIO}.seeking", timeout=30_000)
    assert 14 < phone.evaluate(f"{AUDIO}.currentTime") < 24
    phone.context.close()


def test_the_offline_bundle_downloads_with_its_size_and_plays_from_a_usb_stick(
        browser, site: World, lecture_url: str, tmp_path: Path) -> None:
    student = signed_in_page(browser, site, "student")
    student.goto(lecture_url)
    button = student.locator("a[href$='/download/bundle']")
    label = button.inner_text()
    assert "ZIP" in label and re.search(r"\d+\.\d MB", label), label  # the size before the download
    with student.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "Оптика.zip"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    student.context.close()
    with zipfile.ZipFile(saved) as bundle:
        bundle.extractall(tmp_path / "usb")
    index = next((tmp_path / "usb").glob("*/index.html"))

    offline = browser.new_context(offline=True)  # no network at all: the stick and the browser
    errors: list[str] = []
    page = offline.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda r: errors.append(f"asked the network for {r.url}") if not r.url.startswith("file:") else None)
    page.goto(index.as_uri())
    assert page.title() == "Оптика"
    page.wait_for_function("document.getElementById('slide').naturalWidth > 0")  # a slide shows before playing
    assert page.is_visible("#slide")
    page.evaluate(f"{AUDIO}.play()")
    page.wait_for_function(f"{AUDIO}.currentTime > 1.5", timeout=30_000)
    assert page.evaluate(f"{AUDIO}.webkitAudioDecodedByteCount") > 0
    first = page.get_attribute("#slide", "src")
    page.evaluate(f"{AUDIO}.currentTime = 12")
    page.wait_for_function(f"document.getElementById('slide').getAttribute('src') !== {first!r}")  # slides follow
    page.wait_for_function("document.getElementById('slide').complete && document.getElementById('slide').naturalWidth > 0")
    offline.close()
    assert errors == []
