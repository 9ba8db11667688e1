"""A rural student's link in a real browser: first sound of a lecture and of a live webinar next to
their floors, and rebuffering while a lecture plays.

Chromium (Debian's, through Playwright), the cache off, CDP's Network.emulateNetworkConditions on
64/32 kbit/s with 600 ms RTT and on 256/64 kbit/s with 300 ms RTT:

* lecture: the student's data-saver lecture page (cookie, page, CSS, scripts, then the progressive
  Opus file) vs the same Opus file as a bare static file in a bare <audio> page (bench/first_sound.py);
* live: the student's room page of a session the teacher is streaming (a python-socketio client
  sending a generated WebM/Opus one second a second, as MediaRecorder does) vs a bare <audio> page
  whose src is the session's /listen stream;
* rebuffering: `waiting` events (count, seconds) during the first 2 minutes of playback of a 2:10
  lecture, at the audio tier (data saver) and at 144p through hls.js, each page on its own link.

Run: .venv/bin/python bench/rural_link.py [lecture|live]   (about 6 minutes; 1 for the live part alone)
"""
from __future__ import annotations

import http.server
import logging
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from bench.first_sound import FLAGS, LINKS, bare_site, first_sound
from media.ffmpeg import ffmpeg_binary
from tests.conftest import PASSWORD
from tests.e2e.test_live_listen_in_browser import seconds_of_webm, talk
from tests.media.lecture_clip import make_lecture
from tests.media.live_clips import recorder_webm
from tests.webinar.lecture_world import GROUP, lecture_config, served_world
from tests.webinar.live_world import live_config, served_live
from webinar.extensions import db
from webinar.live import ingest
from webinar.models import Group, Role, User
from webinar.storage import storage

LECTURE_SECONDS = 130
PLAY_SECONDS = 120
LIVE_SECONDS = 60
# The least a browser page can do for live sound: fetch the /listen stream, feed it to an <audio>
# element through Media Source Extensions (as live-listen.js does, without the page around it).
MSE_FLOOR = """<!doctype html><audio controls></audio><script>
const a = document.querySelector('audio'), ms = new MediaSource();
a.src = URL.createObjectURL(ms);
ms.addEventListener('sourceopen', async () => {
  const sb = ms.addSourceBuffer('audio/mp4; codecs="mp4a.40.2"');  // what /listen sends
  sb.mode = 'sequence';
  const reader = (await fetch('listen')).body.getReader();
  for (;;) { const {done, value} = await reader.read(); if (done) break;
    if (sb.updating) await new Promise(r => sb.addEventListener('updateend', r, {once: true}));
    sb.appendBuffer(value); } });
a.play().catch(() => null);
</script>"""
STALLS = """el => { const s = window.stalls = {waits: 0, seconds: 0, since: null, started: null};
  el.addEventListener('playing', () => {
    if (s.started === null) s.started = performance.now();
    if (s.since !== null) { s.seconds += (performance.now() - s.since) / 1000; s.since = null; } });
  el.addEventListener('waiting', () => {
    if (s.started !== null && s.since === null) { s.waits += 1; s.since = performance.now(); } }); }"""
PLAYED = """() => { const s = window.stalls; return s.started !== null && performance.now() - s.started > %d; }"""
STALLED = """el => { const s = window.stalls; const open = s.since === null ? 0 : (performance.now() - s.since) / 1000;
  return {waits: s.waits, seconds: s.seconds + open, position: el.currentTime, started: s.started !== null,
          height: el.videoHeight || 0}; }"""


def mse_site(folder: Path, listen_url: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    """The live floor: MSE_FLOOR on a static server that also relays /listen (same origin for fetch();
    the browser's cookie for 127.0.0.1 comes along and is passed on)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(MSE_FLOOR)

    class Relay(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if self.path != "/listen":
                return super().do_GET()
            with requests.get(listen_url, headers={"Cookie": self.headers.get("Cookie", "")}, stream=True,
                              timeout=60) as upstream:
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", upstream.headers.get("Content-Type", "audio/mp4"))
                self.end_headers()
                try:
                    for chunk in upstream.raw.stream(4096, decode_content=False):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/index.html"


def throttle(page, link: tuple[int, int, int]) -> None:
    """The page on the link (down, up bit/s, RTT ms), cache off."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    down, up, rtt = link
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
                                                   "downloadThroughput": down / 8, "uploadThroughput": up / 8})


def listeners(world, count: int) -> list[str]:
    """More students of the lecture's group (one per concurrent page: each resumes its own position)."""
    names = [f"listener{n}" for n in range(count)]
    with world.app.app_context():
        group = db.session.query(Group).filter_by(name=GROUP).one()
        for name in names:
            user = User(username=name, full_name=name, role=Role.STUDENT, groups=[group])
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
    for name in names:
        world.sessions[name] = world.sign_in(name)
    return names


