"""The offline bundle: zip layout, a self-contained page, escaping of hostile titles and labels."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from media.bundle import build_offline_bundle, parse_vtt, safe_folder_name
from media.slides import Slide, write_stills
from tests.media.lecture_clip import ffmpeg_binary

HOSTILE = "</script><img src=x onerror=alert(1)><!-- Лекция 1: Физика ../../etc"
VTT = """WEBVTT

NOTE a comment --> not a cue

1
00:00:00.500 --> 00:00:02.000 align:start
<v Teacher>Салам, студенттер &amp; guests</v>

00:02.500 --> 00:04.000
</script><script>alert(3)</script>
1 &lt; 2 &lt;/script&gt;&lt;!--
"""
TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "img", "p", "audio", "a", "label",
        "select", "option", "ol", "li", "script"}


class Page(HTMLParser):
    """Collect tags, attributes, link targets and script bodies of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "title":
            self.title += data


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Make a short AAC .m4a, three JPEG stills and two caption files."""
    base = tmp_path_factory.mktemp("parts")
    audio = base / "audio.m4a"
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=f=220:d=6", "-c:a", "aac", "-b:a", "32k", "-ac", "1", str(audio)], check=True)
    frames = [np.full((180, 320, 3), shade, dtype=np.uint8) for shade in (40, 120, 200)]
    stills = write_stills([Slide(t, f) for t, f in zip((0.0, 2.2, 4.75), frames)], base / "out", fmt="jpeg")
    (base / "ky.vtt").write_text(VTT, encoding="utf-8")
    (base / "ru.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nПривет\n", encoding="utf-8")
    return {"audio": audio, "stills": stills, "stills_dir": base / "out",
            "captions": {"ky": base / "ky.vtt", "ru": base / "ru.vtt"}}


def build(parts: dict, path: Path, title: str, labels: dict[str, str]) -> tuple[zipfile.ZipFile, str]:
    """Build a bundle and return the open zip and its folder name."""
    size = build_offline_bundle(path, title=title, labels=labels, **parts)
    assert size == path.stat().st_size
    bundle = zipfile.ZipFile(path)
    return bundle, bundle.namelist()[0].split("/")[0]


def test_layout_and_references(parts: dict, tmp_path: Path) -> None:
    """One folder; media stored, text deflated; the page links only files in the zip, nothing remote."""
    bundle, folder = build(parts, tmp_path / "b.zip", "Lecture 1", {"lang": "ky", "slides": "Слайддар"})
    names = set(bundle.namelist())
    assert names == {f"{folder}/{n}" for n in ("index.html", "audio.m4a", "slides/0001.jpg", "slides/0002.jpg",
                                               "slides/0003.jpg", "captions/ky.vtt", "captions/ru.vtt")}
    kinds = {i.filename.rsplit(".", 1)[1]: i.compress_type for i in bundle.infolist()}
    assert kinds == {"html": zipfile.ZIP_DEFLATED, "vtt": zipfile.ZIP_DEFLATED,
                     "m4a": zipfile.ZIP_STORED, "jpg": zipfile.ZIP_STORED}
    page_text = bundle.read(f"{folder}/index.html").decode()
    assert not re.search(r"https?:|//\w|\bimport\b|fetch\(", page_text)
    page = Page()
    page.feed(page_text)
    targets = [v for _, attrs in page.tags for k, v in attrs.items() if k in ("src", "href")]
    data = json.loads(page.scripts[0].split("=", 1)[1].rstrip().rstrip(";"))
    targets += [s["src"] for s in data["slides"]]
    assert targets and all(f"{folder}/{t}" in names for t in targets), targets
    assert [s["t"] for s in data["slides"]] == [0.0, 2.2, 4.75]
    assert data["captions"]["ky"][0] == {"t": 0.5, "e": 2.0, "x": "Салам, студенттер & guests"}
    assert ("h2", {}) in page.tags and "Слайддар" in page_text


def test_hostile_title_and_labels_are_escaped(parts: dict, tmp_path: Path) -> None:
    """Markup in the title, labels and captions stays text; the folder name is safe."""
    labels = {"lang": 'ky"><script>', "slides": HOSTILE, "slide": "<b>", "captions": "&", "lang_ru": HOSTILE}
    bundle, folder = build(parts, tmp_path / "h.zip", HOSTILE, labels)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", folder) and "Lektsiya-1-Fizika" in folder
    assert all(not n.startswith("/") and ".." not in n.split("/") for n in bundle.namelist())
    page = Page()
    page.feed(bundle.read(f"{folder}/index.html").decode())
    assert {tag for tag, _ in page.tags} <= TAGS
    assert [a.get("id") for tag, a in page.tags if tag == "img"] == ["slide"]
    assert not [k for _, attrs in page.tags for k in attrs if k.startswith("on")]
    assert len(page.scripts) == 2 and page.title == HOSTILE
    assert ("html", {"lang": "en"}) in page.tags
    for script in page.scripts:
        assert "</" not in script and "<!--" not in script
    data = json.loads(page.scripts[0].split("=", 1)[1].rstrip().rstrip(";"))
    assert data["captions"]["ky"][1]["x"] == "alert(3)\n1 < 2 </script><!--"


@pytest.mark.parametrize("title, expected", [("Лекция 1: Физика", "Lektsiya-1-Fizika"),
                                             ("Ңөү ../../x", "Ngou-x"), ("../..", "lecture"),
                                             ("CON", "lecture-CON"), ("Électricité", "Electricite")])
def test_safe_folder_name(title: str, expected: str) -> None:
    """Titles become short ASCII names without path parts."""
    assert safe_folder_name(title) == expected


def test_parse_vtt_skips_notes_and_bad_timings() -> None:
    """Only timed cues with text are kept, in time order."""
    cues = parse_vtt("WEBVTT\n\n00:05.000 --> 00:06.000\nB\n\nbad --> 00:01.000\nX\n\n1:00:00.000 --> 1:00:01.5\nC\n"
                     "\n00:01.000 --> 00:02.000\nA\n")
    assert cues == [{"t": 1.0, "e": 2.0, "x": "A"}, {"t": 5.0, "e": 6.0, "x": "B"},
                    {"t": 3600.0, "e": 3601.5, "x": "C"}]


def test_rejects_unsafe_inputs(parts: dict, tmp_path: Path) -> None:
    """Stills outside their folder and odd caption language codes are refused."""
    outside = [{"start": 0.0, "file": "../ky.vtt"}]
    with pytest.raises(ValueError):
        build_offline_bundle(tmp_path / "x.zip", title="t", labels={}, **{**parts, "stills": outside})
    with pytest.raises(ValueError):
        build_offline_bundle(tmp_path / "x.zip", title="t", labels={},
                             **{**parts, "captions": {"../ky": parts["captions"]["ky"]}})
    assert not (tmp_path / "x.zip").exists()


NODE_HARNESS = """
var els = {}, links = [];
function el(id) {
  if (!els[id]) { els[id] = {id: id, className: "", textContent: "", src: "", value: "ky", paused: true,
    currentTime: 0, on: {}, addEventListener: function (n, f) { (this.on[n] = this.on[n] || []).push(f); },
    removeEventListener: function () {}, play: function () { this.paused = false; },
    getElementsByTagName: function () { return links; }}; }
  return els[id];
}
for (var i = 0; i < 3; i++) { links.push(el("a" + i)); }
global.window = global;
global.document = {getElementById: el};
eval(SCRIPTS[0]); eval(SCRIPTS[1]);
var audio = el("audio"), out = [];
function at(t, name) { audio.currentTime = t; audio.on[name].forEach(function (f) { f(); });
  out.push([el("slide").src, el("caption").textContent, links[0].className, links[2].className]); }
