"""The offline "audio + slides" bundle: one zip to copy to a USB stick and open from file://.

index.html is self-contained (inline CSS and ES5 script, no network, no fetch): an <audio> element,
the current slide switching on timeupdate/seeked, a list of slides to jump to and captions drawn from
cues embedded as JSON (browsers block <track> on file://). Every visible word comes from `labels`:
lang, play, slides, captions, captions_off, slide, no_audio, and lang_<code> for caption languages.
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata
import zipfile
from pathlib import Path


LABELS = {"lang": "en", "play": "Listen", "slides": "Slides", "captions": "Captions",
          "captions_off": "Off", "slide": "Slide", "no_audio": "This browser cannot play the audio:"}
STILL_TYPES = {".jpg": ".jpg", ".jpeg": ".jpg", ".webp": ".webp", ".png": ".png"}
LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
CUE_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")
CYRILLIC = {**dict(zip("абвгдеёжзийклмнңоөпрстуүфхцчшщыэюя",
                       "a b v g d e yo zh z i y k l m n ng o o p r s t u u f kh ts ch sh shch y e yu ya".split())),
            "ъ": "", "ь": ""}
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_folder_name(title: str, limit: int = 60) -> str:
    """Return an ASCII folder name for title (Cyrillic transliterated), safe on FAT32 and in zips."""
    out = []
    for ch in title:
        latin = CYRILLIC.get(ch.lower(), ch)
        out.append(latin.capitalize() if ch.isupper() else latin)
    ascii_text = unicodedata.normalize("NFKD", "".join(out)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_text).strip("-_")[:limit].strip("-_")
    if not name or name.lower() in RESERVED:
        name = f"lecture-{name}".strip("-")
    return name


def _cue_time(text: str) -> float | None:
    """Return seconds for a WebVTT timestamp ([hh:]mm:ss.ttt), or None."""
    m = CUE_TIME.fullmatch(text.strip())
    if not m:
        return None
    hours, minutes, seconds, millis = m.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000


def parse_vtt(text: str) -> list[dict]:
    """Return the cues of a WebVTT file as [{"t": start, "e": end, "x": plain text}, ...]."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        left, _, right = lines[timing].partition("-->")
        start, end = _cue_time(left), _cue_time((right.split() or [""])[0])
        words = html.unescape(re.sub(r"<[^>]*>", "", "\n".join(lines[timing + 1:]))).strip()
        if start is not None and end is not None and words:
            cues.append({"t": round(start, 3), "e": round(end, 3), "x": words})
    return sorted(cues, key=lambda cue: cue["t"])


def _still_entries(stills: list[dict], stills_dir: Path) -> list[tuple[Path, str, float]]:
    """Return (source file, name in the bundle, start) per still, refusing files outside stills_dir."""
    base = stills_dir.resolve()
    entries = []
    for i, still in enumerate(sorted(stills, key=lambda s: s["start"]), 1):
        source = (base / still["file"]).resolve()
        kind = STILL_TYPES.get(source.suffix.lower())
        if kind is None or not source.is_relative_to(base) or not source.is_file():
            raise ValueError(f"bad still file {still['file']!r}")
        entries.append((source, f"slides/{i:04d}{kind}", float(still["start"])))
    return entries


def build_offline_bundle(zip_path: Path | str, *, title: str, audio: Path, stills: list[dict],
                         stills_dir: Path, captions: dict[str, Path], labels: dict[str, str]) -> int:
    """Write the offline bundle zip (one folder named after the title) and return its size in bytes."""
    for lang in captions:
        if not LANG.fullmatch(lang):
            raise ValueError(f"bad caption language {lang!r}")
    if not Path(audio).is_file():
        raise ValueError(f"no audio file at {audio}")
    words = {**LABELS, **labels}
    entries = _still_entries(stills, Path(stills_dir))
    cues = {lang: parse_vtt(Path(path).read_text(encoding="utf-8-sig")) for lang, path in captions.items()}
    page = render_index(title, [{"t": t, "src": name} for _, name, t in entries], cues, words)
    folder = safe_folder_name(title)
    zip_path = Path(zip_path)
    partial = zip_path.with_name(zip_path.name + ".part")
    try:
        _write_zip(partial, folder, page, Path(audio), entries, captions)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, zip_path)
    return zip_path.stat().st_size


def _write_zip(path: Path, folder: str, page: str, audio: Path, entries: list[tuple[Path, str, float]],
               captions: dict[str, Path]) -> None:
    """Stream the bundle's files into a zip: media stored as is, text deflated."""
    with zipfile.ZipFile(path, "w", strict_timestamps=False) as bundle:
        bundle.writestr(f"{folder}/index.html", page, compress_type=zipfile.ZIP_DEFLATED)
        bundle.write(audio, f"{folder}/audio.m4a", compress_type=zipfile.ZIP_STORED)
        for source, name, _ in entries:
            bundle.write(source, f"{folder}/{name}", compress_type=zipfile.ZIP_STORED)
        for lang, caption in captions.items():
            bundle.write(caption, f"{folder}/captions/{lang}.vtt", compress_type=zipfile.ZIP_DEFLATED)


