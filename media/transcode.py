"""Encode a probed source: phase 1 audio (+ frames for slides), phase 2 every video rung."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import ffmpeg as ffmpeg_graph
import numpy as np

from media.ffmpeg import FrameSink, ProgressCallback, has_filter, input_options, run
from media.hls import (Output, codecs_string, master_playlist, offline_mp4, offline_rung,
                       playlist_stats)
from media.ladder import AAC_OPTIONS, AUDIO_AAC, AUDIO_OPUS, VideoRendition, hls_options
from media.source import Limits, SourceInfo

__all__ = ["FrameCallback", "Output", "frame_size", "master_playlist", "offline_mp4",
           "offline_rung", "transcode_audio", "transcode_video"]

logger = logging.getLogger(__name__)

FRAME_MAX_SIDE = 1920
DENOISE = (2.0, 1.5, 4.0, 3.0)  # hqdn3d luma/chroma spatial, luma/chroma temporal: light
FrameCallback = Callable[[float, np.ndarray], None]


def _source(info: SourceInfo) -> Any:
    """The ffmpeg-python input node for a probed source, with the safety options.

    The probe saw the first frame's size; a stream may change it later. max_pixels makes the decoder
    drop any frame above the probe's limit instead of allocating it (a 16k × 16k frame is 400 MB)."""
    return ffmpeg_graph.input(str(info.path), max_pixels=Limits().max_pixels, **input_options(info.format))


