"""The low-bandwidth encoding ladder as data, and the rungs a given source gets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from media.source import SourceInfo

SEGMENT_SECONDS = 4


@dataclass(frozen=True)
class AudioTier:
    """One progressive audio rendition: file name plus ffmpeg output options."""

    name: str
    filename: str
    options: dict[str, Any]


# Speech-tuned Opus in WebM with the cues in front (byte-range seeking); 60 ms frames keep the
# container overhead small so an hour stays under 11 MB.
# Never copy the upload's metadata (phones tag GPS positions) or chapters into what we serve.
CLEAN_METADATA: dict[str, Any] = {"map_metadata": -1, "map_chapters": -1}
AUDIO_OPUS = AudioTier("audio_opus", "audio.webm", {**CLEAN_METADATA,
    "c:a": "libopus", "b:a": "22k", "ac": 1, "application": "voip", "frame_duration": 60,
    "f": "webm", "cues_to_front": 1, "dash": 0,
})
# AAC-LC mono for players without Opus; also the audio muxed into every video rung (copied, encoded
# once). 22 kbit/s at 16 kHz keeps speech wideband; at 32 kbit/s it was 64% of the 144p tier.
AAC_OPTIONS: dict[str, Any] = {**CLEAN_METADATA, "c:a": "aac", "b:a": "22k", "ac": 1,
                               "ar": 16000}
AUDIO_AAC = AudioTier("audio_aac", "audio.m4a", {**AAC_OPTIONS, "f": "mp4",
                                                 "movflags": "+faststart"})


@dataclass(frozen=True)
class VideoRung:
    """One row of the video ladder: short-side height, frame-rate cap, x264 settings."""

    height: int
    max_fps: float
    crf: float
    maxrate_k: int
    bufsize_k: int
    preset: str = "medium"
    x264_params: str = ""


# VMAF, the measure these rungs are tuned on, prefers x264's psychovisual options off: without AQ and
# psy-rd the same VMAF took 15-20% fewer bytes at 360p.
FIDELITY = "aq-mode=0:psy=0"
# x264 "superfast" with mbtree (10 frames of lookahead), trellis and subme 2 back on: on lectures half
# the CPU of "faster" for 4% more bytes and VMAF within 0.5. mbtree is what keeps a still slide cheap
# (without it superfast took 2.5x the bytes), trellis keeps the text sharp (+2 VMAF), subme 2 saved 3%.
FAST_X264 = ("superfast", f"mbtree=1:rc-lookahead=10:trellis=1:subme=2:{FIDELITY}")

# Tuned on tests/media/lecture_clip.py lectures against PeerTube's defaults (bench/lecture_ladder.py):
# the small rungs cost little, so they get "slow" (at 360p 1 VMAF more than "medium" for 2% fewer
# bytes); 480p and 720p, most of the time, get FAST_X264 at 24 fps.
VIDEO_LADDER: tuple[VideoRung, ...] = (
    VideoRung(144, 12, 40, 80, 160, "slow", FIDELITY),
    VideoRung(240, 15, 37.5, 200, 400, "slow", FIDELITY),
    VideoRung(360, 24, 37.5, 400, 800, "slow", FIDELITY),
    VideoRung(480, 24, 37.5, 700, 1400, *FAST_X264),
    VideoRung(720, 24, 34.5, 1200, 2400, *FAST_X264),
)

X264_OPTIONS: dict[str, Any] = {
    **CLEAN_METADATA, "c:v": "libx264", "profile:v": "main", "pix_fmt": "yuv420p",
}


@dataclass(frozen=True)
class VideoRendition:
    """A rung fitted to one source: output size, frame rate and encoder caps."""

    label: str
    width: int
    height: int
    fps: float
    crf: float
    maxrate_k: int
    bufsize_k: int
    preset: str
    x264_params: str = ""

    @property
    def dirname(self) -> str:
        """Folder of this rung's HLS playlist, e.g. 'v240'."""
        return "v" + self.label.removesuffix("p")

    def x264_options(self) -> dict[str, Any]:
        """ffmpeg output options for this rung's video encoder."""
        gop = max(1, round(self.fps * SEGMENT_SECONDS))
        options = {
            **X264_OPTIONS, "preset": self.preset, "crf": self.crf,
            "maxrate": f"{self.maxrate_k}k", "bufsize": f"{self.bufsize_k}k", "g": gop,
            "force_key_frames": f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
        }
        if self.x264_params:
            options["x264-params"] = self.x264_params
        return options


def hls_options(out_dir: str, segment_prefix: str = "seg_") -> dict[str, Any]:
    """ffmpeg options for a VOD fMP4 HLS playlist written in out_dir."""
    return {
        "f": "hls", "hls_time": SEGMENT_SECONDS, "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4", "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": f"{out_dir}/{segment_prefix}%05d.m4s",
        "hls_flags": "independent_segments", "hls_list_size": 0,
    }


def _even(value: float) -> int:
    """Nearest even integer, at least 2."""
    return max(2, 2 * round(value / 2))


def _fit(width: int, height: int, short: int) -> tuple[int, int]:
    """Scale (width, height) so the short side is `short`, keeping orientation, even dims."""
    scale = short / min(width, height)
    if width <= height:
        return _even(short), _even(height * scale)
    return _even(width * scale), _even(short)


def _rendition(rung: VideoRung, width: int, height: int, src_fps: float,
               short: int | None = None) -> VideoRendition:
    """Fit one rung to the source size and frame rate."""
    short = short or rung.height
    w, h = _fit(width, height, short)
    fps = min(src_fps, rung.max_fps) if src_fps > 0 else rung.max_fps
    return VideoRendition(f"{min(w, h)}p", w, h, round(float(fps), 3), rung.crf,
                          rung.maxrate_k, rung.bufsize_k, rung.preset, rung.x264_params)


def renditions_for(info: SourceInfo) -> list[VideoRendition]:
    """The rungs for a source, lowest first; never upscaled, an audio-only source gets none."""
    if info.video is None:
        return []
    v = info.video
    short = min(v.width, v.height)
    rungs = [r for r in VIDEO_LADDER if r.height <= short]
    if not rungs:
        return [_rendition(VIDEO_LADDER[0], v.width, v.height, v.fps, short=short - short % 2)]
    return [_rendition(r, v.width, v.height, v.fps) for r in rungs]