def script_json(data: object) -> str:
    """Return data as JSON that is safe inside an inline <script> (no </, <!--, U+2028/9)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


CSS = """body{margin:0 auto;max-width:960px;padding:8px;font:16px/1.4 sans-serif;color:#222;background:#fafafa}
h1{font-size:1.25em;margin:.2em 0 .5em}h2{font-size:1.1em}audio{width:100%}
#slide{display:block;width:100%;height:auto;border:1px solid #ccc;background:#fff}
#caption{min-height:2.8em;margin:.4em 0;padding:.3em .5em;background:#222;color:#fff;white-space:pre-line}
#caption:empty{background:none}#slides a{display:inline-block;padding:.3em 0}#slides a.on{font-weight:bold}"""

SCRIPT = """(function () {
  var D = window.BUNDLE, audio = document.getElementById("audio"), img = document.getElementById("slide"),
    cap = document.getElementById("caption"), pick = document.getElementById("lang"),
    list = document.getElementById("slides"), links = list ? list.getElementsByTagName("a") : [],
    cues = [], shown = -1, said = null, i;
  function last(items, t) {
    var lo = 0, hi = items.length - 1, found = -1, mid;
    while (lo <= hi) {
      mid = (lo + hi) >> 1;
      if (items[mid].t <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function update() {
    var t = audio.currentTime || 0, s = Math.max(0, last(D.slides, t)), c = last(cues, t);
    var text = c >= 0 && t < cues[c].e ? cues[c].x : "";
    if (img && D.slides.length && s !== shown) {
      if (shown >= 0) { links[shown].className = ""; }
      shown = s; img.src = D.slides[s].src; links[s].className = "on";
    }
    if (text === said) { return; }
    said = text;
    if ("textContent" in cap) { cap.textContent = text; } else { cap.innerText = text; }
  }
  function seek(t) {
    try { audio.currentTime = t; } catch (e) {
      audio.addEventListener("loadedmetadata", function once() {
        audio.removeEventListener("loadedmetadata", once, false); audio.currentTime = t;
      }, false);
    }
    var started = audio.play();
    if (started && started["catch"]) { started["catch"](function () {}); }
    update();
  }
  function jump(t) { return function () { seek(t); return false; }; }
  for (i = 0; i < links.length; i++) { links[i].onclick = jump(D.slides[i].t); }
  function choose() { cues = (pick ? D.captions[pick.value] : D.captions[D.lang]) || []; said = null; update(); }
  if (pick) { pick.onchange = choose; }
  var events = ["timeupdate", "seeked", "seeking", "loadedmetadata", "play"];
  for (i = 0; i < events.length; i++) { audio.addEventListener(events[i], update, false); }
  choose();
})();"""


def _clock(seconds: float) -> str:
    """Return m:ss or h:mm:ss."""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _caption_picker(langs: list[str], default: str, words: dict[str, str]) -> str:
    """Return the caption language <select>, or nothing when there are no captions."""
    if not langs:
        return ""
    options = [f'<option value="">{html.escape(words["captions_off"])}</option>']
    for lang in langs:
        chosen = " selected" if lang == default else ""
        name = html.escape(words.get(f"lang_{lang}", lang))
        options.append(f'<option value="{html.escape(lang)}"{chosen}>{name}</option>')
    return (f'<p><label for="lang">{html.escape(words["captions"])}</label> '
            f'<select id="lang">{"".join(options)}</select></p>')


def render_index(title: str, slides: list[dict], cues: dict[str, list[dict]], words: dict[str, str]) -> str:
    """Return the bundle's self-contained index.html."""
    e = html.escape
    lang = words["lang"] if LANG.fullmatch(words["lang"]) else "en"
    default = lang if lang in cues else next(iter(cues), "")
    items = "".join(f'<li><a href="{e(s["src"])}">{e(words["slide"])} {n} \u00b7 {_clock(s["t"])}</a></li>'
                    for n, s in enumerate(slides, 1))
    stage = f'<img id="slide" src="{e(slides[0]["src"])}" alt="{e(words["slide"])}">' if slides else ""
    data = script_json({"slides": slides, "captions": cues, "lang": default})
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{e(title)}</h1>
{stage}
<p id="caption" aria-live="polite"></p>
<audio id="audio" controls preload="metadata" src="audio.m4a" title="{e(words["play"])}">{e(words["no_audio"])}
<a href="audio.m4a">audio.m4a</a></audio>
{_caption_picker(list(cues), default, words)}
<h2>{e(words["slides"])}</h2>
<ol id="slides">{items}</ol>
<script>window.BUNDLE = {data};</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
