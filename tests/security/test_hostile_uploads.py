"""A hostile media corpus through the real path: tus upload → lecture_process job (inline) → the teacher's page.

Each case is refused with a translated reason or processed safely; meanwhile a FIFO (any local file
outside the job) and a TCP listener (any network address) record whether ffmpeg or PyAV reached for
them, and every case must settle within a bounded time. The probe-level cases stay in
tests/media/test_probe.py; these add the upload, the job and the teacher's view around them.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
from tusclient.exceptions import TusCommunicationError

from media.ffmpeg import FFmpegError, ffmpeg_binary, input_args, run
from tests.media import clips, hostile
from tests.media.clips import FifoSentinel
from tests.webinar.lecture_world import World, get, lecture_config, served_world
from webinar.models import LectureStatus

SHELL_NAME = "`touch pwned`;$(touch pwned2)|x&<y>'\"$HOME.m4a"
CASE_SECONDS = 60  # a refused file settles in well under a second; a 2 s clip in a few
Maker = Callable[[Path, str, str], Path]  # (folder, a local file outside the job, a network URL) → upload


@dataclass(frozen=True)
class Hostile:
    """One file of the corpus: how to make it, what to call it, and the refusal codes it may get (None: accepted)."""

    make: Maker
    codes: frozenset[str] | None
    filename: str | None = None
    filetype: str = ""


def _b() -> str:
    return ffmpeg_binary()


def _audio(folder: Path, *_: str) -> Path:
    return clips.audio_file(_b(), folder / "clip.m4a", d=2)


CORPUS: dict[str, Hostile] = {
    "hls playlist as .mp4": Hostile(
        lambda f, local, url: _write(f / "a.mp4", clips.hls_playlist_text("file:///etc/passwd", local, url)),
        frozenset({"format"})),
    "avi embedding an m3u8 of local files": Hostile(
        lambda f, local, url: hostile.avi_with_playlist(f / "a.avi", local, url, "file:///etc/passwd"),
        frozenset({"no_audio", "format", "unreadable"})),
    "ffconcat script": Hostile(lambda f, local, url: hostile.ffconcat(f / "a.mp4", local, url), frozenset({"format"})),
    "concat: in the name": Hostile(_audio, None, filename="concat:{local}|clip.m4a"),
    "subfile: in the name": Hostile(_audio, None, filename="subfile,,start,0,end,0,,:{local}.m4a"),
    "url as the name": Hostile(_audio, None, filename="{url}.m4a"),
    "shell metacharacters in the name": Hostile(_audio, None, filename=SHELL_NAME),
    "shell metacharacters in the suffix": Hostile(_audio, None, filename="clip.m4a; rm -rf \\ ~",
                                                  filetype="audio/mp4"),
    "huge dimensions": Hostile(lambda f, *_: hostile.huge_frame(_b(), f / "a.mp4"), frozenset({"frame_too_big"})),
    "absurd frame rate": Hostile(lambda f, *_: hostile.absurd_rate(_b(), f / "a.mp4"), frozenset({"frame_rate"})),
    "truncated": Hostile(lambda f, *_: clips.truncated(clips.lecture_mp4(_b(), f / "w.mp4", d=4), f / "a.mp4", 0.4),
                         frozenset({"truncated", "unreadable"})),
    "random bytes": Hostile(lambda f, *_: _write(f / "a.mp4", os.urandom(32 * 1024)), frozenset({"unreadable"})),
    "image bomb": Hostile(lambda f, *_: hostile.png_bomb(f / "a.mp4"), frozenset({"format"})),
    "ten hours of silence in 2 KB": Hostile(lambda f, *_: hostile.ten_hours_of_silence(_b(), f / "a.mkv"),
                                            frozenset({"too_long"})),
    "a frame above the limit mid-stream": Hostile(lambda f, *_: hostile.big_frame_mid_stream(_b(), f / "a.ts"), None),
    "ten hours behind a header claiming 10 s": Hostile(
        lambda f, *_: hostile.ten_hours_behind_a_short_header(_b(), f / "a.mkv"), frozenset({"too_long"})),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("hostile")
    with served_world(lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as served:
        yield served


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[tuple[FifoSentinel, hostile.ConnectionSentinel]]:
    fifo, listener = FifoSentinel(tmp_path / "outside.ts"), hostile.ConnectionSentinel()
    yield fifo, listener
    fifo.close()
    listener.close()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_upload_is_refused_or_processed_safely(world: World, tmp_path: Path, sentinels, name: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fifo, listener = sentinels
    case = CORPUS[name]
    folder = tmp_path / "upload"
    folder.mkdir()
    path = case.make(folder, str(fifo.path), listener.url)
    filename = (case.filename or path.name).format(local=fifo.path, url=listener.url)
    monkeypatch.chdir(tmp_path)  # where `touch pwned` would land if any shell ran
    started = time.monotonic()
    extra = {"filename": filename, **({"filetype": case.filetype} if case.filetype else {})}
    lecture_id = int(re.fullmatch(r"/lectures/(\d+)", world.upload(path, title=name, **extra)).group(1))
    elapsed = time.monotonic() - started
    lecture = world.lecture(lecture_id)
    assert elapsed < CASE_SECONDS and lecture.status in (LectureStatus.FAILED, LectureStatus.READY)
    assert not fifo.opened.is_set(), "a local file outside the job was opened"
    assert not listener.connected.is_set(), "a network address was contacted"
    assert not list(tmp_path.rglob("pwned*"))
    assert re.fullmatch(r"lectures/\d+/source/r\d+(\.[a-z0-9]{1,5})?", lecture.source_key)
    if case.codes is None:
        assert lecture.status == LectureStatus.READY and lecture.manifest["audio"]
        assert lecture.source_filename == filename  # kept for display (escaped), never used as a path
        return
    assert lecture.status == LectureStatus.FAILED and lecture.error_code in case.codes
    assert lecture.media_prefix is None
    en = get(world, "teacher", f"/lectures/{lecture_id}/status.json").json()["message"]
    ru = get(world, "teacher", f"/lectures/{lecture_id}/status.json", headers={"Accept-Language": "ru"}).json()
    assert len(en) > 20 and re.search("[а-я]{4}", ru["message"]) and ru["message"] != en


def test_an_empty_file_is_refused_before_any_byte(world: World, tmp_path: Path) -> None:
    with pytest.raises(TusCommunicationError) as refused:
        world.upload(_write(tmp_path / "empty.mp4", b""), title="empty")
    assert refused.value.status_code == 400


def test_ffmpeg_that_waits_forever_is_killed_at_the_time_limit(tmp_path: Path) -> None:
    """An input that never delivers a byte (a FIFO no one writes) cannot hold a worker past its timeout."""
    fifo = FifoSentinel(tmp_path / "stalled.ts")
    started = time.monotonic()
    with pytest.raises(FFmpegError):
        run([*input_args(fifo.path, "mpegts"), "-f", "null", "-"], binary=ffmpeg_binary(), timeout=2)
    assert time.monotonic() - started < 10
    fifo.close()


def test_control_the_listener_notices_ffmpeg_when_the_network_is_allowed(tmp_path: Path, sentinels) -> None:
    """Without our whitelists ffmpeg's HLS demuxer does connect to the listener: its silence above means something."""
    _fifo, listener = sentinels
    playlist = _write(tmp_path / "a.m3u8", clips.hls_playlist_text(listener.url))
    with pytest.raises(FFmpegError):
        run(["-protocol_whitelist", "file,http,tcp", "-f", "hls", "-i", str(playlist), "-f", "null", "-"],
            binary=ffmpeg_binary(), timeout=20)
    assert listener.connected.wait(5)


def test_frames_above_the_probes_limit_are_never_decoded(tmp_path: Path) -> None:
    """The transcoder's input drops what the probe could not see: a bigger frame later in the stream."""
    from media.probe import Limits, probe
    from media.transcode import _source
    mixed = hostile.big_frame_mid_stream(ffmpeg_binary(), tmp_path / "mixed.ts")
    info = probe(mixed)
    assert info.video.width * info.video.height < Limits().max_pixels  # the probe saw the small frames only
    source = _source(info)
    args = source.output("-", f="null").get_args()
    assert args[args.index("-max_pixels") + 1] == str(Limits().max_pixels)
    frames = tmp_path / "frames.txt"
    run([*args[:-1], "-map", "0:v", "-f", "framemd5", str(frames)], binary=ffmpeg_binary(), timeout=20)
    sizes = {line.split(",")[-2].strip() for line in frames.read_text().splitlines() if not line.startswith("#")}
    assert len(sizes) == 1  # every decoded frame has the small frames' size (framemd5 sizes are bytes)
