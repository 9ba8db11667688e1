"""Teachers manage lectures; students resume and are counted; captions reach the player and the bundle."""
from __future__ import annotations

import csv
import itertools
import io
import re
import zipfile
from pathlib import Path

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.webinar.lecture_world import World, get
from webinar.models import LectureStatus
from webinar.storage import storage


TITLES = itertools.count(1)


@pytest.fixture
def lecture_id(world: World, clip: Path, tmp_path: Path) -> int:
    title = f"Механика {next(TITLES)}"
    recording = clips.another_copy(ffmpeg_binary(), clip, tmp_path / "recording.mp4")
    return int(re.fullmatch(r"/lectures/(\d+)", world.upload(recording, title=title)).group(1))


def post(world: World, who: str, path: str, **kwargs):
    with world.sessions[who].post(world.base + path, allow_redirects=False, **kwargs) as response:
        response.content
        return response


def course_page(world: World, who: str) -> str:
    """The lectures list of the course page (announcements above it name lectures too)."""
    page = get(world, who, f"/courses/{world.course_id}").text
    return page[page.index('id="lectures"'):]


def test_rename_hide_and_show(world: World, lecture_id: int) -> None:
    assert post(world, "teacher", f"/lectures/{lecture_id}/title", data={"title": "Кинематика"}).status_code == 302
    assert "Кинематика" in course_page(world, "student")
    post(world, "teacher", f"/lectures/{lecture_id}/visibility", data={"visible": "0"})
    assert "Кинематика" not in course_page(world, "student")
    assert get(world, "student", f"/lectures/{lecture_id}").status_code == 404
    assert "Кинематика" in course_page(world, "teacher")  # the teacher still sees it, marked hidden
    post(world, "teacher", f"/lectures/{lecture_id}/visibility", data={"visible": "1"})
    assert get(world, "student", f"/lectures/{lecture_id}").status_code == 200


def test_students_cannot_manage(world: World, lecture_id: int) -> None:
    for path in (f"/lectures/{lecture_id}/title", f"/lectures/{lecture_id}/visibility",
                 f"/lectures/{lecture_id}/delete", f"/lectures/{lecture_id}/move"):
        assert post(world, "student", path, data={"title": "x", "visible": "0"}).status_code == 403
    assert get(world, "student", f"/lectures/{lecture_id}/status.json").status_code == 403
    assert post(world, "other", f"/lectures/{lecture_id}/title", data={"title": "x"}).status_code == 403
    assert world.lecture(lecture_id).title.startswith("Механика")


def test_reorder(world: World, clip: Path, tmp_path: Path) -> None:
    copies = [clips.another_copy(ffmpeg_binary(), clip, tmp_path / f"{n}.mp4") for n in (1, 2)]
    first = int(world.upload(copies[0], title="Биринчи").rsplit("/", 1)[1])
    second = int(world.upload(copies[1], title="Экинчи").rsplit("/", 1)[1])
    page = course_page(world, "student")
    assert page.index("Биринчи") < page.index("Экинчи")
    post(world, "teacher", f"/lectures/{second}/move", data={"direction": "up"})
    page = course_page(world, "student")
    assert page.index("Экинчи") < page.index("Биринчи")
    assert world.lecture(first).position > world.lecture(second).position


