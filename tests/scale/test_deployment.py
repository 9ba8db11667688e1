"""The scale-out layout for real: the README's block run with test values, two gunicorn instances and
two `flask worker` consumers on PostgreSQL, Redis and moto's S3 over HTTP, behind deploy/nginx with
TLS. Who lands on which instance, and how: tests/scale/site.py.
"""
from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Iterator

import av
import m3u8
import pytest
import requests
from sqlalchemy import func, select

from media.ffmpeg import ffmpeg_binary
from media.live_playlist import parse_live
from tests.media import clips
from tests.media.live_clips import recorder_webm
from tests.scale.clients import PAGE_TOKEN, cookie_of, form_token, session_from, signed_in
from tests.scale.readme import ROOT, scale_out, settings_of, unit_command
from tests.scale.site import A_ADDRESS, Site, requests_of, running_site
from tests.webinar.lecture_world import World
from tests.webinar.live_world import LiveClient
from tests.webinar.test_live_ingest import first_bytes, send, wait_for
from webinar.extensions import db
from webinar.models import Announcement, Job, JobStatus, Lecture, LectureStatus

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
PROCESSING_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str, postgres_base_url: str,
         redis_url: str) -> Iterator[Site]:
    """One deployment for the module: starting it costs about 15 s."""
    with running_site(tmp_path_factory.mktemp("scale"), moto_endpoint, postgres_base_url, redis_url) as running:
        yield running


def test_the_units_and_the_env_file_run_what_the_readme_says() -> None:
    readme = scale_out()
    units = ROOT / "deploy" / "systemd"
    assert readme.named("gunicorn") == [unit_command(units / "aralyk-web@.service", p) for p in ("8001", "8002")]
    assert readme.named("flask")[1:] == [unit_command(units / "aralyk-worker@.service", n) for n in ("1", "2")]
    env_file = (ROOT / "deploy" / "aralyk.env.example").read_text().splitlines()
    assert settings_of(env_file) == readme.settings


def test_static_files_come_from_nginx_with_their_cache_headers(site: Site) -> None:
    from webinar.static_files import _minified, version_of

    version = version_of(site.world.app, "app.css")
    css = ROOT / "webinar" / "static" / "app.css"
    for status in ("MISS", "HIT"):  # an instance answers once, then nginx's cache
        with requests.get(f"{site.base}/static/app.css?v={version}") as hit:
            assert hit.status_code == 200 and hit.headers["Content-Type"].startswith("text/css")
            assert hit.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert hit.headers["X-Content-Type-Options"] == "nosniff" and "Strict-Transport-Security" in hit.headers
            assert hit.content == _minified(css, css.stat().st_mtime_ns)  # as the instances serve it
            assert hit.headers["X-Cache-Status"] == status and "Cookie" not in hit.headers.get("Vary", "")
    with requests.get(f"{site.base}/static/app.css") as unversioned:
        assert unversioned.headers["Cache-Control"] == "no-cache"
    with requests.get(f"{site.deployment.front.http_base}/login", allow_redirects=False) as plain:
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    with requests.get(f"{site.base}/login") as page:  # the app's own headers pass, HSTS once (requests joins repeats)
        assert page.headers["Content-Security-Policy"] and page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "Secure" in page.headers["Set-Cookie"]  # the README's secure cookies, over TLS


