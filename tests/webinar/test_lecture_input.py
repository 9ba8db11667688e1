"""Bad recordings get a clear, translated reason and publish nothing; refusals come before the bytes."""
from __future__ import annotations

import base64

import re
from pathlib import Path

import pytest
import requests
from markupsafe import escape

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.webinar.lecture_world import World, get
from webinar.models import LectureStatus
from webinar.storage import storage

TUS = {"Tus-Resumable": "1.0.0"}


def metadata(**values: str) -> str:
    """An Upload-Metadata header."""
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(world: World, who: str, length: int, **values: str) -> requests.Response:
    """A bare tus creation request (no bytes sent)."""
    values = {"purpose": "lecture", "course": str(world.course_id), **values}
    headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**values)}
    with world.sessions[who].post(f"{world.base}/uploads/", headers=headers) as response:
        return response


def lecture_of(location: str) -> int:
    return int(re.fullmatch(r"/lectures/(\d+)", location).group(1))


def make_bad(kind: str, folder: Path) -> Path:
    """Recordings a teacher might send by mistake, or an attacker on purpose."""
    binary = ffmpeg_binary()
    if kind == "text renamed .mp4":
        path = folder / "notes.mp4"
        path.write_text("Лекция 1. Введение\n" * 200, encoding="utf-8")
        return path
    if kind == "HLS playlist as .mp4":
        return clips.hls_as_mp4(folder / "playlist.mp4", folder / "secret.txt")
    if kind == "truncated":
        return clips.truncated(clips.lecture_mp4(binary, folder / "whole.mp4"), folder / "cut.mp4")
    if kind == "video without sound":
        return clips.video_only_mp4(binary, folder / "silent.mp4")
    raise AssertionError(kind)


@pytest.mark.parametrize("kind, codes", [
    ("text renamed .mp4", {"unreadable", "format"}), ("HLS playlist as .mp4", {"format"}),
    ("truncated", {"truncated", "unreadable"}),  # cut before or after the index
    ("video without sound", {"no_audio"}),
])
def test_unusable_recording_fails_with_a_reason(world: World, tmp_path: Path, kind: str, codes: set[str]) -> None:
    path = make_bad(kind, tmp_path)
    lecture_id = lecture_of(world.upload(path, title=kind))
    lecture = world.lecture(lecture_id)
    assert lecture.status == LectureStatus.FAILED
    assert lecture.error_code in codes
    assert lecture.media_prefix is None and not lecture.manifest
    with world.app.app_context():
        stored = list(storage().list(f"lectures/{lecture_id}/"))
    assert all("/source/" in key for key in stored)  # the source is kept; nothing was published
    status = get(world, "teacher", f"/lectures/{lecture_id}/status.json").json()
    assert status["failed"] and len(status["message"]) > 30
    ru = get(world, "teacher", f"/lectures/{lecture_id}/status.json", headers={"Accept-Language": "ru"}).json()
    assert re.search("[а-я]{4}", ru["message"]) and ru["message"] != status["message"]
    assert get(world, "student", f"/lectures/{lecture_id}").status_code == 404
    page = get(world, "teacher", f"/lectures/{lecture_id}")
    assert page.status_code == 200 and str(escape(status["message"])) in page.text and "Upload another file" in page.text


def test_student_cannot_upload(world: World) -> None:
    response = create(world, "student", 1000, filename="a.mp4")
    assert response.status_code == 403 and "teachers" in response.text


def test_teacher_of_another_course_cannot_upload_to_it(world: World) -> None:
    assert create(world, "other", 1000, filename="a.mp4").status_code == 403


def test_documents_are_refused_before_upload(world: World) -> None:
    response = create(world, "teacher", 1000, filename="syllabus.pdf", filetype="application/pdf")
    assert response.status_code == 415 and "video or audio" in response.text


def test_oversized_recording_is_refused_from_its_declared_length(world: World) -> None:
    limit = world.app.config["LECTURE_MAX_BYTES"]
    response = create(world, "teacher", limit + 1, filename="huge.mp4")
    assert response.status_code == 413 and "MB" in response.text
    assert create(world, "teacher", limit, filename="ok.mp4").status_code == 201


def test_unknown_course_and_forged_metadata(world: World) -> None:
    assert create(world, "teacher", 10, filename="a.mp4", course="99999").status_code == 404
    assert create(world, "teacher", 10, filename="a.mp4", course="1 OR 1=1").status_code == 400


def test_audio_only_upload_becomes_an_audio_lecture(world: World, tmp_path: Path) -> None:
    path = clips.audio_file(ffmpeg_binary(), tmp_path / "лекция.m4a")
    lecture = world.lecture(lecture_of(world.upload(path, title="Аудио")))
    assert lecture.status == LectureStatus.READY
    assert "video" not in lecture.manifest and lecture.manifest["audio"]["audio_opus"]["bytes"] > 0
    page = get(world, "student", f"/lectures/{lecture.id}")
    assert page.status_code == 200 and 'id="version"' not in page.text
    assert "MP4" not in page.text and "ZIP" in page.text  # no video to download, the bundle is there


@pytest.mark.parametrize("code, params, expected", [
    ("too_large", {"size": 6_000_000_000, "max": 4_294_967_296}, "4 GB"),
    ("too_long", {"duration": 20000, "max": 14400}, "4 h"),
    ("frame_too_big", {"width": 8000, "height": 6000}, "8000×6000"),
    ("format", {"format": "unknown"}, "not a video or audio recording"),
    ("codec", {"codec": "prores"}, "(prores)"),
    ("no_such_code", {}, "Processing failed"),
])
def test_reasons_show_numbers_as_people_read_them(world: World, code: str, params: dict, expected: str) -> None:
    from webinar.lectures.messages import describe
    with world.app.test_request_context(headers={"Accept-Language": "en"}):
        assert expected in describe(code, params)


def test_zero_byte_recording_is_refused_before_anything_is_created(world: World) -> None:
    response = create(world, "teacher", 0, filename="empty.mp4", title="Пусто")
    assert response.status_code == 400 and "empty" in response.text


def test_the_same_file_twice_is_refused_and_names_the_lecture_that_has_it(world: World, clip: Path) -> None:
    from tusclient.exceptions import TusCommunicationError
    first = lecture_of(world.upload(clip, title="Оригинал"))
    with pytest.raises(TusCommunicationError) as refused:
        world.upload(clip, title="Копия")
    assert refused.value.status_code == 409 and "Оригинал" in str(refused.value.response_content, "utf-8")
    assert world.lecture(first).status == LectureStatus.READY
    replaced = world.upload(clip, lecture=str(first))  # the same file may re-process its own lecture
    assert world.lecture(lecture_of(replaced)).revision == 2
