"""WebM like a browser's MediaRecorder sends (Opus, optionally VP8, live clusters), in chunks."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from tests.media.clips import encode, lavfi

VP8 = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "150k", "-g", "10"]
OPUS = ["-c:a", "libopus", "-b:a", "32k"]


def recorder_webm(binary: str, out: Path, d: float = 6, video: bool = True, frequency: int = 440) -> Path:
    """d seconds of a tone (and a 320x240 test picture at 10 fps) as live WebM, ~1 s clusters."""
    picture = lavfi(f"testsrc2=size=320x240:rate=10:duration={d}") if video else []
    sound = lavfi(f"sine=frequency={frequency}:sample_rate=48000:duration={d}")
    codecs = [*VP8, *OPUS] if video else OPUS
    return encode(binary, out, *picture, *sound, *codecs, "-f", "webm", "-live", "1",
                  "-cluster_time_limit", "1000", "-shortest")


def chunks(data: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    """The stream cut in fixed-size pieces, ignoring element boundaries (as MediaRecorder does)."""
    for start in range(0, len(data), size):
        yield data[start:start + size]