def test_delete_asks_first_then_removes_every_file(world: World, lecture_id: int) -> None:
    confirm = get(world, "teacher", f"/lectures/{lecture_id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    assert world.lecture(lecture_id) is not None  # asking deletes nothing
    assert post(world, "teacher", f"/lectures/{lecture_id}/delete").status_code == 302
    assert get(world, "teacher", f"/lectures/{lecture_id}").status_code == 404
    with world.app.app_context():
        assert list(storage().list(f"lectures/{lecture_id}/")) == []


def test_replacing_the_recording_reprocesses_and_drops_the_old_files(world: World, lecture_id: int, tmp_path: Path) -> None:
    before = world.lecture(lecture_id)
    audio = clips.audio_file(ffmpeg_binary(), tmp_path / "voice.mp3")
    world.upload(audio, lecture=str(lecture_id))
    after = world.lecture(lecture_id)
    assert after.revision == before.revision + 1 and after.status == LectureStatus.READY
    assert after.media_prefix != before.media_prefix and "video" not in after.manifest
    with world.app.app_context():
        keys = list(storage().list(f"lectures/{lecture_id}/"))
    assert not any(k.startswith(before.media_prefix + "/") or k == before.source_key for k in keys)


VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nСаламатсыздарбы, студенттер!\n"


def test_captions_reach_the_player_and_the_offline_bundle(world: World, lecture_id: int) -> None:
    bad = post(world, "teacher", f"/lectures/{lecture_id}/captions",
               data={"lang": "ky"}, files={"file": ("subs.vtt", b"1\n00:00:01,000 --> 00:00:02,000\nSRT\n")})
    assert bad.status_code == 302
    assert get(world, "student", f"/lectures/{lecture_id}/captions/ky.vtt").status_code == 404
    old_bundle = world.lecture(lecture_id).manifest["bundle"]["path"]
    post(world, "teacher", f"/lectures/{lecture_id}/captions",
         data={"lang": "ky"}, files={"file": ("subs.vtt", VTT.encode())})
    track = get(world, "student", f"/lectures/{lecture_id}/captions/ky.vtt")
    assert track.status_code == 200 and "Саламатсыздарбы" in track.text
    assert 'srclang="ky"' in get(world, "student", f"/lectures/{lecture_id}").text
    lecture = world.lecture(lecture_id)
    assert lecture.manifest["bundle"]["path"] != old_bundle  # rebuilt with the captions
    bundle = get(world, "student", f"/lectures/{lecture_id}/download/bundle").content
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        page = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("index.html"))
    assert "Саламатсыздарбы" in page
    assert get(world, "outsider", f"/lectures/{lecture_id}/captions/ky.vtt").status_code == 403


def test_progress_resumes_and_reaches_the_teachers_report(world: World, lecture_id: int) -> None:
    saved = post(world, "student", f"/lectures/{lecture_id}/progress",
                 json={"position": 2.5, "played": [[0, 2.5]]})
    assert saved.status_code == 200 and 0.4 < saved.json()["share"] <= 1.0
    page = get(world, "student", f"/lectures/{lecture_id}").text
    assert '"resume": 2.5' in page
    assert post(world, "student", f"/lectures/{lecture_id}/progress", json={"played": "nonsense"}).status_code == 400
    report = get(world, "teacher", f"/courses/{world.course_id}/lectures/progress")
    assert report.status_code == 200 and "Бакыт Токтогулов" in report.text
    exported = get(world, "teacher", f"/courses/{world.course_id}/lectures/progress.csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    column = rows[0].index(world.lecture(lecture_id).title)
    student = next(r for r in rows if r[1] == "Бакыт Токтогулов")
    assert 40 <= int(student[column]) <= 100
    assert get(world, "student", f"/courses/{world.course_id}/lectures/progress.csv").status_code == 403


def test_csv_cells_cannot_become_formulas(world: World, lecture_id: int) -> None:
    post(world, "teacher", f"/lectures/{lecture_id}/title", data={"title": "=HYPERLINK(\"http://x\")"})
    exported = get(world, "teacher", f"/courses/{world.course_id}/lectures/progress.csv")
    header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert not any(cell.startswith("=") for cell in header)


def test_data_saver_choice_is_remembered(world: World, lecture_id: int) -> None:
    assert post(world, "student", "/me/data-saver", json={"on": False}).json() == {"data_saver": False}
    assert '"data_saver": false' in get(world, "student", f"/lectures/{lecture_id}").text
    post(world, "student", "/me/data-saver", json={"on": True})
    assert '"data_saver": true' in get(world, "student", f"/lectures/{lecture_id}").text


def test_upload_page_offers_three_steps(world: World, lecture_id: int) -> None:
    page = get(world, "teacher", f"/courses/{world.course_id}/lectures/new")
    assert page.status_code == 200 and "vendor/tus.min.js" in page.text
    assert all(step in page.text for step in ("1. Choose", "2. Title", "3. Upload"))
    replace = get(world, "teacher", f"/courses/{world.course_id}/lectures/new?replace={lecture_id}")
    assert replace.status_code == 200 and f'data-lecture="{lecture_id}"' in replace.text
    assert get(world, "student", f"/courses/{world.course_id}/lectures/new").status_code == 403
    assert get(world, "other", f"/courses/{world.course_id}/lectures/new").status_code == 403


def test_teacher_sees_processing_state(world: World, lecture_id: int) -> None:
    state = get(world, "teacher", f"/lectures/{lecture_id}/status.json").json()
    assert state["status"] == "ready" and state["progress"] == 1.0 and not state["failed"]
    page = get(world, "teacher", f"/lectures/{lecture_id}")
    assert "Replace the recording" in page.text and "Attach captions" in page.text