def frame_size(info: SourceInfo) -> tuple[int, int]:
    """(width, height) of the RGB frames handed to on_frame: display size, long side capped."""
    assert info.video is not None
    width, height = info.video.width, info.video.height
    scale = min(1.0, FRAME_MAX_SIDE / max(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


def _frame_sink(size: tuple[int, int], frame_rate: float, on_frame: FrameCallback) -> FrameSink:
    """A FrameSink that turns raw rgb24 bytes into (t, HxWx3 array) callbacks."""
    width, height = size
    count = 0

    def deliver(data: bytes) -> None:
        nonlocal count
        on_frame(count / frame_rate, np.frombuffer(data, np.uint8).reshape(height, width, 3))
        count += 1

    return FrameSink(width * height * 3, deliver)


def _relative(path: Path, root: Path) -> str:
    """path relative to root, '/'-separated."""
    return path.relative_to(root).as_posix()


def transcode_audio(info: SourceInfo, out_dir: Path, *, binary: str,
                    on_progress: ProgressCallback | None = None,
                    on_frame: FrameCallback | None = None, frame_rate: float = 2.0,
                    timeout: float | None = None) -> list[Output]:
    """Phase 1, one ffmpeg: audio.webm (Opus), audio.m4a (AAC), audio/index.m3u8, frames.

    on_frame(t, rgb) gets read-only HxWx3 uint8 arrays at frame_rate fps, never buffered here.
    """
    assert info.audio is not None, "probe() guarantees an audio stream"
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    src = _source(info)
    audio = src[str(info.audio.index)]
    outputs = [
        ffmpeg_graph.output(audio, str(out_dir / AUDIO_OPUS.filename), **AUDIO_OPUS.options),
        ffmpeg_graph.output(audio, str(out_dir / AUDIO_AAC.filename), **AUDIO_AAC.options),
        ffmpeg_graph.output(audio, str(out_dir / "audio" / "index.m3u8"), **AAC_OPTIONS,
                            **hls_options(str(out_dir / "audio"))),
    ]
    sink = None
    if info.video is not None and on_frame is not None:
        size = frame_size(info)
        frames = src[str(info.video.index)].filter("fps", frame_rate).filter("scale", *size)
        outputs.append(ffmpeg_graph.output(frames, "pipe:1", f="rawvideo", pix_fmt="rgb24"))
        sink = _frame_sink(size, frame_rate, on_frame)
    args = ffmpeg_graph.merge_outputs(*outputs).get_args()
    logger.info("phase 1 of %s (%.0f s, frames: %s)", info.path.name, info.duration, bool(sink))
    run(args, binary=binary, duration=info.duration, on_progress=on_progress,
        timeout=timeout, frame_sink=sink)
    return _audio_outputs(out_dir)


def _audio_outputs(out_dir: Path) -> list[Output]:
    """Describe the phase-1 files."""
    result = []
    for tier in (AUDIO_OPUS, AUDIO_AAC):
        path = out_dir / tier.filename
        result.append(Output(tier.name, "audio", tier.filename, path.stat().st_size))
    stats = playlist_stats(out_dir / "audio" / "index.m3u8")
    result.append(Output("audio_hls", "hls_audio", "audio/index.m3u8", stats.total_bytes,
                         bitrate=stats.average_bps, peak_bitrate=stats.peak_bps,
                         codecs=codecs_string(stats.files[1])))
    return result


def _resize(rung: VideoRendition, binary: str) -> tuple[str, dict[str, Any]]:
    """(filter, options) of a Lanczos downscale to the rung's size."""
    if has_filter(binary, "zscale"):  # zimg: a third of swscale's CPU for the same Lanczos
        return "zscale", {"w": rung.width, "h": rung.height, "filter": "lanczos"}
    return "scale", {"w": rung.width, "h": rung.height, "flags": "lanczos"}


def rung_filters(rung: VideoRendition, binary: str) -> str:
    """One rung's own filter chain on decoded frames: its frame rate, then the downscale."""
    name, options = _resize(rung, binary)
    resize = ":".join(f"{key}={value}" for key, value in options.items())
    return f"fps={rung.fps},{name}={resize},setsar=1"


def _rung_videos(info: SourceInfo, rungs: list[VideoRendition], binary: str,
                 denoise: bool) -> list[tuple[Any, dict[str, str]]]:
    """Per rung: the video stream its encoder is given, and the output options that filter it.

    A clean source gets each rung's chain as a simple filtergraph of its output, so ffmpeg runs the
    chains in parallel threads on the shared decoded frames. A noisy one is denoised once, before the
    downscales, in one complex graph: that runs on one core, and on a clean lecture it cost a third
    of the ladder's time and saved no bytes."""
    assert info.video is not None
    video = _source(info)[str(info.video.index)]
    if not denoise:
        return [(video, {"filter:v": rung_filters(rung, binary)}) for rung in rungs]
    shared = video.filter("fps", max(r.fps for r in rungs)).filter("hqdn3d", *DENOISE)
    split = shared.filter_multi_output("split", len(rungs))
    videos = []
    for i, rung in enumerate(rungs):
        name, options = _resize(rung, binary)
        chain = split.stream(i).filter("fps", rung.fps).filter(name, **options).filter("setsar", 1)
        videos.append((chain, {}))
    return videos


def _video_graph(info: SourceInfo, rungs: list[VideoRendition], out_dir: Path, audio_m4a: Path,
                 binary: str, denoise: bool) -> list[str]:
    """argv for phase 2: decode once; per rung its filters, x264 and an HLS muxer, AAC copied in."""
    audio = ffmpeg_graph.input(str(audio_m4a), **input_options("mov"))["a:0"]
    outputs = []
    for rung, (video, filters) in zip(rungs, _rung_videos(info, rungs, binary, denoise)):
        folder = out_dir / rung.dirname
        outputs.append(ffmpeg_graph.output(
            video, audio, str(folder / "index.m3u8"), **filters, **rung.x264_options(),
            **{"c:a": "copy"}, **hls_options(str(folder))))
    return list(ffmpeg_graph.merge_outputs(*outputs).get_args())


def transcode_video(info: SourceInfo, rungs: list[VideoRendition], out_dir: Path, *,
                    binary: str, audio_m4a: Path, denoise: bool = False,
                    on_progress: ProgressCallback | None = None,
                    timeout: float | None = None) -> list[Output]:
    """Phase 2, one ffmpeg: an fMP4 HLS playlist per rung in v<label>/, AAC copied in.

    denoise: the source is noisy (media.noise.NoiseMeter), so it is denoised before the downscales."""
    if not rungs or info.video is None:
        return []
    logger.info("phase 2 of %s: %s", info.path.name, ", ".join(r.label for r in rungs))
    for rung in rungs:
        (out_dir / rung.dirname).mkdir(parents=True, exist_ok=True)
    run(_video_graph(info, rungs, out_dir, audio_m4a, binary, denoise), binary=binary,
        duration=info.duration, on_progress=on_progress, timeout=timeout)
    return [_rung_output(rung, out_dir) for rung in rungs]


def _rung_output(rung: VideoRendition, out_dir: Path) -> Output:
    """Describe one encoded rung, reading sizes from disk and codecs from its init segment."""
    playlist = out_dir / rung.dirname / "index.m3u8"
    stats = playlist_stats(playlist)
    return Output(rung.label, "hls_video", _relative(playlist, out_dir), stats.total_bytes,
                  rung.width, rung.height, stats.average_bps, stats.peak_bps, rung.fps,
                  codecs_string(stats.files[1]))
