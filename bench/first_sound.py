"""Time and bytes to the first sound of a lecture on a rural student's link, next to the floor.

Chromium (Debian's, through Playwright) with the Chrome DevTools Protocol's network emulation and
the cache off. "Ours" is the student's data-saver lecture page: sign-in cookie, the page, its CSS
and scripts, then the progressive Opus file. "Floor" is the same Opus file as a bare static file
in a bare <audio> page on a plain static server. Run: .venv/bin/python bench/first_sound.py
"""
from __future__ import annotations

import functools
import http.server
import logging
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from media.ffmpeg import ffmpeg_binary  # noqa: E402
from tests.media.lecture_clip import make_lecture  # noqa: E402
from tests.webinar.lecture_world import lecture_config, served_world  # noqa: E402
from webinar.storage import storage  # noqa: E402

LINKS = {"64/32 kbit/s, 600 ms": (64_000, 32_000, 600), "256/64 kbit/s, 300 ms": (256_000, 64_000, 300)}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def first_sound(context, url: str, link: tuple[int, int, int], *, press_play: bool = True,
                by_url: dict[str, int] | None = None) -> tuple[float, int]:
    """Seconds from navigation to the audio element's first advance, and bytes received by then
    (press_play=False: the page starts the sound by itself, as a live room does; by_url, if given,
    receives those bytes per URL)."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    down, up, rtt = link
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt,
                                                   "downloadThroughput": down / 8, "uploadThroughput": up / 8})
    urls: dict[str, str] = {}
    per_request: dict[str, dict[str, int]] = {}

    def count(event: dict, **add: int) -> None:
        seen = per_request.setdefault(event["requestId"], {"headers": 0, "encoded": 0, "decoded": 0, "total": 0})
        for key, value in add.items():
            seen[key] = max(seen[key], value) if key in ("headers", "total") else seen[key] + value

    def received(seen: dict[str, int]) -> int:
        """What came over the wire: the total once finished; while a response streams (fetch() of
        the sound) Chromium reports its chunks with 0 encoded bytes, so their length is counted."""
        return seen["total"] or seen["headers"] + (seen["encoded"] or seen["decoded"])

    cdp.on("Network.requestWillBeSent", lambda event: urls.setdefault(event["requestId"], event["request"]["url"]))
    cdp.on("Network.responseReceived", lambda event: count(event, headers=int(event["response"]["encodedDataLength"])))
    cdp.on("Network.dataReceived", lambda event: count(event, encoded=event["encodedDataLength"],
                                                       decoded=event["dataLength"]))
    cdp.on("Network.loadingFinished", lambda event: count(event, total=int(event["encodedDataLength"])))
    started = time.monotonic()
    page.goto(url, wait_until="commit")
    # pressed once the page can play: a player script marks its <audio data-player> data-ready
    page.wait_for_selector("audio:not([data-player]), audio[data-ready]", state="attached", timeout=120_000)
    if press_play:
        page.evaluate("document.querySelector('audio').play().catch(() => null)")
    page.wait_for_function("document.querySelector('audio').currentTime > 0", timeout=120_000, polling=50)
    seconds = time.monotonic() - started
    counts = {request: received(seen) for request, seen in list(per_request.items())  # as of the first sound
              if not urls.get(request, "").startswith("data:")}  # the browser's own control icons
    if by_url is not None:
        for request, n in counts.items():
            by_url[urls.get(request, "?")] = by_url.get(urls.get(request, "?"), 0) + n
    sent = sum(counts.values())
    page.close()
    return seconds, sent


def bare_site(folder: Path, audio: bytes) -> tuple[http.server.ThreadingHTTPServer, str]:
    """The floor: the Opus file and a bare <audio> page on a static server."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audio.webm").write_bytes(audio)
    (folder / "index.html").write_text('<!doctype html><audio src="audio.webm" controls></audio>')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/index.html"


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("first_sound: not measured, Chromium is not installed (apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        clip = tmp / "lecture.mp4"
        make_lecture(clip, duration=120, size=(640, 360), binary=ffmpeg_binary())
        with served_world(lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as world:
            lecture_id = int(re.fullmatch(r"/lectures/(\d+)", world.upload(clip)).group(1))
            lecture = world.lecture(lecture_id)
            with world.app.app_context():
                audio = b"".join(storage().stream(f"{lecture.media_prefix}/audio.webm"))
            world.sessions["student"].post(f"{world.base}/me/data-saver", json={"on": True})
            cookies = [{"name": c.name, "value": c.value, "url": world.base} for c in world.sessions["student"].cookies]
            server, floor_url = bare_site(tmp / "bare", audio)
            rows = []
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=chromium, args=FLAGS)
                context = browser.new_context(bypass_csp=True)
                context.add_cookies(cookies)
                for name, link in LINKS.items():
                    floor = first_sound(context, floor_url, link)
                    ours = first_sound(context, f"{world.base}/lectures/{lecture_id}", link)
                    rows.append((name, ours, floor))
                browser.close()
            server.shutdown()
    print(f"first sound of a 2 min lecture's data-saver page vs the bare Opus file ({len(audio) / 1000:.0f} KB)")
    print(f"{'link':24} {'ours s':>7} {'floor s':>8} {'ratio':>6} {'≤1.5×':>6} {'ours KB':>8} {'floor KB':>9} {'≤40 KB':>7}")
    for name, (ours_s, ours_b), (floor_s, floor_b) in rows:
        ratio = ours_s / floor_s
        print(f"{name:24} {ours_s:7.1f} {floor_s:8.1f} {ratio:6.2f} {'met' if ratio <= 1.5 else 'MISSED':>6} "
              f"{ours_b / 1000:8.1f} {floor_b / 1000:9.1f} {'met' if ours_b <= 40_000 else 'MISSED':>7}")


if __name__ == "__main__":
    main()
