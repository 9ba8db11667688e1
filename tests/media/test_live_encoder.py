"""The live encoder with real ffmpeg on MediaRecorder-like WebM: tiers, restarts, the recording."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Callable

import av
import numpy as np
import pytest

from media.ffmpeg import ffmpeg_binary
from media.fmp4 import Retimer
from media.live import LiveEncoder, tier_names
from media.live_playlist import Segment, live_playlist, parse_live, tier_segments
from media.recording import RecordedPart, RecordingEmpty, assemble_recording
from media.webm import ClusterScanner, NotWebM
from tests.media.live_clips import chunks, recorder_webm

BINARY = ffmpeg_binary()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("live-clips")
    return {"video": recorder_webm(BINARY, folder / "video.webm", d=6).read_bytes(),
            "audio": recorder_webm(BINARY, folder / "audio.webm", d=4, video=False).read_bytes()}


def encoder(tmp_path: Path, video: bool = True, part: int = 0, offset: float = 0.0) -> LiveEncoder:
    return LiveEncoder(tmp_path / "work", part, video=video, offset=offset, binary=BINARY,
                       recording=tmp_path / "rec" / f"part-{part}.webm")


def wait_for(found: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while not (result := found()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return result


def decode(tier_dir: Path, segment: Segment) -> list[av.frame.Frame]:
    """Decode one segment with its generation's init segment (as a player does)."""
    joined = tier_dir / f"{segment.generation}-{segment.uri.split('/')[1]}.mp4"
    joined.write_bytes((tier_dir / segment.generation / "init.mp4").read_bytes()
                       + (tier_dir / segment.uri).read_bytes())
    with av.open(str(joined)) as container:
        return [frame for stream in container.streams for frame in container.decode(stream)]


