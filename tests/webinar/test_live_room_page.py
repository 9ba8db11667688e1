"""The live room page: who may open it, when, and what it carries (the browser test plays it)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from tests.webinar.live_world import LiveWorld
from webinar.extensions import db
from webinar.models import LiveSession, LiveStatus
from webinar.models.base import utcnow


def room(live: LiveWorld, who: str, session_id: int | None = None, language: str = "en"):
    """GET the room as who (redirects not followed)."""
    url = f"{live.base}/live/{session_id or live.session_id}/room"
    with live.sign_in(who).get(url, allow_redirects=False, headers={"Accept-Language": language}) as response:
        response.content  # noqa: B018  (read it all before the connection goes back)
        return response


def config_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="room-config">(.*?)</script>', page, re.DOTALL)
    assert found, "the page embeds its config"
    return json.loads(found.group(1))


def test_a_student_gets_the_room_without_the_presenter_script(live: LiveWorld) -> None:
    response = room(live, "student")
    assert response.status_code == 200
    config = config_of(response.text)
    assert config["session"] == live.session_id and config["teacher"] is False
    assert "present_script" not in config and "present_strings" not in config
    assert "present.js" not in response.text and 'id="go-live"' not in response.text
    assert "/vendor/socket.io.min.js?v=" in config["socket_script"]  # versioned: cached for good
    assert all("?v=" in url for url in config["modules"].values()) and "present_media" not in config["modules"]
    assert "hls" not in " ".join(re.findall(r'<script[^>]*src="([^"]+)"', response.text))  # video is on request
    assert config["back_url"] == f"/live/{live.session_id}"
    assert config["on_air"] is False and config["audio_url"] == f"/live/{live.session_id}/listen"
    assert "/js/live.js?v=" in response.text and "data-listen-now" not in response.text


def test_when_the_teacher_is_on_air_the_page_says_so_so_the_sound_starts_before_the_socket(live: LiveWorld) -> None:
    live.start()
    with live.app.app_context():
        db.session.get(LiveSession, live.session_id).presenter_id = live.users["teacher"]
        db.session.commit()
    page = room(live, "student").text
    assert config_of(page)["on_air"] is True
    # the stream is preloaded from the head and the listen module runs first, on its own; the rest
    # of the room (live.js, then Socket.IO) is imported by it once the sound plays
    listen = f"/live/{live.session_id}/listen"
    assert page.index(f'<link rel="preload" href="{listen}" as="fetch" crossorigin>') < page.index("<body")
    assert f'data-listen-now="{listen}"' in page and re.search(r'data-room="/static/js/live\.js\?v=\w+"', page)
    scripts = re.findall(r'<script type="module"[^>]*src="([^"]+)"', page)
    assert len(scripts) == 1 and "/js/live-listen.js?v=" in scripts[0]
    assert "/js/app.js" not in page  # none of its hooks are in the room


def test_the_teacher_gets_the_presenter_controls(live: LiveWorld) -> None:
    response = room(live, "teacher")
    config = config_of(response.text)
    assert config["teacher"] is True and "/js/present.js?v=" in config["present_script"]
    assert "/js/present-media.js?v=" in config["modules"]["present_media"]
    assert "microphone" in config["present_strings"]["no_mic"]
    assert 'id="go-live"' in response.text and 'id="audio"' not in response.text  # no echo of oneself
    assert 'rel="preload"' not in response.text and "/js/live.js?v=" in response.text


@pytest.mark.parametrize("who, status", [("outsider", 403), ("other", 403)])
def test_people_of_other_courses_are_refused(live: LiveWorld, who: str, status: int) -> None:
    assert room(live, who).status_code == status


def test_missing_sessions_are_not_found(live: LiveWorld) -> None:
    assert room(live, "student", session_id=999_999).status_code == 404


def test_strangers_are_sent_to_sign_in(live: LiveWorld) -> None:
    with live.app.test_client() as anonymous:
        response = anonymous.get(f"/live/{live.session_id}/room")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_before_the_lobby_opens_students_go_to_the_session_page_and_teachers_may_prepare(live: LiveWorld) -> None:
    later = live.new_session("Завтра", starts_at=utcnow() + timedelta(days=1))
    response = room(live, "student", session_id=later)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/live/{later}")
    assert room(live, "teacher", session_id=later).status_code == 200


def test_an_ended_session_sends_everyone_to_its_page(live: LiveWorld) -> None:
    ended = live.new_session("Было", status=LiveStatus.ENDED)
    for who in ("student", "teacher"):
        response = room(live, who, session_id=ended)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/live/{ended}")
