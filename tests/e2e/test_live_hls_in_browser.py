"""Chromium plays the live video tiers through hls.js (the light build the room page loads) while the
teacher streams camera and microphone in one-second pieces."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterator

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.e2e.test_live_listen_in_browser import seconds_of_webm, talk
from tests.media.live_clips import recorder_webm
from tests.webinar.live_world import LiveWorld, live_config, served_live
from webinar.live import ingest

playwright = pytest.importorskip("playwright.sync_api")
from tests.e2e.test_lecture_in_browser import CHROMIUM, CHROMIUM_FLAGS, signed_in_page  # noqa: E402

if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but Chromium is missing: .ci/run should have installed it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

HLS_JS = Path(__file__).resolve().parents[2] / "webinar" / "static" / "vendor" / "hls.light.min.js"
PLAY = """async url => { await new Promise((ok, fail) => document.head.append(Object.assign(
                          document.createElement('script'), {src: '/static/vendor/hls.light.min.js', onload: ok, onerror: fail})));
                       const v = Object.assign(document.createElement('video'), {id: 'v', muted: true});
                       document.body.append(v);
                       const hls = new Hls({startLevel: 0}); hls.loadSource(url); hls.attachMedia(v); v.play(); }"""
STATE = "(() => { const v = document.getElementById('v'); return [v.currentTime, v.videoWidth, v.videoHeight]; })()"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWorld]:
    tmp = tmp_path_factory.mktemp("e2e-hls")
    config = live_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}", LIVE_WORK_DIR=str(tmp / "live"),
                         LIVE_PUBLISH_SECONDS=0.25)
    with served_live(config) as world:
        yield world


@pytest.mark.skipif(not HLS_JS.exists(), reason="webinar/static/vendor is filled by make")
def test_chromium_plays_the_live_video_tiers_with_hls_js(site: LiveWorld, tmp_path: Path) -> None:
    clip = recorder_webm(ffmpeg_binary(), tmp_path / "camera.webm", d=12)
    started: list[float] = []
    stop = threading.Event()
    teacher = threading.Thread(target=talk, args=(site, seconds_of_webm(clip), started, stop, True), daemon=True)
    teacher.start()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = signed_in_page(browser, site, "student")
            page.wait_for_timeout(3000)  # a few segments are out, as when a student joins a running webinar
            page.evaluate(PLAY, f"{site.base}/live/{site.session_id}/hls/master.m3u8")
            page.wait_for_function("document.getElementById('v').currentTime > 2", timeout=20_000)
            time_, width, height = page.evaluate(STATE)
        finally:
            stop.set()
            browser.close()
    teacher.join(timeout=30)
    with site.app.app_context():
        ingest.finish(site.session_id)
    assert time_ > 2 and (width, height) == (320, 240)  # the 240p tier of a 320x240 camera
