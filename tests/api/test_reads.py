"""The API's reads, per role: what each person sees, and what they are refused."""
from __future__ import annotations

from typing import Callable

import pytest
from flask.testing import FlaskClient

from tests.api.api_world import Ids

Person = Callable[[str], FlaskClient]


def get(client: FlaskClient, path: str, status: int = 200) -> dict:
    """GET a JSON answer and check its status."""
    response = client.get(path)
    assert (response.status_code, response.mimetype) == (status, "application/json"), response.data[:300]
    return response.get_json()


def test_me_tells_who_is_signed_in_with_the_token_for_writes(as_person: Person, ids: Ids) -> None:
    me = get(as_person("student"), "/api/v1/me")
    assert (me["id"], me["username"], me["role"]) == (ids.users["student"], "student", "student")
    assert [g["name"] for g in me["groups"]] == ["ПИ-1-23"]
    assert me["unread_announcements"] == 2 and len(me["csrf_token"]) > 20


@pytest.mark.parametrize("who, titles", [("student", ["Физика"]), ("teacher", ["Физика"]), ("outsider", ["Химия"]),
                                         ("other", ["Химия"]), ("admin", ["Физика", "Химия"])])
def test_each_person_lists_their_own_courses(as_person: Person, ids: Ids, who: str, titles: list[str]) -> None:
    items = get(as_person(who), "/api/v1/courses")["items"]
    assert sorted(c["title"] for c in items) == titles
    assert all(c["can_manage"] == (who in ("teacher", "other", "admin")) for c in items)


def test_a_course_is_refused_to_people_outside_it(as_person: Person, ids: Ids) -> None:
    course = get(as_person("student"), f"/api/v1/courses/{ids.course}")
    assert (course["teachers"], course["assessment"]) == (["Айгүл Асанова"], "exam")
    for who in ("outsider", "other"):
        for tail in ("", "/lectures", "/webinars", "/materials"):
            body = get(as_person(who), f"/api/v1/courses/{ids.course}{tail}", 403)
            assert body["error"]["code"] == "forbidden"
    assert get(as_person("student"), "/api/v1/courses/999999", 404)["error"]["code"] == "not_found"


def test_students_get_visible_playable_lectures_and_teachers_all(as_person: Person, ids: Ids) -> None:
    seen = get(as_person("student"), f"/api/v1/courses/{ids.course}/lectures")["items"]
    assert [(x["id"], x["progress"]) for x in seen] == [(ids.lecture, {"position": 12.5, "share": 0.25})]
    managed = get(as_person("teacher"), f"/api/v1/courses/{ids.course}/lectures")["items"]
    assert [(x["id"], x["visible"], x["playable"]) for x in managed] == [
        (ids.lecture, True, True), (ids.hidden, False, True), (ids.processing, True, False)]
    for lecture in (ids.hidden, ids.processing):
        assert get(as_person("student"), f"/api/v1/lectures/{lecture}", 404)["error"]["code"] == "not_found"
    assert get(as_person("student"), f"/api/v1/lectures/{ids.other_lecture}", 403)["error"]["code"] == "forbidden"


def test_a_lecture_lists_each_version_with_its_size(as_person: Person, ids: Ids) -> None:
    lecture = get(as_person("student"), f"/api/v1/lectures/{ids.lecture}")
    assert [(v["id"], v["bytes"]) for v in lecture["versions"]] == [
        ("saver", 180_000 + 16_000 + 14_000), ("level-0", 700_000), ("level-1", 1_300_000)]
    assert [(a["format"], a["bytes"]) for a in lecture["audio"]] == [("opus", 180_000), ("aac", 240_000)]
    assert [s["t"] for s in lecture["slides"]] == [0.0, 31.5]
    assert [(d["kind"], d["bytes"]) for d in lecture["downloads"]] == [("mp4", 1_250_000), ("bundle", 220_000)]
    assert lecture["captions"][0]["lang"] == "ky"
    assert lecture["progress"]["position"] == 12.5
    processing = get(as_person("teacher"), f"/api/v1/lectures/{ids.processing}")
    assert (processing["versions"], processing["audio"], processing["video_playlist"]) == ([], [], None)