def cookies_of(session, base: str) -> list[dict]:
    return [{"name": c.name, "value": c.value, "url": base} for c in session.cookies]


def rebuffering(browser, world, lecture_url: str) -> list[tuple[str, str, dict]]:
    """Four pages at once (audio and 144p, on each link), playing until 2 minutes of playback passed."""
    runs = []
    names = listeners(world, 2 * len(LINKS))
    for (link_name, link), (audio_user, video_user) in zip(LINKS.items(), zip(names[::2], names[1::2])):
        world.sessions[audio_user].post(f"{world.base}/me/data-saver", json={"on": True})
        for tier, user in (("audio", audio_user), ("144p", video_user)):
            context = browser.new_context(bypass_csp=True)
            context.add_cookies(cookies_of(world.sessions[user], world.base))
            page = context.new_page()
            throttle(page, link)
            page.goto(lecture_url, wait_until="commit")
            runs.append((link_name, tier, page))
    for link_name, tier, page in runs:  # start them all, then let them play together
        page.wait_for_selector("#audio", state="attached", timeout=120_000)
        if tier == "audio":
            page.evaluate(STALLS, page.query_selector("#audio"))
            page.evaluate("document.getElementById('audio').play().catch(() => null)")
        else:
            page.wait_for_selector("#version", state="attached", timeout=120_000)
            page.select_option("#version", "level-0")  # video on request: hls.js, its lowest level
            page.wait_for_selector("video", state="attached", timeout=120_000)
            page.evaluate(STALLS, page.query_selector("video"))
            page.evaluate("document.querySelector('video').play().catch(() => null)")
    deadline = time.monotonic() + PLAY_SECONDS + 60  # a page that never starts gives up too
    results = []
    for link_name, tier, page in runs:
        left = max(1.0, deadline - time.monotonic())
        with suppress(PlaywrightTimeout):  # reported as the position it reached
            page.wait_for_function(PLAYED % (PLAY_SECONDS * 1000), timeout=left * 1000, polling=500)
        element = page.query_selector("#audio" if tier == "audio" else "video")
        results.append((link_name, tier, page.evaluate(STALLED, element)))
        page.context.close()
    return results


