"""The data-saver sound streamed through MSE (player-stream.js) in a real browser: it is what plays,
its index of the Opus file points at real clusters, and a seek far ahead reads from the cluster
there instead of the whole file.

Debian's Chromium driven by Playwright; skipped without it, except under CI=true.
"""
from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.webinar.lecture_world import World, lecture_config, served_world

playwright = pytest.importorskip("playwright.sync_api")
from tests.e2e.test_lecture_in_browser import CHROMIUM, signed_in_page

if CHROMIUM is None and os.environ.get("CI") == "true":
    raise RuntimeError("CI=true but Chromium is missing: .ci/run should have installed it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")

SECONDS = 200  # longer than what the stream reads ahead (90 s)
AUDIO = "document.getElementById('audio')"
INDEX = """async ([module, src]) => {
  const { readIndex } = await import(module);
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  const index = readIndex(bytes);
  const cluster = (o) => [...bytes.slice(o, o + 4)].map((b) => b.toString(16)).join("");
  return { size: bytes.length, cues: index.map((c) => ({ t: c.t, offset: c.offset, id: cluster(c.offset) })) };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    tmp = tmp_path_factory.mktemp("e2e-stream")
    talk = tmp / "Беседа.m4a"  # audio only: quick to process, long enough to need the index
    subprocess.run([ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}",
                    "-c:a", "aac", "-b:a", "32k", str(talk)], check=True)
    with served_world(lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as world:
        yield world, world.base + world.upload(talk, title="Беседа")


def test_the_index_read_in_the_browser_points_at_every_cluster(browser, site: tuple[World, str]) -> None:
    world, url = site
    page = signed_in_page(browser, world, "student")
    page.goto(url)
    config = page.evaluate("JSON.parse(document.getElementById('player-config').textContent)")
    found = page.evaluate(INDEX, [config["stream"]["module"], config["stream"]["src"]])
    cues = found["cues"]
    assert len(cues) >= SECONDS // 10 and all(c["id"] == "1f43b675" for c in cues)  # Matroska's Cluster id
    assert cues[0]["t"] == 0 and SECONDS - 10 < cues[-1]["t"] < SECONDS
    assert all(a["t"] < b["t"] and a["offset"] < b["offset"] < found["size"] for a, b in zip(cues, cues[1:]))
    page.context.close()


def test_the_stream_plays_and_a_far_seek_reads_from_the_cluster_there(browser, site: tuple[World, str]) -> None:
    world, url = site
    page = signed_in_page(browser, world, "student")
    ranges: list[int] = []
    page.on("request", lambda r: ranges.append(int(re.match(r"bytes=(\d+)-", r.headers.get("range", "bytes=-1-")
                                                              ).group(1))) if "audio.webm" in r.url else None)
    cdp = page.context.new_cdp_session(page)  # a 3G-like link: the file arrives in small chunks
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 100,
                                                   "downloadThroughput": 1_000_000 / 8, "uploadThroughput": 250_000 / 8})
    page.goto(url)
    page.wait_for_selector("#audio[data-ready]", state="attached")
    page.evaluate(f"{AUDIO}.play()")
    page.wait_for_function(f"{AUDIO}.currentTime > 0.5", timeout=30_000)
    assert page.evaluate(f"{AUDIO}.src").startswith("blob:")  # MSE, not the plain file
    assert ranges == [0]
    page.wait_for_function(f"{AUDIO}.buffered.end(0) > 80", timeout=30_000)  # read ahead, then it waits
    page.wait_for_timeout(2000)
    assert page.evaluate(f"{AUDIO}.buffered.end(0)") < SECONDS - 60
    page.evaluate(f"{AUDIO}.currentTime = {SECONDS - 20}")
    page.wait_for_function(f"{AUDIO}.currentTime > {SECONDS - 18}", timeout=30_000)
    assert page.evaluate(f"{AUDIO}.webkitAudioDecodedByteCount") > 0
    assert len(ranges) == 2 and ranges[1] > 0  # one more read, from a cluster near the end
    buffered = page.evaluate(f"[...Array({AUDIO}.buffered.length).keys()].map(i => [{AUDIO}.buffered.start(i), "
                             f"{AUDIO}.buffered.end(i)])")
    assert len(buffered) == 2 and buffered[0][1] < SECONDS - 60  # the middle was never fetched
    page.context.close()
