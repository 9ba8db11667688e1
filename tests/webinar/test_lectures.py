"""A recorded lecture end to end: tus upload → processing job → what students play and download."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import av
import m3u8
import pytest
import requests

from tests.webinar.lecture_world import CLIP_SECONDS, World, get
from webinar.extensions import db
from webinar.models import Job, JobStatus, LectureStatus
from webinar.storage import storage




@pytest.fixture(scope="module")
def lecture_id(world: World, clip: Path) -> int:
    """A lecture uploaded by the teacher and processed by the real job."""
    location = world.upload(clip)
    return int(re.fullmatch(r"/lectures/(\d+)", location).group(1))


def decode_duration(data: bytes, fmt: str | None = None) -> float:
    """Decode every audio frame of a media file held in memory; the end time of the last one."""
    with av.open(io.BytesIO(data), format=fmt) as container:
        stream = container.streams.audio[0]
        end = 0.0
        for frame in container.decode(stream):
            end = max(end, float(frame.time) + frame.samples / frame.sample_rate)
        return end


def test_upload_is_processed_and_published(world: World, lecture_id: int) -> None:
    lecture = world.lecture(lecture_id)
    assert lecture.status == LectureStatus.READY
    assert lecture.title == "Лекция 1"
    assert abs(lecture.duration - CLIP_SECONDS) < 0.5
    assert {"audio", "video", "offline_mp4", "bundle", "slides"} <= set(lecture.manifest)
    with world.app.app_context():
        assert db.session.get(Job, lecture.job_id).status == JobStatus.DONE
        stored = list(storage().list(f"lectures/{lecture_id}/"))
    prefixes = {"/".join(key.split("/")[:3]) for key in stored}
    assert prefixes == {lecture.media_prefix, f"lectures/{lecture_id}/source"}  # nothing half-published


def test_student_page_is_light_and_offers_sized_versions(world: World, lecture_id: int) -> None:
    page = get(world, "student", f"/lectures/{lecture_id}")
    assert page.status_code == 200
    html = page.text
    assert "hls.light" not in re.sub(r'"hls_script": "[^"]+"', "", html)  # hls.js only on request
    assert re.search(r"Audio \+ slides · [\d.]+ MB", html)
    assert re.search(r"240p · [\d.]+ MB", html) or re.search(r"144p · [\d.]+ MB", html)
    assert re.search(r"Small video \(MP4, 240p\) · [\d.]+ MB", html)
    assert len(page.content) < 20_000


def test_audio_tier_plays_progressively_with_byte_ranges(world: World, lecture_id: int) -> None:
    lecture = world.lecture(lecture_id)
    for name in ("audio_opus", "audio_aac"):
        path = f"/lectures/{lecture_id}/media/{lecture.manifest['audio'][name]['path']}"
        whole = get(world, "student", path)
        assert whole.status_code == 200
        assert abs(decode_duration(whole.content) - CLIP_SECONDS) < 0.5
        part = get(world, "student", path, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == whole.content[100:200]
    assert lecture.manifest["audio"]["audio_opus"]["bytes"] < 3_200 * CLIP_SECONDS + 4_000


def test_hls_playlists_parse_and_every_segment_decodes(world: World, lecture_id: int) -> None:
    base = f"/lectures/{lecture_id}/media/"
    master = m3u8.loads(get(world, "student", base + "video.m3u8").text)
    assert master.is_variant and master.playlists
    heights = [p.stream_info.resolution[1] for p in master.playlists]
    assert heights == sorted(heights) and max(heights) <= 360
    for variant in master.playlists:
        playlist = m3u8.loads(get(world, "student", base + variant.uri).text)
        folder = variant.uri.rsplit("/", 1)[0]
        init = get(world, "student", f"{base}{folder}/{playlist.segment_map[0].uri}").content
        body = b"".join(get(world, "student", f"{base}{folder}/{s.uri}").content for s in playlist.segments)
        with av.open(io.BytesIO(init + body)) as container:
            assert container.streams.video and container.streams.audio
            frames = sum(1 for _ in container.decode(video=0))
        assert frames > 0
        assert abs(sum(s.duration for s in playlist.segments) - CLIP_SECONDS) < 0.5


def test_offline_downloads_carry_the_title_and_play(world: World, lecture_id: int) -> None:
    mp4 = get(world, "student", f"/lectures/{lecture_id}/download/mp4")
    assert mp4.status_code == 200
    assert "attachment" in mp4.headers["Content-Disposition"]
    assert abs(decode_duration(mp4.content) - CLIP_SECONDS) < 0.5
    bundle = get(world, "student", f"/lectures/{lecture_id}/download/bundle")
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = archive.namelist()
    assert any(n.endswith("/index.html") for n in names) and any(n.endswith("/audio.m4a") for n in names)


@pytest.mark.parametrize("who, status", [("outsider", 403), ("other", 403), ("admin", 200), ("teacher", 200)])
def test_only_the_course_sees_the_lecture_and_its_media(world: World, lecture_id: int, who: str, status: int) -> None:
    lecture = world.lecture(lecture_id)
    opus = lecture.manifest["audio"]["audio_opus"]["path"]
    for path in (f"/lectures/{lecture_id}", f"/lectures/{lecture_id}/media/{opus}",
                 f"/lectures/{lecture_id}/media/video.m3u8", f"/lectures/{lecture_id}/download/bundle"):
        assert get(world, who, path).status_code == status, path


def test_media_names_cannot_leave_the_lecture(world: World, lecture_id: int) -> None:
    for name in ("../source/r1.mp4", "..%2Fsource%2Fr1.mp4", "%2e%2e/%2e%2e/secret_key", "nope.m3u8"):
        assert get(world, "student", f"/lectures/{lecture_id}/media/{name}").status_code == 404
    with requests.get(f"{world.base}/lectures/{lecture_id}/media/video.m3u8", allow_redirects=False) as anonymous:
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_text_is_compressed_and_media_is_not(world: World, lecture_id: int) -> None:
    lecture = world.lecture(lecture_id)
    opus = f"/lectures/{lecture_id}/media/{lecture.manifest['audio']['audio_opus']['path']}"
    for path, compressed in (("/static/js/player.js", True), (f"/lectures/{lecture_id}", True),
                             (opus, False)):
        response = get(world, "student", path, headers={"Accept-Encoding": "br"})  # as browsers offer
        assert response.status_code == 200
        assert (response.headers.get("Content-Encoding") == "br") is compressed, path
