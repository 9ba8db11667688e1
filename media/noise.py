"""Is a recording noisy enough to be worth denoising before the downscales?

Sensor noise (a phone in a dim room) changes every pixel a little from one frame to the next; a
clean source (a screen recording, slides) leaves most pixels exactly as they were. The level is the
median, over analysis frames, of the median absolute luma difference to the previous analysis frame,
on every second pixel. Motion raises it too; a picture that mostly moves is denoised as well, which
costs time and no quality.
"""

from __future__ import annotations

import numpy as np

NOISY_LEVEL = 1.5  # 8-bit luma levels: Gaussian noise of sigma ~1.6 and more
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class NoiseMeter:
    """Fed the same frames as the slide detector (RGB uint8, H x W x 3, in order)."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._levels: list[float] = []

    def feed(self, t: float, rgb: np.ndarray) -> None:
        """Compare one frame with the previous one."""
        luma = rgb[::2, ::2] @ LUMA
        if self._previous is not None and self._previous.shape == luma.shape:
            self._levels.append(float(np.median(np.abs(luma - self._previous))))
        self._previous = luma

    def level(self) -> float:
        """The noise level seen so far (0 before two frames)."""
        return float(np.median(self._levels)) if self._levels else 0.0

    def noisy(self) -> bool:
        """Whether the ladder should denoise this source."""
        return self.level() >= NOISY_LEVEL