def test_tiers_grow_while_fed_and_every_segment_decodes(tmp_path: Path, clips: dict[str, bytes]) -> None:
    live = encoder(tmp_path)
    pieces = list(chunks(clips["video"]))
    for piece in pieces[: len(pieces) // 2]:
        live.feed(piece)
    audio = tmp_path / "work" / "hls" / "audio"
    early = wait_for(lambda: tier_segments(audio))
    assert live.process.alive()  # published while the stream still runs
    for piece in pieces[len(pieces) // 2:]:
        live.feed(piece)
    assert live.close() == 0
    assert len(tier_segments(audio)) > len(early)
    for tier in tier_names(True):
        folder = tmp_path / "work" / "hls" / tier
        segments = tier_segments(folder)
        assert 5.5 < sum(s.duration for s in segments) < 6.6, tier
        assert all(s.duration <= 2.6 for s in segments[:-1]), tier
        for segment in segments:
            frames = decode(folder, segment)
            assert frames, segment
        video = [f for f in decode(folder, segments[0]) if isinstance(f, av.VideoFrame)]
        assert (video[0].height if video else None) == {"audio": None, "240": 240, "360": 240}[tier]
    assert (tmp_path / "rec" / "part-0.webm").read_bytes() == clips["video"]


def test_audio_tier_is_mono_aac_of_24_kbps(tmp_path: Path, clips: dict[str, bytes]) -> None:
    live = encoder(tmp_path, video=False)
    for piece in chunks(clips["audio"]):
        live.feed(piece)
    live.close()
    folder = tmp_path / "work" / "hls" / "audio"
    segments = tier_segments(folder)
    assert not (tmp_path / "work" / "hls" / "240").exists()
    payload = sum((folder / s.uri).stat().st_size for s in segments)
    assert payload * 8 / sum(s.duration for s in segments) < 28_000  # 24 kbps of audio + boxes
    with av.open(str(folder / segments[0].generation / "init.mp4")) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.channels) == ("aac", 1)


def test_no_partial_segment_is_ever_listed(tmp_path: Path, clips: dict[str, bytes]) -> None:
    live = encoder(tmp_path)
    listed: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for tier in tier_names(True):
                for segment in tier_segments(tmp_path / "work" / "hls" / tier):
                    listed.add(segment.uri)
                    assert (tmp_path / "work" / "hls" / tier / segment.uri).stat().st_size > 0

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for piece in chunks(clips["video"], 4096):
            live.feed(piece)
        live.close()
    finally:
        stop.set()
        watcher.join()
    assert listed and not any(uri.endswith(".tmp") for uri in listed)
    assert not list((tmp_path / "work").rglob("*.tmp"))


def test_killed_ffmpeg_is_restarted_and_the_playlist_continues(tmp_path: Path, clips: dict[str, bytes]) -> None:
    live = encoder(tmp_path, offset=30.0)
    pieces = list(chunks(clips["video"]))
    half = len(pieces) // 2
    for piece in pieces[:half]:
        live.feed(piece)
    audio = tmp_path / "work" / "hls" / "audio"
    wait_for(lambda: tier_segments(audio))
    first_pid = live.process.pid
    os.kill(first_pid, signal.SIGKILL)
    wait_for(lambda: not live.process.alive())
    for piece in pieces[half:]:
        live.feed(piece)
    live.close()
    assert live.generation == 1 and live.process.pid != first_pid
    segments = tier_segments(audio)
    assert [s.generation for s in segments][-1] == "000-01" and segments[0].generation == "000-00"
    assert len({s.uri for s in segments}) == len(segments)  # new files, no name reused
    text = live_playlist(segments, window=len(segments), ended=True)
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1 and '#EXT-X-MAP:URI="000-01/init.mp4"' in text
    old = [s for s in segments if s.generation == "000-00"]
    new = [s for s in segments if s.generation == "000-01"]
    last_old = max(f.time for f in decode(audio, old[-1]))
    first_new = min(f.time for f in decode(audio, new[0]))
    assert 30.0 <= last_old < first_new < 37.0  # on the session's clock, after the old ones


def test_a_stream_that_is_not_webm_is_refused(tmp_path: Path) -> None:
    live = encoder(tmp_path, video=False)
    with pytest.raises(NotWebM):
        live.feed(b"ftypisom" + bytes(1000))
    live.close(timeout=5)
    assert (tmp_path / "rec" / "part-0.webm").read_bytes()[:8] == b"ftypisom"  # kept, not lost


def test_scanner_finds_cluster_boundaries_across_chunks(clips: dict[str, bytes]) -> None:
    data = clips["audio"]
    scanner = ClusterScanner()
    for piece in chunks(data, 100):
        scanner.feed_head(piece)
    first = data.find(b"\x1f\x43\xb6\x75")
    assert scanner.init == data[:first]
    second = data.find(b"\x1f\x43\xb6\x75", first + 1)
    split = second + 2  # the Cluster ID itself is cut in two
    assert scanner.resume_point(data[first + 1:split])[1] == -1
    joined, pos = scanner.resume_point(data[split:split + 500])
    assert pos >= 0 and joined[pos:] == data[second:split + 500]


def test_live_playlist_window_and_sequences() -> None:
    segments = [Segment(g, f"{g}/{i:05d}.m4s", 2.0) for g, n in (("000-00", 3), ("000-01", 2), ("001-00", 4))
                for i in range(n)]
    text = live_playlist(segments, window=5)
    assert "#EXT-X-MEDIA-SEQUENCE:4\n" in text and "#EXT-X-DISCONTINUITY-SEQUENCE:1\n" in text
    entries, ended = parse_live(text)
    assert [e.uri for e in entries] == [s.uri for s in segments[4:]] and not ended
    assert [e.sequence for e in entries] == [4, 5, 6, 7, 8]
    assert [e.map_uri for e in entries] == ["000-01/init.mp4"] + ["001-00/init.mp4"] * 4
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1 and "#EXT-X-TARGETDURATION:2\n" in text
    assert parse_live(live_playlist(segments, window=5, ended=True))[1] is True


def test_retimed_generations_play_as_one_gapless_stream(tmp_path: Path, clips: dict[str, bytes]) -> None:
    for part, offset in ((0, 0.0), (1, 20.0)):  # two parts with 16 s between them
        live = encoder(tmp_path, video=False, part=part, offset=offset)
        for piece in chunks(clips["audio"]):
            live.feed(piece)
        live.close()
    audio = tmp_path / "work" / "hls" / "audio"
    segments = tier_segments(audio)
    retimer = Retimer((audio / "000-00" / "init.mp4").read_bytes())
    stream = (audio / "000-00" / "init.mp4").read_bytes()
    stream += b"".join(retimer.segment((audio / s.uri).read_bytes()) for s in segments)
    (tmp_path / "stream.mp4").write_bytes(stream)
    with av.open(str(tmp_path / "stream.mp4")) as container:
        times = [float(p.pts * p.time_base) for p in container.demux(audio=0) if p.pts is not None]
    steps = np.diff(times)
    assert steps.max() < 0.1 and steps.min() > 0  # no jump where the second part begins
    assert 7.5 < times[-1] - times[0] < 8.5


def tone_level(path: Path, start: float, end: float) -> float:
    """RMS of the decoded audio between two times."""
    with av.open(str(path)) as container:
        samples = [frame.to_ndarray().ravel() for frame in container.decode(audio=0)
                   if start <= frame.time < end]
    return float(np.sqrt(np.mean(np.concatenate(samples) ** 2)))


def test_assemble_recording_fills_the_gap_between_parts(tmp_path: Path, clips: dict[str, bytes]) -> None:
    (tmp_path / "p0.webm").write_bytes(clips["video"])  # 6 s from t = 0
    (tmp_path / "p1.webm").write_bytes(clips["audio"])  # 4 s from t = 9, audio only
    out = tmp_path / "recording.mkv"
    total = assemble_recording([{"path": tmp_path / "p1.webm", "t": 9.0, "video": False},
                                RecordedPart(tmp_path / "p0.webm", 0.0, True)], out, BINARY)
    with av.open(str(out)) as container:
        assert abs(container.duration / 1e6 - 13.0) < 0.5 and abs(total - 13.0) < 0.5
        assert container.streams.video[0].codec_context.name == "h264"
    assert tone_level(out, 1.0, 5.0) > 0.05
    assert tone_level(out, 6.5, 8.5) < 0.001  # the gap is silent
    assert tone_level(out, 9.5, 12.5) > 0.05


def test_assemble_recording_without_media_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.webm").write_bytes(b"")
    with pytest.raises(RecordingEmpty):
        assemble_recording([RecordedPart(tmp_path / "empty.webm", 0.0, False)], tmp_path / "out.mkv", BINARY)


def test_a_part_announced_with_video_but_only_sound_still_encodes(tmp_path: Path, clips: dict[str, bytes]) -> None:
    live = encoder(tmp_path, video=True)  # the camera was refused after go_live said video
    for piece in chunks(clips["audio"]):
        live.feed(piece)
    assert live.close() == 0 and live.generation == 0  # no restarts
    for tier in tier_names(True):
        assert len(tier_segments(tmp_path / "work" / "hls" / tier)) >= 2, tier