def media_links(lecture: dict) -> list[str]:
    """Every link a lecture answer holds."""
    return ([a["url"] for a in lecture["audio"]] + [s["url"] for s in lecture["slides"]] + [lecture["video_playlist"]]
            + [c["url"] for c in lecture["captions"]] + [d["url"] for d in lecture["downloads"]])


def test_media_links_go_through_the_authorized_routes(as_person: Person, ids: Ids) -> None:
    student, outsider = as_person("student"), as_person("outsider")
    links = media_links(get(student, f"/api/v1/lectures/{ids.lecture}"))
    assert len(links) == 2 + 2 + 1 + 1 + 2
    for link in links:
        assert link.startswith(f"/lectures/{ids.lecture}/"), link
        for client, status in ((student, 200), (outsider, 403)):
            with client.get(link) as response:
                assert response.status_code == status, link


def test_webinars_of_a_course_soonest_first(as_person: Person, ids: Ids) -> None:
    items = get(as_person("student"), f"/api/v1/courses/{ids.course}/webinars")["items"]
    assert [(w["id"], w["status"], w["replay_lecture_id"]) for w in items] == [
        (ids.held, "ended", ids.lecture), (ids.webinar, "scheduled", None)]
    assert items[1]["lobby_open"] is False and items[1]["page_url"] == f"/live/{ids.webinar}"
    assert items[1]["starts_at"].endswith("Z") and items[1]["lobby_opens_at"] < items[1]["starts_at"]


def test_materials_by_section_with_the_current_version(as_person: Person, ids: Ids) -> None:
    sections = get(as_person("student"), f"/api/v1/courses/{ids.course}/materials")["items"]
    assert [s["title"] for s in sections] == ["Лекциялардын конспекттери"]
    (material,) = sections[0]["materials"]
    assert (material["version"], material["filename"], material["bytes"], material["kind"]) == (
        2, "Конспект v2.pdf", 240_002, "pdf")
    assert material["download_url"] == f"/materials/{ids.material}/download"
    assert material["pages_url"] == f"/materials/{ids.material}/pages"


def test_announcements_a_page_at_a_time(as_person: Person, ids: Ids) -> None:
    student = as_person("student")
    page = get(student, "/api/v1/announcements")
    assert [(a["kind"], a["unread"]) for a in page["items"]] == [("lecture", True), ("manual", True)]
    assert page["items"][0]["title"] == "New lecture: Лекция 1: Ньютон"
    assert page["items"][1]["due_on"] and page["has_more"] is False
    assert get(student, "/api/v1/announcements?page=2")["items"] == []
    assert get(student, "/api/v1/me")["unread_announcements"] == 2, "reading the list marks nothing"
    assert get(as_person("outsider"), "/api/v1/announcements")["items"] == []
    assert [a["unread"] for a in get(as_person("teacher"), "/api/v1/announcements")["items"]] == [False, False]


def test_an_unchanged_answer_costs_a_304_without_a_body(as_person: Person, ids: Ids) -> None:
    student = as_person("student")
    for encoding in ("identity", "gzip"):
        first = student.get(f"/api/v1/lectures/{ids.lecture}", headers={"Accept-Encoding": encoding})
        assert first.headers["Cache-Control"] == "private, no-cache" and first.headers["ETag"]
        assert first.headers.get("Content-Encoding", "identity") == encoding
        again = student.get(f"/api/v1/lectures/{ids.lecture}",
                            headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]})
        assert (again.status_code, again.data) == (304, b""), encoding
    refused = student.get(f"/api/v1/courses/{ids.other_course}")
    assert refused.headers["Cache-Control"] == "no-store" and "ETag" not in refused.headers