def test_a_student_on_a_and_a_teacher_on_b_share_a_webinar(site: Site) -> None:
    world = site.world
    world.session_id = world.new_session("Вебинар A+B", slide_count=3)
    student_http = signed_in(site.base, "student", A_ADDRESS)
    student = LiveClient(site.base, cookie_of(student_http), http_session=student_http)  # A, upgraded to WebSocket
    world.clients.append(student)
    assert student.join(world.session_id)["ok"] and student.sio.transport() == "websocket"
    teacher_http = signed_in(site.base, "teacher", site.b_address)
    teacher = LiveClient(site.base, cookie_of(teacher_http), transports=["polling"],
                         http_session=teacher_http)  # on B; polling, so every request must stick to B
    world.clients.append(teacher)
    assert teacher.join(world.session_id)["ok"]
    assert teacher.call("chat", {"text": "Салам из B"})["ok"]
    assert student.wait_ev("chat")["data"]["text"] == "Салам из B"
    assert teacher.call("slide", {"page": 2}) == {"ok": True, "page": 2}
    assert student.wait_ev("slide")["data"] == {"page": 2}
    assert student.call("chat", {"text": "Салам из A"})["ok"]
    assert teacher.wait(lambda: [e for e in teacher.evs("chat") if e["data"]["text"] == "Салам из A"])
    student_socket = requests_of(site, A_ADDRESS, "/socket.io/")
    teacher_socket = requests_of(site, site.b_address, "/socket.io/")
    assert student_socket and {ln[2] for ln in student_socket} == {site.a}
    assert len(teacher_socket) > 3 and {ln[2] for ln in teacher_socket} == {site.b}  # every poll stuck to B
    world.drop_clients()
    teacher_http.close()
    student_http.close()
    deadline = time.monotonic() + 5  # nginx logs the WebSocket once it closes
    while not any(ln[3] == "101" for ln in requests_of(site, A_ADDRESS, "/socket.io/")):
        assert time.monotonic() < deadline, "the student's WebSocket upgrade never went through nginx"
        time.sleep(0.05)


def test_a_presenter_on_b_is_heard_through_nginx_by_a_listener_on_a(site: Site, tmp_path: Path) -> None:
    world = site.world
    world.session_id = world.new_session("Эфир A+B")
    teacher_http = signed_in(site.base, "teacher", site.b_address)
    teacher = LiveClient(site.base, cookie_of(teacher_http), transports=["polling"], http_session=teacher_http)
    world.clients.append(teacher)
    assert teacher.join(world.session_id)["ok"]
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]  # B encodes; tiers go to S3
    send(teacher, recorder_webm(ffmpeg_binary(), tmp_path / "talk.webm", d=6, video=False).read_bytes())
    student = signed_in(site.base, "student", A_ADDRESS)
    room = f"{site.base}/live/{world.session_id}"
    wait_for(lambda: len(parse_live(student.get(f"{room}/hls/audio/index.m3u8").text)[0]) >= 2)
    heard = first_bytes(student.get(f"{room}/listen", stream=True, timeout=(5, 3)))  # unbuffered by nginx
    with av.open(io.BytesIO(heard)) as container:
        assert len(list(container.decode(audio=0))) > 50
    assert teacher.call("stop_live", {})["ok"]
    world.drop_clients()
    deadline = time.monotonic() + 5
    while not (listened := requests_of(site, A_ADDRESS, f"/live/{world.session_id}/listen")):
        assert time.monotonic() < deadline, "no /listen line in nginx's log"
        time.sleep(0.05)
    assert {ln[2] for ln in listened} == {site.a}  # heard on A what B encoded
    student.close()
    teacher_http.close()


def _lecture_id(location: str) -> int:
    return int(re.fullmatch(r"/lectures/(\d+)", location).group(1))


def _processed(site: Site, lecture_id: int) -> Lecture:
    """The lecture once its job has finished (done or failed), which is after it was published."""
    deadline = time.monotonic() + PROCESSING_TIMEOUT
    while time.monotonic() < deadline:
        lecture = site.world.row(Lecture, lecture_id)
        if site.world.row(Job, lecture.job_id).status in (JobStatus.DONE, JobStatus.FAILED):
            return lecture
        time.sleep(0.3)
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in site.deployment.front.prefix.parent.glob("*.log"))
    raise AssertionError(f"lecture {lecture_id} still {lecture.status}:\n{logs}")


