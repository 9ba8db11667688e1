"""Probing: whitelists, limits, rejection codes, and that hostile inputs read nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import av
import pytest

from media.ffmpeg import FFmpegError, ffmpeg_binary, input_args, input_options, run
from media.probe import Limits, ProbeRejected, probe
from tests.media.clips import (Clips, FifoSentinel, avi_with_gab2, hls_as_mp4,
                               hls_playlist_text)

SRT = b"1\n00:00:00,000 --> 00:00:01,000\nhello\n\n"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Clips:
    """Lazily made fixtures shared by this module."""
    return Clips(tmp_path_factory.mktemp("clips"), ffmpeg)


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    """The ffmpeg binary."""
    return ffmpeg_binary()


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[FifoSentinel]:
    """A FIFO that notices being opened; it stands for any file outside the job."""
    fifo = FifoSentinel(tmp_path / "sentinel.ts")
    yield fifo
    fifo.close()


@pytest.mark.parametrize(("name", "fmt", "audio", "video"), [
    ("lecture.mp4", "mov", "aac", "h264"),
    ("lecture.ts", "mpegts", "aac", "h264"),
    ("odd.mkv", "matroska", "opus", "h264"),
    ("live.webm", "matroska", "opus", "vp8"),
    ("audio.m4a", "mov", "aac", None),
    ("audio.mp3", "mp3", "mp3", None),
    ("audio.ogg", "ogg", "vorbis", None),
    ("audio.wav", "wav", "pcm_s16le", None),
    ("audio.flac", "flac", "flac", None),
    ("cover.mp3", "mp3", "mp3", None),
])
def test_accepts(clips: Clips, name: str, fmt: str, audio: str, video: str | None) -> None:
    """Whitelisted containers and codecs are accepted and described."""
    info = probe(clips.get(name))
    assert (info.format, info.audio and info.audio.codec) == (fmt, audio)
    assert (info.video.codec if info.video else None) == video
    assert info.is_audio_only == (video is None)
    assert info.duration == pytest.approx(4 if "lecture" in name else 2 if video else 3, abs=0.1)
    assert info.size == clips.get(name).stat().st_size


@pytest.mark.parametrize(("name", "size", "rotation"), [
    ("lecture.mp4", (640, 360), 0),
    ("portrait.mp4", (1080, 1920), 0),
    ("rotated.mp4", (360, 640), 90),
    ("odd.mkv", (853, 479), 0),
])
def test_display_size(clips: Clips, name: str, size: tuple[int, int], rotation: int) -> None:
    """Width and height are the display size, after the rotation metadata."""
    video = probe(clips.get(name)).video
    assert video is not None
    assert ((video.width, video.height), video.rotation) == (size, rotation)


def test_variable_frame_rate(clips: Clips) -> None:
    """A VFR source reports its average rate."""
    video = probe(clips.get("vfr.mp4")).video
    assert video is not None and 15 < video.fps < 25


@pytest.mark.parametrize(("name", "code"), [
    ("empty.mp4", "empty"),
    ("random.mp4", "unreadable"),
    ("text.mp4", "unreadable"),
    ("no_moov.mp4", "unreadable"),
    ("truncated.mp4", "truncated"),
    ("video_only.mp4", "no_audio"),
    ("ffv1.mkv", "codec"),
    ("alac.mov", "codec"),
])
def test_rejects(clips: Clips, name: str, code: str) -> None:
    """Hostile or unusable files are refused with a stable code."""
    with pytest.raises(ProbeRejected) as caught:
        probe(clips.get(name))
    assert caught.value.code == code


def test_rejects_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is unreadable."""
    with pytest.raises(ProbeRejected, match="unreadable"):
        probe(tmp_path / "nope.mp4")


@pytest.mark.parametrize(("limits", "code"), [
    (Limits(max_bytes=1000), "too_large"),
    (Limits(max_seconds=3), "too_long"),
    (Limits(max_pixels=640 * 360 - 1), "frame_too_big"),
    (Limits(max_streams=1), "too_many_streams"),
    (Limits(max_fps=29), "frame_rate"),
])
def test_limits(clips: Clips, limits: Limits, code: str) -> None:
    """Each limit is enforced with its own code and params."""
    with pytest.raises(ProbeRejected) as caught:
        probe(clips.get("lecture.mp4"), limits)
    assert caught.value.code == code
    assert caught.value.params


def test_hls_playlist_named_mp4(tmp_path: Path, sentinel: FifoSentinel) -> None:
    """An HLS playlist disguised as .mp4 is a refused format, and nothing it names is opened."""
    path = hls_as_mp4(tmp_path / "upload.mp4", sentinel.path)
    with pytest.raises(ProbeRejected) as caught:
        probe(path)
    assert (caught.value.code, caught.value.params) == ("format", {"format": "hls"})
    assert not sentinel.opened.is_set()


def test_sentinel_detects_a_read(tmp_path: Path, ffmpeg: str, sentinel: FifoSentinel) -> None:
    """Control: without our whitelists, ffmpeg's HLS demuxer does open the sentinel."""
    path = tmp_path / "upload.mp4"
    path.write_bytes(hls_playlist_text(str(sentinel.path)))
    with pytest.raises(FFmpegError):
        run(["-f", "hls", "-protocol_whitelist", "file", "-i", str(path), "-f", "null", "-"],
            binary=ffmpeg, timeout=20)
    assert sentinel.opened.wait(5)


def test_format_whitelist_blocks_forced_hls(tmp_path: Path, ffmpeg: str,
                                            sentinel: FifoSentinel) -> None:
    """The same playlist through input_args, even with -f hls, is refused before any read."""
    path = tmp_path / "upload.mp4"
    path.write_bytes(hls_playlist_text(str(sentinel.path)))
    with pytest.raises(FFmpegError, match="whitelist"):
        run([*input_args(path, "hls"), "-f", "null", "-"], binary=ffmpeg, timeout=20)
    assert not sentinel.opened.is_set()


def test_avi_with_embedded_playlist(tmp_path: Path, ffmpeg: str, sentinel: FifoSentinel) -> None:
    """An AVI whose GAB2 subtitle embeds an HLS playlist opens nothing, in probe or ffmpeg."""
    path = avi_with_gab2(tmp_path / "upload.avi", hls_playlist_text(str(sentinel.path)))
    with pytest.raises(ProbeRejected):
        probe(path)
    with pytest.raises(FFmpegError):
        run([*input_args(path, "avi"), "-map", "0", "-f", "null", "-"], binary=ffmpeg,
            timeout=20)
    assert not sentinel.opened.is_set()


def test_whitelist_reaches_nested_demuxer(tmp_path: Path) -> None:
    """ffmpeg copies format_whitelist into the GAB2 sub-demuxer: SRT is refused inside AVI."""
    path = avi_with_gab2(tmp_path / "subs.avi", SRT)
    with av.open(str(path)) as open_container:
        assert open_container.streams[0].codec_context.codec.canonical_name == "subrip"
    with av.open(str(path), options=input_options("avi")) as safe_container:
        assert safe_container.streams[0].codec_context is None
