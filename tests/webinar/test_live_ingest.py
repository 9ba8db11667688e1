"""Going live with real clients against a real server: the presenter lock, chunks → live HLS in
storage, the tiers and the /listen stream served to the session's students only, reconnects."""
from __future__ import annotations

import io
import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import av
import pytest
import requests
from PIL import Image

from media.ffmpeg import ffmpeg_binary
from media.live_playlist import parse_live
from tests.media.live_clips import chunks, recorder_webm
from tests.conftest import PASSWORD
from tests.webinar.live_world import LiveClient, LiveWorld, another_app, live_config, served_live
from webinar.extensions import db
from webinar.live import ingest
from webinar.models import Lecture, LectureStatus, LiveSession, LiveStatus, SlidesStatus
from webinar.storage import storage

MIME = "video/webm;codecs=vp8,opus"
TEACHER_ONLY = "Only the teacher can do this."


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return recorder_webm(ffmpeg_binary(), tmp_path_factory.mktemp("clip") / "talk.webm", d=6).read_bytes()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWorld]:
    tmp = tmp_path_factory.mktemp("ingest")
    config = live_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}", LIVE_WORK_DIR=str(tmp / "work"),
                         LIVE_PUBLISH_SECONDS=0.2, LIVE_LISTEN_POLL_SECONDS=0.2, LIVE_LISTEN_IDLE_SECONDS=20,
                         LIVE_LISTEN_ENDED_CHECK_SECONDS=0.5)
    with served_live(config) as served:
        yield served


@pytest.fixture
def live(world: LiveWorld) -> Iterator[LiveWorld]:
    world.session_id = world.new_session()
    yield world
    world.drop_clients()
    with world.app.app_context():
        ingest.finish(world.session_id)


