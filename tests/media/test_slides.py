"""Slide detection on synthetic frames and generated lecture clips; still files and the timeline."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from media.slides import ANALYSIS_FPS, Slide, SlideDetector, slides_timeline, write_stills
from tests.media.lecture_clip import ffmpeg_binary, irregular_times, make_lecture, make_talking_head

SIZE = (640, 360)
TOLERANCE = 1.0


def decode(path: Path, size: tuple[int, int] = SIZE) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (t, RGB frame) at ANALYSIS_FPS, decoded by ffmpeg as rawvideo on stdout."""
    w, h = size
    cmd = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file,pipe",
           "-f", "mp4", "-i", str(path), "-an", "-vf", f"fps={ANALYSIS_FPS}", "-f", "rawvideo",
           "-pix_fmt", "rgb24", "pipe:1"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        k = 0
        while len(buf := proc.stdout.read(w * h * 3)) == w * h * 3:
            yield k / ANALYSIS_FPS, np.frombuffer(buf, np.uint8).reshape(h, w, 3)
            k += 1
    assert proc.returncode == 0


def detect(path: Path, **options: float) -> tuple[list[Slide], SlideDetector]:
    """Run the detector over a clip and return its stills and the detector."""
    detector = SlideDetector(**options)
    for t, frame in decode(path):
        detector.feed(t, frame)
    return detector.finish(), detector


def match(found: list[float], truth: list[float]) -> tuple[float, float]:
    """Return (precision, recall): a detection counts within TOLERANCE of a truth, each truth once."""
    unused = list(truth)
    hits = 0
    for t in found:
        near = [u for u in unused if abs(u - t) <= TOLERANCE]
        if near:
            unused.remove(min(near, key=lambda u: abs(u - t)))
            hits += 1
    return hits / max(1, len(found)), hits / max(1, len(truth))


def test_match_counts_each_truth_once() -> None:
    """The scorer itself: misses, duplicates and far detections lower the score."""
    assert match([1.0, 1.2, 5.0], [1.1, 9.0]) == (1 / 3, 1 / 2)


@pytest.mark.parametrize("seed", [1, 2])
def test_lecture_changes_found(tmp_path: Path, seed: int) -> None:
    """Small one-line changes beside a moving noisy inset are found within 1 s, few false alarms."""
    truth = make_lecture(tmp_path / "lecture.mp4", duration=75, size=SIZE, seed=seed,
                         slide_times=irregular_times(75, seed=seed, gaps=(3.5, 11.0)))
    slides, detector = detect(tmp_path / "lecture.mp4")
    assert detector.summary()["slide_lecture"]
    assert slides[0].start == 0.0
    precision, recall = match([s.start for s in slides[1:]], truth)
    assert len(truth) >= 6
    assert precision >= 0.95 and recall >= 0.95, (truth, [s.start for s in slides])


def test_talking_head_gets_fallback_stills(tmp_path: Path) -> None:
    """When most of the frame moves, stills come every fallback_interval seconds."""
    make_talking_head(tmp_path / "head.mp4", 32, size=SIZE)
    slides, detector = detect(tmp_path / "head.mp4", fallback_interval=10.0)
    assert not detector.summary()["slide_lecture"]
    assert [s.start for s in slides] == [0.0, 10.0, 20.0, 30.0]


def test_unchanging_lecture_gets_one_still(tmp_path: Path) -> None:
    """A frame that never changes gives a single still, not one per interval."""
    make_lecture(tmp_path / "still.mp4", duration=25, size=SIZE, slide_times=[], inset=False)
    slides, _ = detect(tmp_path / "still.mp4", fallback_interval=5.0)
    assert [s.start for s in slides] == [0.0]
    assert slides[0].image.shape == (SIZE[1], SIZE[0], 3)


def synthetic_frame(k: int, rng: np.random.Generator) -> np.ndarray:
    """Frame k (t = k / 2 s) of a synthetic lecture with known changes, a fade, a transient, an inset."""
    frame = np.full((360, 640, 3), 235, dtype=np.uint8)
    frame[:40] = (30, 60, 110)
    shown = {0: 1, 10: 2, 25: 3, 43: 4}  # first frame of each slide -> lines of "text" shown
    lines = max(n for first, n in shown.items() if first <= k)
    fade = {40: 1 / 3, 41: 1 / 2, 42: 2 / 3}.get(k)  # lines 3 -> 4 dissolve over frames 40-42
    for i in range(lines if fade is None else 4):
        row = frame[70 + 30 * i: 82 + 30 * i, 60:300]
        text = np.where((np.arange(240) // 3) % 3 == 0, 235, 40).astype(np.uint8)[None, :, None]
        weight = fade if fade is not None and i == 3 else 1.0
        row[:] = np.round(235 + weight * (text.astype(float) - 235)).astype(np.uint8)
    if k == 60:  # a one-frame pop-up that goes away again
        frame[150:250, 200:450] = (200, 30, 30)
    x, y = 490 + int(12 * np.sin(k / 3)), 270 + int(8 * np.cos(k / 4))
    frame[y: y + 72, x: x + 128] = rng.integers(0, 256, (72, 128, 3), dtype=np.uint8)
    frame[4:8, 4:8] = 100 + k  # a marker too small to count, telling which frame a still is
    return frame


def test_synthetic_changes_fade_and_transient() -> None:
    """Cuts are timed to the frame, a dissolve counts once, a one-frame pop-up not at all."""
    rng = np.random.default_rng(0)
    detector = SlideDetector(fallback_interval=10.0)
    for k in range(80):
        detector.feed(k / ANALYSIS_FPS, synthetic_frame(k, rng))
    slides = detector.finish()
    assert [s.start for s in slides[:3]] == [0.0, 5.0, 12.5]
    assert len(slides) == 4 and 20.0 <= slides[3].start <= 21.0
    assert [int(s.image[5, 5, 0]) - 100 for s in slides] == [9, 24, 39, 79]  # each the last stable frame


def test_write_stills_small_and_decodable(tmp_path: Path) -> None:
    """Stills are WebP or JPEG, decodable, scaled to max_width, tens of KB at most."""
    rng = np.random.default_rng(1)
    frame = synthetic_frame(50, rng)
    wide = np.asarray(Image.fromarray(frame).resize((1920, 1080)))
    for fmt, kind, ext in (("webp", "WEBP", "webp"), ("jpeg", "JPEG", "jpg")):
        stills = write_stills([Slide(0.0, wide), Slide(7.5, frame)], tmp_path / fmt, fmt=fmt)
        assert [s["file"] for s in stills] == [f"slides/0001.{ext}", f"slides/0002.{ext}"]
        assert [(s["width"], s["height"]) for s in stills] == [(1280, 720), (640, 360)]
        for still in stills:
            with Image.open(tmp_path / fmt / still["file"]) as img:
                assert img.format == kind and img.size == (still["width"], still["height"])
                img.load()
            assert still["bytes"] == (tmp_path / fmt / still["file"]).stat().st_size < 60_000
    assert slides_timeline(stills[::-1]) == [{"t": 0.0, "src": "slides/0001.jpg"},
                                             {"t": 7.5, "src": "slides/0002.jpg"}]


def test_write_stills_rejects_unknown_format(tmp_path: Path) -> None:
    """Only WebP and JPEG are written."""
    with pytest.raises(ValueError):
        write_stills([], tmp_path, fmt="gif")
