"""Slide stills from a lecture video: catch small slide changes beside a moving, noisy camera inset.

Frames decoded once at ANALYSIS_FPS are fed in order and shrunk to small grey images. A per-pixel
motion rate (an exponential average of "changed since the previous frame", peak-held for minutes)
learns what keeps moving, e.g. the teacher's camera inset; those pixels, widened to whole cells, are
masked out. A change is a significant number of unmasked pixels off the current slide's reference,
confirmed by a next frame that barely moves (fades and one-frame transients do not count); its time is
the first frame that looks more like the new picture than the old. Changes in the first WARMUP frames,
while the mask is learnt, fold into the first slide.

A slide lecture has at least one change, a moving (masked) area averaging under `max_moving` of the
frame and at most `max_rate` changes a minute. Anything else (talking head, whiteboard, a frame that
never changes) gets a still every `fallback_interval` s, skipping one identical to the previous still.
Memory is O(1) in the lecture length apart from the stills, which are kept compressed.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

ANALYSIS_FPS = 2.0
ANALYSIS_SIDE = 320
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
CELL = 8  # analysis px; the mask is widened to whole cells
WARMUP = 6  # analysis frames spent learning the motion map (a running mean) before changes count
MAX_FADE = 1.5  # s; how far back the onset of a confirmed change (a cut or a dissolve) is looked for
STABLE_SHARE = 0.1  # a new picture is stable when under this share of its changed pixels still move
HOLD = 0.5 ** (1 / 240)  # per-frame decay of the peak-held motion rate: half-life 2 min at 2 fps


class Slide:
    """A still: start time (s) and its picture, RGB uint8 at full resolution (stored compressed)."""

    __slots__ = ("start", "_data")

    def __init__(self, start: float, image: np.ndarray, *, lossless: bool = True) -> None:
        self.start = float(start)
        buf = io.BytesIO()
        picture = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8))
        if lossless:
            picture.save(buf, "PNG", compress_level=1)
        else:
            picture.save(buf, "JPEG", quality=88)
        self._data = buf.getvalue()

    @property
    def image(self) -> np.ndarray:
        """Decode and return the picture."""
        with Image.open(io.BytesIO(self._data)) as picture:
            return np.asarray(picture.convert("RGB"))

    def __repr__(self) -> str:
        return f"Slide(start={self.start:.2f}, {len(self._data)} bytes)"


def analysis_image(rgb: np.ndarray) -> np.ndarray:
    """Return the frame as a small float32 grey image (block means, long side about ANALYSIS_SIDE)."""
    h, w = rgb.shape[:2]
    f = max(1, max(h, w) // ANALYSIS_SIDE)
    h, w = h // f * f, w // f * f
    grey = rgb[:h, :w] @ LUMA
    return grey.reshape(h // f, f, w // f, f).mean(axis=(1, 3), dtype=np.float32)


def _grow(mask: np.ndarray) -> np.ndarray:
    """Return mask dilated by one element in the four directions."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def _cells(mask: np.ndarray, share: float = 0.1) -> np.ndarray:
    """Widen mask to whole CELLs holding more than `share` masked pixels, plus two cells around."""
    h, w = mask.shape
    ch, cw = -(-h // CELL), -(-w // CELL)
    padded = np.zeros((ch * CELL, cw * CELL), dtype=bool)
    padded[:h, :w] = mask
    cells = _grow(_grow(padded.reshape(ch, CELL, cw, CELL).mean(axis=(1, 3)) > share))
    return np.repeat(np.repeat(cells, CELL, axis=0), CELL, axis=1)[:h, :w]


class SlideDetector:
    """Feed frames in time order at about ANALYSIS_FPS, then call finish() for the stills."""

    def __init__(self, *, fallback_interval: float = 30.0, min_change: float = 0.0015,
                 pixel_delta: float = 18.0, motion_rate: float = 0.45, motion_alpha: float = 0.1,
                 max_moving: float = 0.25, max_rate: float = 20.0) -> None:
        self.fallback_interval, self.min_change, self.pixel_delta = fallback_interval, min_change, pixel_delta
        self.motion_rate, self.motion_alpha = motion_rate, motion_alpha
        self.max_moving, self.max_rate = max_moving, max_rate
        self._slides: list[Slide] = []
        self._fallback: list[Slide] = []
        self._frames, self._masked = 0, 0.0
        self._run: list[tuple[float, np.ndarray]] = []  # frames of a change not yet confirmed

    def feed(self, t: float, rgb: np.ndarray) -> None:
        """Analyse one decoded frame (RGB uint8, H x W x 3) shown at t seconds; it is copied."""
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"expected an H x W x 3 RGB frame, got shape {rgb.shape}")
        rgb = np.array(rgb, dtype=np.uint8)
        grey = analysis_image(rgb)
        if self._frames == 0:
            self._begin(t, rgb, grey)
        moving = np.abs(grey - self._prev) > self.pixel_delta
        mask = self._learn(moving)
        changed = (np.abs(grey - self._ref) > self.pixel_delta) & ~mask
        self._ref[mask] = grey[mask]
        if self._frames <= WARMUP:
            self._ref, self._last = grey.copy(), rgb
        else:
            self._step(t, rgb, grey, changed, int(np.count_nonzero(moving & ~mask)))
        self._sample(t, rgb, grey)
        self._prev, self._end = grey, t

    def _begin(self, t: float, rgb: np.ndarray, grey: np.ndarray) -> None:
        """Set up the state from the first frame."""
        self._t0 = self._start = self._next_sample = t
        self._sampled: np.ndarray | None = None
        self._prev, self._ref, self._last = grey, grey.copy(), rgb
        self._rate = np.zeros_like(grey)
        self._held = np.zeros_like(grey)
        self._min_pixels = max(8, int(self.min_change * grey.size))

    def _learn(self, moving: np.ndarray) -> np.ndarray:
        """Update the motion statistics and return the mask of pixels that keep moving."""
        self._frames += 1
        self._rate += max(self.motion_alpha, 1 / self._frames) * (moving - self._rate)
        if self._frames > WARMUP:
            np.maximum(self._held * HOLD, self._rate, out=self._held)
        mask = _cells(_grow(np.maximum(self._held, self._rate) > self.motion_rate))
        self._masked += float(mask.mean())
        return mask

    def _step(self, t: float, rgb: np.ndarray, grey: np.ndarray, changed: np.ndarray, unstable: int) -> None:
        """Advance the change state machine: no change, a transition in progress, or a new slide."""
        count = int(np.count_nonzero(changed))
        if count < self._min_pixels:
            self._run, self._last = [], rgb
        elif self._run and unstable < self._min_pixels and unstable <= STABLE_SHARE * count:
            self._slides.append(Slide(self._start, self._last))
            self._start = self._onset(grey, changed)
            self._run, self._last, self._ref = [], rgb, grey.copy()
        else:
            self._run = [(u, g) for u, g in self._run if t - u <= MAX_FADE] + [(t, grey)]

    def _onset(self, grey: np.ndarray, changed: np.ndarray) -> float:
        """Return the time of the first pending frame that looks more like the new picture than the old."""
        new, old = grey[changed], self._ref[changed]
        for t, frame in self._run:
            seen = frame[changed]
            if np.mean(np.abs(seen - new) < np.abs(seen - old)) >= 0.5:
                return t
        return self._run[-1][0]

    def _sample(self, t: float, rgb: np.ndarray, grey: np.ndarray) -> None:
        """Keep a fallback still every fallback_interval seconds unless the picture did not change."""
        if t + 1e-6 < self._next_sample:
            return
        while self._next_sample <= t + 1e-6:
            self._next_sample += self.fallback_interval
        if self._sampled is not None:
            if np.count_nonzero(np.abs(grey - self._sampled) > self.pixel_delta) < self._min_pixels:
                return
        self._sampled = grey
        self._fallback.append(Slide(t, rgb, lossless=False))

    def summary(self) -> dict[str, float | int | bool]:
        """Return the figures behind the slide-lecture decision (for logs)."""
        minutes = max(1.0, (self._end - self._t0) / 60) if self._frames else 1.0
        moving = self._masked / max(1, self._frames)
        changes = len(self._slides)
        slides = changes > 0 and moving < self.max_moving and changes / minutes <= self.max_rate
        return {"changes": changes, "moving": round(moving, 4), "per_minute": round(changes / minutes, 3),
                "slide_lecture": slides}

    def finish(self) -> list[Slide]:
        """Return the stills: detected slides, or fallback stills when this is not a slide lecture."""
        if self._frames == 0:
            return []
        if not self.summary()["slide_lecture"]:
            return list(self._fallback)
        return [*self._slides, Slide(self._start, self._last)]