def wait_for(found: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := found()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


def send(client: LiveClient, data: bytes, size: int = 16 * 1024) -> None:
    for piece in chunks(data, size):
        ack = client.call("media", piece)
        assert ack == {"ok": True}, ack


def get(live: LiveWorld, who: str, path: str, **kwargs: Any) -> requests.Response:
    return live.sign_in(who).get(f"{live.base}/live/{live.session_id}{path}", allow_redirects=False, **kwargs)


def playlist(live: LiveWorld, who: str = "student", tier: str = "audio") -> list:
    response = get(live, who, f"/hls/{tier}/index.m3u8")
    return parse_live(response.text)[0] if response.status_code == 200 else []


def session_row(live: LiveWorld) -> LiveSession:
    return live.row(LiveSession, live.session_id)


def test_teacher_goes_live_and_the_group_gets_the_tiers(live: LiveWorld, clip: bytes) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    ack = teacher.call("go_live", {"video": True, "mime": MIME})
    assert ack["ok"] and ack["t"] >= 0, ack
    assert student.wait_ev("on_air")["data"] == {"on": True, "video": True}
    row = session_row(live)
    assert row.status == LiveStatus.LIVE and row.started_at is not None and row.has_video
    assert row.media_prefix == f"live/{live.session_id}"
    send(teacher, clip)
    entries = wait_for(lambda: playlist(live))
    response = get(live, "student", "/hls/audio/index.m3u8")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "#EXT-X-MAP" in response.text and response.headers["Content-Type"].startswith("application/vnd.apple")
    init = get(live, "student", f"/hls/audio/{entries[0].map_uri}")
    segment = get(live, "student", f"/hls/audio/{entries[0].uri}")
    assert segment.status_code == 200 and "immutable" in segment.headers["Cache-Control"]
    with av.open(io.BytesIO(init.content + segment.content)) as container:
        assert list(container.decode(audio=0))
    assert wait_for(lambda: playlist(live, tier="240"))
    master = get(live, "student", "/hls/master.m3u8")
    assert master.status_code == 200 and "240/index.m3u8" in master.text and "360/index.m3u8" in master.text
    assert teacher.call("stop_live", {})["ok"]
    assert student.wait_ev("on_air", 2)["data"] == {"on": False, "video": False}
    row = session_row(live)
    assert row.presenter_id is None and len(row.recording_parts) == 1
    part = row.recording_parts[0]
    assert part["video"] is True and part["t"] >= 0
    with live.app.app_context():
        assert b"".join(storage().stream(part["key"])) == clip  # the recording is what was sent


def test_a_second_presenter_is_refused_until_the_first_leaves(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    admin, _ = live.join("admin")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm;codecs=opus"})["ok"]
    refused = admin.call("go_live", {"video": False, "mime": "audio/webm"})
    assert refused == {"ok": False, "error": "Someone else is presenting in this webinar now."}
    assert admin.call("media", b"\x1a\x45\xdf\xa3")["error"] == "Go live first."
    teacher.disconnect()  # the presenter's socket goes: its part stops, the lock is free
    wait_for(lambda: session_row(live).presenter_id is None)
    assert admin.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    assert session_row(live).presenter_id == live.users["admin"]


def test_students_may_not_present(live: LiveWorld) -> None:
    student, _ = live.join("student")
    assert student.call("go_live", {"video": True, "mime": MIME}) == {"ok": False, "error": TEACHER_ONLY}
    assert student.call("media", b"\x1a\x45\xdf\xa3") == {"ok": False, "error": TEACHER_ONLY}
    assert student.call("stop_live", {}) == {"ok": False, "error": TEACHER_ONLY}
    assert session_row(live).presenter_id is None


def test_a_format_the_encoder_cannot_read_is_refused(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    refused = teacher.call("go_live", {"video": False, "mime": "audio/mp4"})  # Safari's MediaRecorder
    assert refused["ok"] is False and "Chrome or Firefox" in refused["error"]
    assert session_row(live).presenter_id is None
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    refused = teacher.call("media", b"ftypisom" + bytes(100))
    assert refused["ok"] is False and "Chrome or Firefox" in refused["error"]


def test_only_the_sessions_people_get_its_media(live: LiveWorld, clip: bytes) -> None:
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": True, "mime": MIME})["ok"]
    send(teacher, clip)
    entries = wait_for(lambda: playlist(live))
    assert get(live, "teacher", "/hls/audio/index.m3u8").status_code == 200
    for path in ("/hls/audio/index.m3u8", f"/hls/audio/{entries[0].uri}", "/hls/master.m3u8", "/listen"):
        assert get(live, "outsider", path).status_code == 403, path
    assert get(live, "student", "/hls/audio/../../secret.m3u8").status_code == 404
    assert get(live, "student", "/hls/audio/index.m3u8.tmp").status_code == 404


def read_stream(response: requests.Response, into: bytearray) -> None:
    for piece in response.iter_content(4096):
        into += piece


def test_listen_is_one_endless_response_of_decodable_audio(live: LiveWorld, clip: bytes) -> None:
    teacher, _ = live.join("teacher")
    listener = get(live, "student", "/listen", stream=True, timeout=30)  # before the teacher goes live
    assert listener.status_code == 200 and listener.headers["Content-Type"] == "audio/mp4"
    assert listener.headers.get("Transfer-Encoding") == "chunked"
    heard = bytearray()
    reader = threading.Thread(target=read_stream, args=(listener, heard))
    reader.start()
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    pieces = list(chunks(clip))
    send(teacher, b"".join(pieces[: len(pieces) // 2]))
    wait_for(lambda: len(heard) > 4000)  # the stream flows while the teacher talks
    send(teacher, b"".join(pieces[len(pieces) // 2:]))
    teacher.disconnect()  # a reconnect: the second part continues the same response
    again, _ = live.join("teacher")
    assert again.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    send(again, clip)
    wait_for(lambda: len(parse_live(get(live, "student", "/hls/audio/index.m3u8").text)[0]) >= 4)
    with live.app.app_context():
        parts = ingest.finish(live.session_id)  # the session ends: ENDLIST, the response ends
    reader.join(timeout=20)
    assert not reader.is_alive()
    assert [p["video"] for p in parts] == [False, False] and parts[1]["t"] > parts[0]["t"]
    with av.open(io.BytesIO(bytes(heard))) as container:
        frames = list(container.decode(audio=0))
    times = [frame.time for frame in frames]
    assert times == sorted(times) and times[-1] - times[0] > 3.0  # both parts, one timeline
    assert all(b - a < 0.1 for a, b in zip(times, times[1:]))  # no gap where the second part begins


def first_bytes(response: requests.Response) -> bytes:
    """What a stream sent before it fell silent (the request's read timeout)."""
    got = bytearray()
    try:
        for piece in response.iter_content(4096):
            got += piece
    except requests.ConnectionError:  # read timed out: nothing new is coming
        pass
    response.close()
    return bytes(got)


def test_listen_starts_near_the_live_edge(live: LiveWorld, tmp_path: Path) -> None:
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    send(teacher, recorder_webm(ffmpeg_binary(), tmp_path / "long.webm", d=12, video=False).read_bytes())
    entries = wait_for(lambda: len(found := playlist(live)) == 5 and found)
    assert entries[0].sequence == 0  # 5 segments published, nothing dropped yet
    scripted = first_bytes(get(live, "student", "/listen", stream=True, timeout=(5, 3)))
    plain = first_bytes(get(live, "student", "/listen", stream=True, timeout=(5, 3),
                            headers={"Sec-Fetch-Dest": "audio"}))
    assert scripted.count(b"moof") == 2  # live-listen.js: the last two segments, then what comes
    assert plain.count(b"moof") == 5  # a plain <audio>: about what Chromium wants before it plays (32 KB)
    assert scripted.startswith(plain[:500])  # both begin with the same init segment


def test_listen_ends_when_the_session_ends_elsewhere(live: LiveWorld) -> None:
    listener = get(live, "student", "/listen", stream=True, timeout=(5, 10))  # nobody presents here
    started = time.monotonic()
    with live.app.app_context():  # ended by another process: no ENDLIST was ever written
        row = db.session.get(LiveSession, live.session_id)
        row.status = LiveStatus.ENDED
        db.session.commit()
    assert first_bytes(listener) == b"" and time.monotonic() - started < 5
    assert get(live, "student", "/listen").status_code == 404  # and an ended session has no stream


def test_numbered_chunks_are_put_back_in_order(live: LiveWorld, clip: bytes) -> None:
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": True, "mime": MIME})["ok"]
    pieces = list(chunks(clip, 8 * 1024))
    order = [i ^ 1 if (i ^ 1) < len(pieces) else i for i in range(len(pieces))]  # 1, 0, 3, 2, ...
    for index in order:
        assert teacher.call("media", {"seq": index, "data": pieces[index]}) == {"ok": True}
    assert teacher.call("media", {"seq": "x", "data": pieces[0]})["ok"] is False
    assert teacher.call("stop_live", {})["ok"]
    key = session_row(live).recording_parts[0]["key"]
    with live.app.app_context():
        assert b"".join(storage().stream(key)) == clip
    assert len(playlist(live)) >= 3  # 6 s in 2 s segments: the encoder got the whole stream


def test_going_live_without_a_sound_leaves_no_part(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    assert len(session_row(live).recording_parts) == 1
    assert teacher.call("stop_live", {})["ok"]
    assert session_row(live).recording_parts == []


def test_listen_works_on_another_web_process(live: LiveWorld, clip: bytes, tmp_path: Path) -> None:
    """The stream comes from storage: a second server (same database and storage) that never saw
    the presenter sends it too."""
    config = {**live.app.config, "LIVE_WORK_DIR": str(tmp_path / "other-work")}
    config = {key: config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED",
                                           "STORAGE_LOCAL_ROOT", "PASSWORD_HASH_METHOD", "LOGIN_RATE_LIMIT",
                                           "LIVE_WORK_DIR", "LIVE_LISTEN_POLL_SECONDS")}
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    send(teacher, clip)
    wait_for(lambda: len(playlist(live)) >= 2)
    with another_app(config) as (_, other_base):
        student = requests.Session()
        student.post(f"{other_base}/login", data={"username": "student", "password": PASSWORD})
        listener = student.get(f"{other_base}/live/{live.session_id}/listen", stream=True, timeout=(5, 2))
        heard = first_bytes(listener)
        student.close()
    with av.open(io.BytesIO(heard)) as container:
        assert len(list(container.decode(audio=0))) > 50  # two segments of AAC frames


def test_listeners_go_on_when_ffmpeg_dies(live: LiveWorld, tmp_path: Path) -> None:
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    talk = list(chunks(recorder_webm(ffmpeg_binary(), tmp_path / "talk.webm", d=10, video=False).read_bytes(), 4096))
    listener = get(live, "student", "/listen", stream=True, timeout=(5, 20))
    heard = bytearray()
    reader = threading.Thread(target=read_stream, args=(listener, heard), daemon=True)
    reader.start()
    send(teacher, b"".join(talk[: len(talk) // 2]))
    wait_for(lambda: len(playlist(live)) >= 2)
    encoder = ingest._running[live.session_id].encoder
    os.kill(encoder.process.pid, signal.SIGKILL)
    wait_for(lambda: not encoder.process.alive())  # else the pipe's buffer takes the next chunks
    send(teacher, b"".join(talk[len(talk) // 2:]))
    assert encoder.generation == 1  # restarted
    with live.app.app_context():
        ingest.finish(live.session_id)
    reader.join(timeout=30)
    text = get(live, "student", "/hls/audio/index.m3u8").text
    assert "#EXT-X-DISCONTINUITY\n" in text and "#EXT-X-ENDLIST" in text
    with av.open(io.BytesIO(bytes(heard))) as container:
        times = [frame.time for frame in container.decode(audio=0)]
    assert times[-1] - times[0] > 6.0  # the listener heard on past the restart, in one timeline
    assert all(0 < b - a < 0.1 for a, b in zip(times, times[1:]))


def test_the_recording_becomes_a_lecture(live: LiveWorld, clip: bytes, tmp_path: Path) -> None:
    """Two parts (video, then sound only after a pause) → end → the replay job joins them → the
    lecture pipeline makes a lecture as long as the session (jobs run inline in tests)."""
    teacher, _ = live.join("teacher")
    assert teacher.call("go_live", {"video": True, "mime": MIME})["ok"]
    send(teacher, clip)  # 6 s
    assert teacher.call("stop_live", {})["ok"]
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    send(teacher, recorder_webm(ffmpeg_binary(), tmp_path / "more.webm", d=3, video=False).read_bytes())
    parts = session_row(live).recording_parts
    ack = teacher.call("end", {}, timeout=120)
    assert ack["ok"] and ack["lecture_url"], ack
    lecture = live.row(Lecture, session_row(live).lecture_id)
    assert lecture.status == LectureStatus.READY
    expected = max(parts[1]["t"], 6.0) + 3.0  # the second part starts at its own time, or after the first
    assert abs(lecture.duration - expected) < 0.6


def give_slides(live: LiveWorld, pages: int) -> None:
    """Page images in storage, as the slides job leaves them, and the session pointing at them."""
    prefix = f"live/{live.session_id}/slides/r1-test"
    with live.app.app_context():
        for page in range(1, pages + 1):
            picture = Image.new("RGB", (320, 180), (40 * page, 90, 160))
            for ext, fmt in (("webp", "WEBP"), ("jpg", "JPEG")):
                buffer = io.BytesIO()
                picture.save(buffer, fmt)
                buffer.seek(0)
                storage().put(f"{prefix}/{page}.{ext}", buffer)
        session = db.session.get(LiveSession, live.session_id)
        session.slides_prefix, session.slide_count, session.slides_status = prefix, pages, SlidesStatus.READY
        db.session.commit()


def test_the_replay_shows_the_slides_as_shown_and_the_chat(live: LiveWorld, tmp_path: Path) -> None:
    give_slides(live, 2)
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    send(teacher, recorder_webm(ffmpeg_binary(), tmp_path / "talk.webm", d=4, video=False).read_bytes())
    assert student.call("chat", {"text": "<b>Салам</b>"})["ok"]
    deleted = teacher.call("chat", {"text": "жок"})["id"]
    assert teacher.call("chat_delete", {"id": deleted})["ok"]
    assert teacher.call("slide", {"page": 2})["ok"]
    ack = teacher.call("end", {}, timeout=120)
    assert ack["ok"], ack

    lecture = live.row(Lecture, session_row(live).lecture_id)
    assert lecture.status == LectureStatus.READY
    slides = lecture.manifest["slides"]
    assert [s["start"] for s in slides][0] == 0 and 0 < slides[1]["start"] < 30
    assert len(lecture.manifest["bundle_slides"]) == 2 and lecture.manifest["bundle"]["bytes"] > 0
    assert [line["text"] for line in lecture.manifest["chat"]] == ["<b>Салам</b>"]  # the deleted line is gone
    with live.app.app_context():  # the live tiers and parts are gone once the lecture has its recording
        assert [k for k in storage().list(f"live/{live.session_id}/") if "/slides/" not in k] == []
    with live.sign_in("student").get(f"{live.base}/lectures/{lecture.id}") as replay:  # with the chat beside it
        assert replay.status_code == 200 and "Chat of the webinar" in replay.text
        config = re.search(r'<script type="application/json" id="player-config">(.*?)</script>', replay.text).group(1)
        assert json.loads(config)["chat"][0]["text"] == "<b>Салам</b>" and "<b>Салам" not in replay.text
