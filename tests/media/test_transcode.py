"""Transcoding with real ffmpeg: the ladder, both phases, offline MP4, master playlist, runner."""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import av
import m3u8
import numpy as np
import pytest

from media import transcode
from media.ffmpeg import FFmpegError, FFmpegTimeout, ffmpeg_binary, run
from media.ladder import renditions_for
from media.noise import NoiseMeter
from media.probe import AudioInfo, SourceInfo, VideoInfo, probe
from media.transcode import (Output, frame_size, master_playlist, offline_mp4, offline_rung,
                             transcode_audio, transcode_video)
from tests.media.clips import Clips


class LeaseLost(Exception):
    """What a worker raises from on_progress when it no longer owns the job."""


@dataclass
class Run:
    """Everything one source produced."""

    info: SourceInfo
    out: Path
    audio: list[Output]
    video: list[Output] = field(default_factory=list)
    frames: list[tuple[float, np.ndarray]] = field(default_factory=list)
    progress: list[float] = field(default_factory=list)
    denoised: bool = False


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    """The ffmpeg binary."""
    return ffmpeg_binary()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Clips:
    """Lazily made fixtures shared by this module."""
    return Clips(tmp_path_factory.mktemp("clips"), ffmpeg)


def encode(clips: Clips, name: str, out: Path, frame_rate: float = 2.0) -> Run:
    """Run both phases on one fixture, recording frames and progress; denoise if the meter says so."""
    result = Run(probe(clips.get(name)), out, [])
    meter = NoiseMeter()

    def feed(t: float, rgb: np.ndarray) -> None:
        result.frames.append((t, rgb.copy()))
        meter.feed(t, rgb)

    result.audio = transcode_audio(result.info, out, binary=clips.binary, frame_rate=frame_rate,
                                   on_frame=feed)
    result.denoised = meter.noisy()
    result.video = transcode_video(
        result.info, renditions_for(result.info), out, binary=clips.binary,
        audio_m4a=out / "audio.m4a", denoise=result.denoised, on_progress=result.progress.append)
    return result