def lecture_part(browser, tmp: Path) -> tuple[list, list, int, list]:
    tmp.mkdir(parents=True)
    clip = tmp / "lecture.mp4"
    make_lecture(clip, duration=LECTURE_SECONDS, size=(640, 360), slide_times=[30.0, 70.0], binary=ffmpeg_binary())
    with served_world(lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as world:
        lecture_id = int(re.fullmatch(r"/lectures/(\d+)", world.upload(clip)).group(1))
        lecture = world.lecture(lecture_id)
        with world.app.app_context():
            audio = b"".join(storage().stream(f"{lecture.media_prefix}/audio.webm"))
        world.sessions["student"].post(f"{world.base}/me/data-saver", json={"on": True})
        server, floor_url = bare_site(tmp / "bare", audio)
        context = browser.new_context(bypass_csp=True)
        context.add_cookies(cookies_of(world.sessions["student"], world.base))
        sounds = []
        for name, link in LINKS.items():
            by_url: dict[str, int] = {}
            ours = first_sound(context, f"{world.base}/lectures/{lecture_id}", link, by_url=by_url)
            page_bytes = sum(n for url, n in by_url.items() if "/media/audio" not in url)
            sounds.append((name, ours, first_sound(context, floor_url, link), page_bytes))
        context.close()
        tiers = [("audio", round(8 * len(audio) / lecture.duration / 1000))] + [
            (f"{v['height']}p", round(v.get("bitrate", 0) / 1000)) for v in lecture.manifest.get("video", [])]
        stalls = rebuffering(browser, world, f"{world.base}/lectures/{lecture_id}")
        server.shutdown()
    return sounds, stalls, len(audio), tiers


def live_part(browser, tmp: Path) -> list:
    tmp.mkdir(parents=True)
    pieces = seconds_of_webm(recorder_webm(ffmpeg_binary(), tmp / "talk.webm", d=LIVE_SECONDS, video=False))
    config = live_config(tmp, f"sqlite:///{tmp / 'live.sqlite3'}", LIVE_WORK_DIR=str(tmp / "live"))
    rows = []
    with served_live(config) as world:
        context = browser.new_context(bypass_csp=True)
        context.add_cookies(cookies_of(world.sign_in("student"), world.base))
        for name, link in LINKS.items():
            world.session_id = session = world.new_session(f"Вебинар {name}")
            started: list[float] = []
            stop = threading.Event()
            teacher = threading.Thread(target=talk, args=(world, pieces, started, stop), daemon=True)
            teacher.start()
            time.sleep(5)  # the session is on air, as when a student comes in
            server, floor_url = bare_site(tmp / f"bare-live-{session}", b"")
            (tmp / f"bare-live-{session}" / "index.html").write_text(
                f'<!doctype html><audio src="{world.base}/live/{session}/listen" autoplay controls></audio>')
            plain = first_sound(context, floor_url, link, press_play=False)
            mse, mse_url = mse_site(tmp / f"mse-live-{session}", f"{world.base}/live/{session}/listen")
            floor = first_sound(context, mse_url, link, press_play=False)
            mse.shutdown()
            ours = first_sound(context, f"{world.base}/live/{session}/room", link, press_play=False)
            rows.append((name, ours, floor, plain))
            stop.set()
            teacher.join(timeout=30)
            server.shutdown()
            with world.app.app_context():
                ingest.finish(session)
        context.close()
    return rows


def ratio_cells(ours_s: float, floor_s: float) -> str:
    ratio = ours_s / floor_s
    return f"{ratio:6.2f} {'met' if ratio <= 1.5 else 'MISSED':>6}"


def show_lecture(rows: list, audio_bytes: int) -> None:
    print(f"lecture, first sound: data-saver page vs the bare Opus file ({audio_bytes / 1000:.0f} KB, "
          f"{LECTURE_SECONDS} s); KB = everything received before the first sound, page = all but the audio file")
    print(f"{'link':24} {'ours s':>7} {'floor s':>8} {'ratio':>6} {'≤1.5×':>6} {'ours KB':>8} {'page KB':>8} "
          f"{'floor KB':>9} {'≤40 KB':>7}")
    for name, (ours_s, ours_b), (floor_s, floor_b), page_b in rows:
        print(f"{name:24} {ours_s:7.1f} {floor_s:8.1f} {ratio_cells(ours_s, floor_s)} {ours_b / 1000:8.1f} "
              f"{page_b / 1000:8.1f} {floor_b / 1000:9.1f} {'met' if ours_b <= 40_000 else 'MISSED':>7}")
    print()


def show_live(rows: list) -> None:
    print("live, first sound (joining a session on air): the student's room page vs the floor, a bare page that "
          "feeds /listen to <audio> through MSE; 'plain' = a bare <audio src=/listen>; KB = HTTP received, stream included")
    print(f"{'link':24} {'ours s':>7} {'floor s':>8} {'ratio':>6} {'≤1.5×':>6} {'plain s':>8} {'ours KB':>8} "
          f"{'floor KB':>9} {'plain KB':>9}")
    for name, (ours_s, ours_b), (floor_s, floor_b), (plain_s, plain_b) in rows:
        print(f"{name:24} {ours_s:7.1f} {floor_s:8.1f} {ratio_cells(ours_s, floor_s)} {plain_s:8.1f} "
              f"{ours_b / 1000:8.1f} {floor_b / 1000:9.1f} {plain_b / 1000:9.1f}")
    print()


def main() -> None:
    only = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in ("lecture", "live") else None  # one part alone
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("rural_link: not measured, Chromium is not installed (apt-get install chromium)")
        return
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as driver:
        tmp = Path(tmp_name)
        browser = driver.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            lecture = lecture_part(browser, tmp / "lecture") if only in (None, "lecture") else None
            live = live_part(browser, tmp / "live") if only in (None, "live") else None
        finally:
            browser.close()
    if live:
        show_live(live)
    if lecture is None:
        return
    sounds, stalls, audio_bytes, tiers = lecture
    show_lecture(sounds, audio_bytes)
    print(f"rebuffering during the first {PLAY_SECONDS} s of playback (waiting events after the first 'playing'); "
          "tiers: " + ", ".join(f"{tier} {kbps} kbit/s" for tier, kbps in tiers))
    print(f"{'link':24} {'tier':>6} {'height':>7} {'waits':>6} {'stalled s':>10} {'reached s':>10} {'goal':>8}")
    for name, tier, r in stalls:
        goal = ("met" if r["waits"] == 0 and r["started"] else "MISSED") if tier == "audio" else "-"
        started = "" if r["started"] else " (never started)"
        print(f"{name:24} {tier:>6} {r['height'] or '-':>7} {r['waits']:6d} {r['seconds']:10.1f} "
              f"{r['position']:10.1f} {goal:>8}{started}")
    print(f"\n(whole run {time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