at(0.7, "timeupdate"); at(3.0, "timeupdate"); at(4.9, "seeked");
links[1].onclick(); out.push([audio.currentTime, audio.paused, el("slide").src]);
el("lang").value = "ru"; el("lang").onchange(); out.push(el("caption").textContent);
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page script")
def test_page_script_switches_slides_and_captions(parts: dict, tmp_path: Path) -> None:
    """Run the page's script against a stub DOM: slides and captions follow the audio clock."""
    bundle, folder = build(parts, tmp_path / "n.zip", "T", {"lang": "ky"})
    page = Page()
    page.feed(bundle.read(f"{folder}/index.html").decode())
    assert not re.search(r"=>|`|\b(let|const|class)\s", page.scripts[1])  # plain ES5 for old browsers
    harness = f"var SCRIPTS = {json.dumps(page.scripts)};\n{NODE_HARNESS}"
    result = subprocess.run(["node", "-e", harness], capture_output=True, text=True, check=True, timeout=30)
    assert json.loads(result.stdout) == [
        ["slides/0001.jpg", "Салам, студенттер & guests", "on", ""],
        ["slides/0002.jpg", "alert(3)\n1 < 2 </script><!--", "", ""],
        ["slides/0003.jpg", "", "", "on"],
        [2.2, False, "slides/0002.jpg"],
        "Привет",
    ]