@pytest.fixture(scope="module")
def lecture(clips: Clips, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The 4 s 640x360 lecture, fully encoded once."""
    return encode(clips, "lecture.mp4", tmp_path_factory.mktemp("lecture"))


def source(width: int, height: int, fps: float = 30.0) -> SourceInfo:
    """A made-up probed source of the given display size."""
    return SourceInfo(Path("x.mp4"), "mov", 1, 60.0, AudioInfo("aac", 2, 48000),
                      VideoInfo("h264", width, height, 0, fps))


def decoded(data: bytes) -> dict[str, float]:
    """Decode an MP4 held in memory: seconds of audio, video frame count and size."""
    stats = {"audio": 0.0, "video": 0, "width": 0, "height": 0}
    with av.open(io.BytesIO(data), format="mp4") as container:
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.AudioFrame):
                stats["audio"] += frame.samples / frame.sample_rate
            else:
                stats.update(video=stats["video"] + 1, width=frame.width, height=frame.height)
    return stats


def hls_bytes(playlist: Path) -> list[bytes]:
    """Each segment of a fMP4 media playlist, prefixed with its init segment."""
    parsed = m3u8.load(str(playlist))
    init = (playlist.parent / parsed.segment_map[0].uri).read_bytes()
    return [init + (playlist.parent / s.uri).read_bytes() for s in parsed.segments]


def audio_seconds(path: Path) -> float:
    """Seconds of decoded audio in a file."""
    with av.open(str(path)) as container:
        return sum(f.samples / f.sample_rate for f in container.decode(audio=0))


@pytest.mark.parametrize(("width", "height", "labels", "top"), [
    (640, 360, ["144p", "240p", "360p"], (640, 360)),
    (1920, 1080, ["144p", "240p", "360p", "480p", "720p"], (1280, 720)),
    (1080, 1920, ["144p", "240p", "360p", "480p", "720p"], (720, 1280)),
    (853, 479, ["144p", "240p", "360p"], (642, 360)),
    (854, 480, ["144p", "240p", "360p", "480p"], (854, 480)),
    (99, 61, ["60p"], (98, 60)),
])
def test_ladder(width: int, height: int, labels: list[str], top: tuple[int, int]) -> None:
    """Never upscale, even dimensions, orientation kept, label = short side."""
    rungs = renditions_for(source(width, height))
    assert [r.label for r in rungs] == labels
    assert (rungs[-1].width, rungs[-1].height) == top
    for rung in rungs:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert (rung.width >= rung.height) == (width >= height)
        assert rung.maxrate_k <= 1200


def test_ladder_frame_rates() -> None:
    """Small tiers are capped at low frame rates; a slow source is never sped up."""
    assert [r.fps for r in renditions_for(source(1280, 720))] == [12, 15, 24, 24, 24]
    assert {r.fps for r in renditions_for(source(1280, 720, 10))} == {10}
    assert renditions_for(SourceInfo(Path("a.mp3"), "mp3", 1, 1.0, None, None)) == []


def test_frame_size_caps_long_side() -> None:
    """Frames for the slide detector are at most 1920 on the long side."""
    assert frame_size(source(3840, 2160)) == (1920, 1080)
    assert frame_size(source(1080, 1920)) == (1080, 1920)


def test_audio_outputs_decode(lecture: Run) -> None:
    """Opus, AAC and the audio HLS all decode to the source's duration."""
    names = {o.name: o for o in lecture.audio}
    assert set(names) == {"audio_opus", "audio_aac", "audio_hls"}
    for name in ("audio_opus", "audio_aac"):
        seconds = audio_seconds(lecture.out / names[name].path)
        assert seconds == pytest.approx(lecture.info.duration, abs=0.5)
    segments = hls_bytes(lecture.out / names["audio_hls"].path)
    assert sum(decoded(s)["audio"] for s in segments) == pytest.approx(4, abs=0.5)
    assert names["audio_hls"].codecs == "mp4a.40.2"


def test_opus_is_small(lecture: Run) -> None:
    """The speech tier stays within about 11 MB per hour."""
    opus = next(o for o in lecture.audio if o.name == "audio_opus")
    assert opus.bytes / lecture.info.duration <= 3200
    with av.open(str(lecture.out / opus.path)) as container:
        assert container.streams.audio[0].codec_context.channels == 1


@pytest.mark.parametrize(("name", "rate", "shape"), [
    ("lecture.mp4", 1.0, (360, 640, 3)),
    ("lecture.mp4", 4.0, (360, 640, 3)),
    ("rotated.mp4", 2.0, (640, 360, 3)),
])
def test_frames(clips: Clips, tmp_path: Path, name: str, rate: float,
                shape: tuple[int, int, int]) -> None:
    """Phase 1 hands over RGB frames at the requested rate, in display orientation."""
    frames: list[tuple[float, tuple[int, ...], str]] = []
    transcode_audio(probe(clips.get(name)), tmp_path, binary=clips.binary, frame_rate=rate,
                    on_frame=lambda t, rgb: frames.append((t, rgb.shape, str(rgb.dtype))))
    assert len(frames) == pytest.approx(4 * rate, abs=1)
    assert [t for t, _, _ in frames] == [i / rate for i in range(len(frames))]
    assert {(s, d) for _, s, d in frames} == {(shape, "uint8")}


def test_audio_only_source(clips: Clips, tmp_path: Path) -> None:
    """An audio-only source gives the three audio outputs, no frames and no video rungs."""
    run_ = encode(clips, "cover.mp3", tmp_path)
    assert [o.name for o in run_.audio] == ["audio_opus", "audio_aac", "audio_hls"]
    assert run_.frames == [] and run_.video == []


@pytest.mark.parametrize("name", ["lecture.mp4", "portrait.mp4", "rotated.mp4", "odd.mkv",
                                  "vfr.mp4", "live.webm", "noisy.mp4"])
def test_video_rungs(clips: Clips, tmp_path: Path, name: str) -> None:
    """Every rung: within the source, even, same orientation, decodable segments with audio."""
    run_ = encode(clips, name, tmp_path)
    video = run_.info.video
    assert video is not None and run_.video
    assert run_.denoised == (name == "noisy.mp4")
    for rung in run_.video:
        assert min(rung.width, rung.height) <= min(video.width, video.height)
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert (rung.width > rung.height) == (video.width > video.height)
        segments = hls_bytes(tmp_path / rung.path)
        stats = [decoded(segment) for segment in segments]
        assert all(s["video"] > 0 and s["audio"] > 0 for s in stats)
        assert {(s["width"], s["height"]) for s in stats} == {(rung.width, rung.height)}
        frames = sum(s["video"] for s in stats)
        assert frames == pytest.approx(rung.frame_rate * run_.info.duration, rel=0.15, abs=2)
        assert sum(s["audio"] for s in stats) == pytest.approx(run_.info.duration, abs=0.5)
        assert rung.codecs.startswith("avc1.") and rung.codecs.endswith(",mp4a.40.2")


@pytest.mark.parametrize("name, noisy", [("noisy.mp4", True), ("lecture.mp4", False),
                                         ("portrait.mp4", False)])
def test_only_noisy_sources_are_denoised(clips: Clips, tmp_path: Path, name: str, noisy: bool) -> None:
    """Noise that changes every frame turns the denoiser on; a clean moving picture does not."""
    meter = NoiseMeter()
    transcode_audio(probe(clips.get(name)), tmp_path, binary=clips.binary, on_frame=meter.feed)
    assert meter.noisy() is noisy, meter.level()


def test_denoised_graph_filters_before_the_downscales(clips: Clips) -> None:
    """A noisy source: one hqdn3d on the decoded frames, then each rung's own fps and resize."""
    info = probe(clips.get("noisy.mp4"))
    rungs = renditions_for(info)
    args = transcode._video_graph(info, rungs, Path("/out"), Path("/a.m4a"), clips.binary, True)
    graph = args[args.index("-filter_complex") + 1]
    assert graph.count("hqdn3d") == 1 and graph.index("hqdn3d") < graph.index("split")
    clean = transcode._video_graph(info, rungs, Path("/out"), Path("/a.m4a"), clips.binary, False)
    assert "-filter_complex" not in clean and "hqdn3d" not in " ".join(clean)
    assert clean.count("-filter:v") == len(rungs)


def test_segments_are_about_four_seconds(clips: Clips, tmp_path: Path) -> None:
    """VOD fMP4 playlists cut every 4 s, each segment opening on a keyframe."""
    run_ = encode(clips, "long.mp4", tmp_path)
    for output in [*run_.video, next(o for o in run_.audio if o.name == "audio_hls")]:
        parsed = m3u8.load(str(tmp_path / output.path))
        assert parsed.playlist_type == "vod" and parsed.is_endlist
        assert parsed.target_duration == 4
        assert [round(s.duration) for s in parsed.segments] == [4, 4, 2]
    for output in run_.video:
        for segment in hls_bytes(tmp_path / output.path):
            with av.open(io.BytesIO(segment), format="mp4") as container:
                first = next(container.demux(video=0))
                assert first.is_keyframe
        assert output.peak_bitrate >= output.bitrate > 0


def test_progress_goes_from_zero_to_one(lecture: Run) -> None:
    """Progress reports start at 0, never go back, and end at 1."""
    assert lecture.progress[0] == 0.0 and lecture.progress[-1] == 1.0
    assert lecture.progress == sorted(lecture.progress)


def children() -> set[int]:
    """Process ids whose parent is this process."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def test_raising_callback_kills_ffmpeg(clips: Clips, tmp_path: Path, lecture: Run) -> None:
    """An exception from on_progress propagates and leaves no ffmpeg behind."""
    before = children()  # e.g. the session's moto server
    seen: set[int] = set()

    def lose_lease(fraction: float) -> None:
        seen.update(children() - before)
        raise LeaseLost(fraction)

    with pytest.raises(LeaseLost):
        transcode_video(lecture.info, renditions_for(lecture.info), tmp_path,
                        binary=clips.binary, audio_m4a=lecture.out / "audio.m4a",
                        on_progress=lose_lease)
    assert seen and not seen & children()


def test_timeout_kills_ffmpeg(ffmpeg: str) -> None:
    """A run longer than its timeout is killed and reported."""
    before = children()
    with pytest.raises(FFmpegTimeout):
        run(["-re", "-f", "lavfi", "-i", "sine=duration=30", "-f", "null", "-"],
            binary=ffmpeg, timeout=0.5)
    assert children() <= before


def test_failure_carries_stderr(ffmpeg: str, tmp_path: Path) -> None:
    """A nonzero exit raises FFmpegError with ffmpeg's own words."""
    with pytest.raises(FFmpegError) as caught:
        run(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], binary=ffmpeg)
    assert "No such file" in caught.value.stderr_tail