def write_stills(slides: list[Slide], out_dir: Path | str, *, fmt: str = "webp", max_width: int = 1280,
                 quality: int | None = None) -> list[dict]:
    """Write slides as out_dir/slides/NNNN.<fmt> (WebP or JPEG) and return their descriptions."""
    if fmt not in ("webp", "jpeg"):
        raise ValueError(f"unsupported still format {fmt!r}")
    ext = "jpg" if fmt == "jpeg" else "webp"
    folder = Path(out_dir) / "slides"
    folder.mkdir(parents=True, exist_ok=True)
    stills = []
    for i, slide in enumerate(slides, 1):
        picture = _fit(Image.fromarray(slide.image), max_width)
        name = f"slides/{i:04d}.{ext}"
        _save(picture, Path(out_dir) / name, fmt, quality)
        stills.append({"start": round(slide.start, 3), "file": name, "width": picture.width,
                       "height": picture.height, "bytes": (Path(out_dir) / name).stat().st_size})
    return stills


def _fit(picture: Image.Image, max_width: int) -> Image.Image:
    """Scale the picture down to max_width, keeping its aspect ratio."""
    if picture.width <= max_width:
        return picture
    height = max(1, round(picture.height * max_width / picture.width))
    return picture.resize((max_width, height), Image.Resampling.LANCZOS)


def _save(picture: Image.Image, path: Path, fmt: str, quality: int | None) -> None:
    """Encode one still: WebP (slowest, smallest method) or progressive JPEG for old browsers."""
    if fmt == "webp":
        picture.save(path, "WEBP", quality=quality or 70, method=6)
    else:
        picture.save(path, "JPEG", quality=quality or 65, optimize=True, progressive=True)


def slides_timeline(stills: list[dict]) -> list[dict]:
    """Return the player's timeline: [{"t": start, "src": file}, ...] in time order."""
    return [{"t": s["start"], "src": s["file"]} for s in sorted(stills, key=lambda s: s["start"])]
