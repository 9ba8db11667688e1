"""The /live namespace with real python-socketio clients against a real server."""
from __future__ import annotations

from tests.webinar.live_world import LiveWorld


def test_join_answers_with_the_snapshot(live: LiveWorld) -> None:
    teacher, ack = live.join("teacher")
    assert ack["snapshot"] is True and ack["seq"] == 0
    assert ack["you"] == {"id": live.users["teacher"], "name": "Айгүл Асанова", "teacher": True, "muted": False,
                          "hand": False}
    assert ack["session"]["id"] == live.session_id and ack["session"]["status"] == "scheduled"
    assert ack["chat"] == [] and ack["online"] == 1
    student, ack = live.join("student")
    assert ack["you"]["teacher"] is False and ack["online"] == 2
    assert teacher.wait(lambda: {"online": 2} in teacher.of("presence"))