def top_level_boxes(path: Path) -> list[str]:
    """Names of an MP4's top-level boxes, in file order."""
    names, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        names.append(kind.decode("latin-1"))
        offset += size or len(data)
    return names


def test_offline_mp4(lecture: Run, ffmpeg: str) -> None:
    """The offline file is the 240p rung remuxed: both streams, moov before mdat."""
    output = offline_mp4(lecture.out, lecture.out / "offline.mp4", binary=ffmpeg)
    assert output.path == "offline.mp4"
    path = lecture.out / output.path
    assert output.bytes == path.stat().st_size and (output.width, output.height) == (426, 240)
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")
    with av.open(str(path)) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        assert container.duration / 1e6 == pytest.approx(lecture.info.duration, abs=0.5)
        assert container.streams.video[0].codec_context.height == 240
    assert decoded(path.read_bytes())["video"] > 0


def test_offline_mp4_from_a_given_rung(clips: Clips, tmp_path: Path, lecture: Run) -> None:
    """A rung folder can be named explicitly instead of the folder holding the rungs."""
    output = offline_mp4(lecture.out / "v144", tmp_path / "small.mp4", binary=clips.binary)
    assert (output.width, output.height) == (256, 144)
    assert offline_rung(lecture.video) == lecture.video[1]


def test_offline_rung_for_small_sources() -> None:
    """Below 240p the largest rung is taken."""
    small = [Output(f"{h}p", "hls_video", f"v{h}/index.m3u8", 1, h * 16 // 9, h)
             for h in (144, 200)]
    assert offline_rung(small) == small[-1]
    assert offline_rung([]) is None


def test_metadata_is_not_copied(lecture: Run, clips: Clips) -> None:
    """The upload's tags (a GPS position, a title) reach none of the outputs."""
    with av.open(str(clips.get("lecture.mp4"))) as original:
        assert "location" in original.metadata
    for name in ("audio.webm", "audio.m4a", "audio/init.mp4", "v240/init.mp4"):
        with av.open(str(lecture.out / name)) as container:
            tags = {**container.metadata, **container.streams[0].metadata}
            assert "location" not in tags and "Phone upload" not in tags.values()


def test_master_playlist(lecture: Run) -> None:
    """The master lists every rung lowest first with real codecs and no audio-only entry."""
    text = master_playlist(lecture.audio + list(reversed(lecture.video)))
    parsed = m3u8.loads(text)
    assert parsed.is_variant
    entries = [(p.uri, p.stream_info) for p in parsed.playlists]
    assert [uri for uri, _ in entries] == ["v144/index.m3u8", "v240/index.m3u8", "v360/index.m3u8"]
    for (uri, info), rung in zip(entries, lecture.video):
        assert (lecture.out / uri).is_file()
        assert info.resolution == (rung.width, rung.height)
        assert info.bandwidth >= info.average_bandwidth > 0
        assert info.codecs == rung.codecs and info.frame_rate == rung.frame_rate
    assert [info.bandwidth for _, info in entries] == sorted(info.bandwidth for _, info in entries)
