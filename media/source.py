"""What probing learns about an upload: the limits it is held to and the streams it has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """What an upload may be."""

    max_bytes: int = 4 * 1024**3
    max_seconds: float = 4 * 3600.0
    max_pixels: int = 4096 * 2304
    max_streams: int = 16
    max_fps: float = 240.0


@dataclass(frozen=True)
class AudioInfo:
    """The first audio stream."""

    codec: str
    channels: int
    sample_rate: int
    index: int = 0


@dataclass(frozen=True)
class VideoInfo:
    """The first real video stream; width/height are the display size after rotation."""

    codec: str
    width: int
    height: int
    rotation: int
    fps: float
    index: int = 0


@dataclass(frozen=True)
class SourceInfo:
    """What probing learnt about an accepted upload."""

    path: Path
    format: str
    size: int
    duration: float
    audio: AudioInfo | None
    video: VideoInfo | None

    @property
    def is_audio_only(self) -> bool:
        """True when there is no (non-cover-art) video stream."""
        return self.video is None