def test_an_upload_through_a_is_processed_once_by_a_consumer_and_plays_through_b(
        site: Site, tmp_path: Path, moto_endpoint: str) -> None:
    clip = clips.lecture_mp4(ffmpeg_binary(), tmp_path / "Лекция.mp4", d=3)
    teacher = signed_in(site.base, "teacher", A_ADDRESS)
    token = form_token(teacher, f"{site.base}/", PAGE_TOKEN)
    uploads = World(site.world.app, site.base, site.world.course_id, {"teacher": teacher},
                    {"X-CSRFToken": token, "Referer": f"{site.base}/"})  # as the upload page's script sends them
    lecture_id = _lecture_id(uploads.upload(clip, title="Масштаб"))
    patches = requests_of(site, A_ADDRESS, "/uploads/")
    assert patches and {ln[2] for ln in patches} == {site.a}  # tus: creation and every PATCH on A
    lecture = _processed(site, lecture_id)
    assert lecture.status == LectureStatus.READY, lecture.error_code
    _check_processed_once(site, lecture_id)

    student = signed_in(site.base, "student", site.b_address)
    with student.get(f"{site.base}/lectures/{lecture_id}") as page:
        assert page.status_code == 200 and moto_endpoint in page.headers["Content-Security-Policy"]
    with student.get(f"{site.base}/lectures/{lecture_id}/media/video.m3u8", allow_redirects=False) as hop:
        assert hop.status_code == 302 and hop.headers["Location"].startswith(moto_endpoint + "/")
        assert "X-Amz-Signature" in hop.headers["Location"] and hop.headers["Cache-Control"].startswith("private")
    master = m3u8.loads(student.get(f"{site.base}/lectures/{lecture_id}/media/video.m3u8").text)
    variant = master.playlists[0].uri
    playlist = m3u8.loads(student.get(f"{site.base}/lectures/{lecture_id}/media/{variant}").text)
    folder = variant.rsplit("/", 1)[0]
    names = [playlist.segment_map[0].uri, playlist.segments[0].uri]
    body = b"".join(student.get(f"{site.base}/lectures/{lecture_id}/media/{folder}/{n}").content for n in names)
    with av.open(io.BytesIO(body)) as container:
        assert sum(1 for _ in container.decode(video=0)) > 0
    ranged = student.get(f"{site.base}/lectures/{lecture_id}/download/mp4", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100 and ranged.content[4:8] == b"ftyp"
    played = requests_of(site, site.b_address, f"/lectures/{lecture_id}")
    assert len(played) >= 5 and {ln[2] for ln in played} == {site.b}
    student.close()
    teacher.close()


def _check_processed_once(site: Site, lecture_id: int) -> None:
    """One job, one attempt, done by one of the two consumers; one announcement; one set of files."""
    app = site.world.app
    with app.app_context():
        jobs = [j for j in db.session.scalars(select(Job).where(Job.kind == "lecture_process"))
                if j.payload.get("lecture_id") == lecture_id]
        assert len(jobs) == 1 and jobs[0].attempts == 1, [(j.id, j.attempts, j.status) for j in jobs]
        worker_pids = {str(p.pid) for p in site.deployment.workers}
        assert jobs[0].lease_owner and jobs[0].lease_owner.split(":")[1] in worker_pids, jobs[0].lease_owner
        announced = db.session.scalar(select(func.count()).select_from(Announcement)
                                      .where(Announcement.lecture_id == lecture_id))
        assert announced == 1
        store = app.extensions["aralyk.storage"]
        runs = {"/".join(k.split("/")[:3]) for k in store.list(f"lectures/{lecture_id}/")} - \
            {f"lectures/{lecture_id}/source"}
        assert len(runs) == 1, runs


def test_the_login_limit_counts_each_client_not_nginx(site: Site) -> None:
    flooder = session_from("127.0.200.1", site.base)  # guesses at an account nobody else signs in to
    wrong = {"username": "outsider", "password": "wrong", "csrf_token": form_token(flooder, f"{site.base}/login")}
    codes = [flooder.post(f"{site.base}/login", data=wrong).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    signed_in(site.base, "student2", A_ADDRESS).close()  # another client, through the same nginx: let in
    flooder.close()
