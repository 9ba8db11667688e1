"""The /live core with real python-socketio clients against a real server: join, chat, moderation, end."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import socketio
from sqlalchemy import select

from tests.webinar.live_world import LiveWorld, another_app
from webinar.extensions import db
from webinar.live.room import EVENTS
from webinar.models import ChatMessage, LiveSession, LiveStatus, Participant
from webinar.models.base import utcnow

NOT_UNDERSTOOD = "The request was not understood."
TEACHER_ONLY = "Only the teacher can do this."


def chats(live: LiveWorld) -> list[ChatMessage]:
    """The session's chat rows, in order."""
    with live.app.app_context():
        rows = db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == live.session_id)
                                  .order_by(ChatMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_join_answers_with_the_snapshot(live: LiveWorld) -> None:
    teacher, ack = live.join("teacher")
    assert ack["snapshot"] is True and ack["seq"] == 0
    assert ack["you"] == {"id": live.users["teacher"], "name": "Айгүл Асанова", "teacher": True, "muted": False,
                          "hand": False}
    assert ack["session"]["id"] == live.session_id and ack["session"]["status"] == "scheduled"
    assert ack["chat"] == [] and ack["online"] == 1
    assert {"questions", "poll", "hands"} <= ack.keys()
    assert teacher.call("chat", {"text": "Добро пожаловать"})["ok"]
    student, ack = live.join("student")
    assert ack["you"]["teacher"] is False and ack["online"] == 2
    assert [(m["name"], m["text"]) for m in ack["chat"]] == [("Айгүл Асанова", "Добро пожаловать")]
    assert ack["seq"] == teacher.evs("chat")[0]["seq"]
    assert teacher.wait(lambda: {"online": 2} in teacher.of("presence"))
    student.disconnect()
    assert teacher.wait(lambda: teacher.of("presence")[-1] == {"online": 1})


def test_chat_reaches_everyone_in_order_with_increasing_seq(live: LiveWorld) -> None:
    people = ["teacher", "student", "student2", "student3"]
    clients = {who: live.join(who)[0] for who in people}
    sent = []
    for round_ in range(2):
        for who, client in clients.items():
            text = f"{who} #{round_}"
            ack = client.call("chat", {"text": text})
            assert ack["ok"] and isinstance(ack["id"], int)
            sent.append((live.users[who], text, ack["id"]))
    for client in clients.values():
        evs = client.wait(lambda c=client: len(c.evs("chat")) == len(sent) and c.evs("chat"))
        assert [(e["data"]["user"], e["data"]["text"], e["data"]["id"]) for e in evs] == sent
        assert [e["seq"] for e in evs] == list(range(1, len(sent) + 1))  # per session: no gaps
        assert all(e["t"] >= 0 for e in evs)
    assert [m.text for m in chats(live)] == [text for _, text, _ in sent]


def test_html_in_chat_and_names_is_stored_raw_and_sent_as_data(live: LiveWorld) -> None:
    name = '<img src=x onerror="alert(1)">Асан'
    live.add_student("html-name", name)
    teacher, _ = live.join("teacher")
    student, _ = live.join("html-name")
    text = "<script>alert('x')</script> <b>жирный</b> & \"кавычки\""
    assert student.call("chat", {"text": text})["ok"]
    ev = teacher.wait_ev("chat")
    assert ev["data"]["text"] == text and ev["data"]["name"] == name
    assert [m.text for m in chats(live)] == [text]
    _, ack = live.join("student")
    assert ack["chat"][0]["text"] == text and ack["chat"][0]["name"] == name


@pytest.mark.parametrize("event, payload, error", [
    ("chat", {"text": "я" * 501}, "A message can be at most 500 characters."),
    ("chat", {"text": "x" * 5000}, "The message is too long."),
    ("chat", {"text": "   \n\t "}, "Write a message first."),
    ("chat", {"text": "\x00\x07"}, "Write a message first."),
    ("chat", {"text": 42}, NOT_UNDERSTOOD),
    ("chat", {"message": "hi"}, NOT_UNDERSTOOD),
    ("chat", "hi", NOT_UNDERSTOOD),
    ("chat", ["hi"], NOT_UNDERSTOOD),
    ("chat", None, NOT_UNDERSTOOD),
    ("chat", b"\x00binary", NOT_UNDERSTOOD),
    ("chat", {"text": {"$ne": ""}}, NOT_UNDERSTOOD),
    ("catch_up", {"since": "1 OR 1"}, NOT_UNDERSTOOD),
    ("join", {"session": "1"}, NOT_UNDERSTOOD),
    ("join", {"session": True}, NOT_UNDERSTOOD),
    ("join", {"session": 10**9}, "This webinar is not open to you."),
])
def test_bad_payloads_are_refused_with_a_sentence_and_lose_nothing(live: LiveWorld, event: str, payload: object,
                                                                   error: str) -> None:
    student, _ = live.join("student")
    assert student.call("chat", {"text": "before"})["ok"]
    assert student.call(event, payload) == {"ok": False, "error": error}
    assert student.call("chat", {"text": "after"})["ok"]  # the socket is still seated and works
    assert [m.text for m in chats(live)] == ["before", "after"]


def test_a_message_of_500_characters_after_stripping_is_taken(live: LiveWorld) -> None:
    student, _ = live.join("student")
    assert student.call("chat", {"text": "  " + "я" * 500 + "\n "})["ok"]
    assert chats(live)[0].text == "я" * 500


def test_students_wait_for_the_lobby_teachers_do_not(live: LiveWorld) -> None:
    live.session_id = live.new_session("Завтра", starts_at=utcnow() + timedelta(hours=1))
    student = live.connect("student")
    refusal = student.join(live.session_id)
    assert refusal["ok"] is False
    assert re.fullmatch(r"You can join from \d\d:\d\d, a little before the start\.", refusal["error"])
    assert live.join("teacher")[1]["session"]["status"] == "scheduled"
    soon = live.new_session("Скоро", starts_at=utcnow() + timedelta(minutes=10))
    assert student.join(soon)["ok"]


def test_a_reconnect_loop_is_slowed_down(live: LiveWorld) -> None:
    client = live.connect("student3")
    answers = [client.join(live.session_id) for _ in range(31)]
    assert all(answer["ok"] for answer in answers[:30])
    assert answers[30]["ok"] is False and answers[30]["error"].startswith("Too fast: wait")


def test_anonymous_cannot_connect(live: LiveWorld) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        live.connect(None)


@pytest.mark.parametrize("who", ["outsider", "other"])
def test_people_of_other_courses_cannot_join_or_emit(live: LiveWorld, who: str) -> None:
    teacher, _ = live.join("teacher")
    client = live.connect(who)
    assert client.join(live.session_id) == {"ok": False, "error": "This webinar is not open to you."}
    for event, needs in sorted(EVENTS.items()):
        if needs != "unseated":
            assert client.call(event, {}) == {"ok": False, "error": "Join the webinar first."}, event
    assert client.call("chat", {"text": "spam"})["ok"] is False
    assert chats(live) == [] and teacher.evs() == []
    with live.app.app_context():
        assert db.session.get(Participant, (live.session_id, live.users[who])) is None


def test_a_seat_in_one_session_gives_nothing_in_another(live: LiveWorld) -> None:
    mine = live.session_id
    live.session_id = live.new_session("Другой")
    student, _ = live.join("student", session_id=mine)
    watcher, _ = live.join("teacher")  # in the other session
    assert student.call("chat", {"text": "here"})["ok"]
    assert watcher.call("chat", {"text": "there"})["ok"]
    assert [e["data"]["text"] for e in watcher.wait(lambda: watcher.evs())] == ["there"]
    assert [(e["seq"], e["data"]["text"]) for e in student.evs()] == [(1, "here")]  # numbered per session
    assert watcher.evs()[0]["seq"] == 1


def test_students_cannot_do_what_teachers_do(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    live.join("student2")
    message_id = student.call("chat", {"text": "мой"})["id"]
    for event, payload in [("chat_delete", {"id": message_id}), ("mute", {"user": live.users["student2"],
                           "muted": True}), ("remove", {"user": live.users["student2"]}), ("end", {})]:
        assert student.call(event, payload) == {"ok": False, "error": TEACHER_ONLY}, event
    for event, who in EVENTS.items():
        if who in ("teacher", "presenter"):
            assert student.call(event, {})["error"] == TEACHER_ONLY, event
    assert not chats(live)[0].deleted
    participant = live.row(Participant, (live.session_id, live.users["student2"]))
    assert not participant.muted and not participant.removed
    assert live.row(LiveSession, live.session_id).status != LiveStatus.ENDED
    assert teacher.call("chat", {"text": "ok"})["ok"]


def test_the_sixth_message_in_ten_seconds_is_refused(live: LiveWorld) -> None:
    student, _ = live.join("student3")
    for n in range(5):
        assert student.call("chat", {"text": f"{n}"})["ok"], n
    refusal = student.call("chat", {"text": "6"})
    assert refusal["ok"] is False and refusal["error"].startswith("Too fast: wait")
    other, _ = live.join("student2")
    assert other.call("chat", {"text": "мне можно"})["ok"]  # the limit is per person
    assert [m.text for m in chats(live)] == ["0", "1", "2", "3", "4", "мне можно"]


def test_a_teacher_deletes_a_message_for_everyone(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    message_id = student.call("chat", {"text": "плохое слово"})["id"]
    assert teacher.call("chat_delete", {"id": message_id}) == {"ok": True}
    assert student.wait_ev("chat_deleted")["data"] == {"id": message_id}
    assert teacher.call("chat_delete", {"id": 10**9}) == {"ok": False, "error": "This message does not exist."}
    _, ack = live.join("student2")
    assert ack["chat"] == [{"id": message_id, "user": live.users["student"], "name": "Бакыт Токтогулов",
                            "text": "", "t": ack["chat"][0]["t"], "deleted": True}]
    assert chats(live)[0].deleted and chats(live)[0].text == "плохое слово"  # kept for the reports


def test_a_muted_student_cannot_chat_until_unmuted(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    assert teacher.call("mute", {"user": live.users["student"], "muted": True}) == {"ok": True}
    assert student.wait_ev("muted")["data"] == {"user": live.users["student"], "muted": True}
    assert student.call("chat", {"text": "ну пожалуйста"}) == {
        "ok": False, "error": "The teacher turned off your chat and questions."}
    assert live.join("student")[1]["you"]["muted"] is True
    assert teacher.call("mute", {"user": live.users["teacher"], "muted": True})["ok"] is False
    assert teacher.call("mute", {"user": live.users["student3"], "muted": True}) == {
        "ok": False, "error": "This person has not joined the webinar."}
    assert teacher.call("mute", {"user": live.users["student"], "muted": False})["ok"]
    assert student.call("chat", {"text": "спасибо"})["ok"]
    assert [m.text for m in chats(live)] == ["спасибо"]


def test_a_removed_student_is_disconnected_and_cannot_come_back(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    second_tab, _ = live.join("student")
    classmate, _ = live.join("student2")
    assert teacher.call("remove", {"user": live.users["student"]}) == {"ok": True}
    assert classmate.wait_ev("removed")["data"] == {"user": live.users["student"]}
    assert student.wait_gone() and second_tab.wait_gone()
    assert student.evs("removed")
    assert teacher.call("remove", {"user": live.users["teacher"]})["ok"] is False
    again = live.connect("student")
    assert again.join(live.session_id) == {"ok": False, "error": "The teacher removed you from this webinar."}
    assert again.call("chat", {"text": "я вернулся"}) == {"ok": False, "error": "Join the webinar first."}
    assert classmate.call("chat", {"text": "still here"})["ok"]
    assert [m.text for m in chats(live)] == ["still here"]
    assert teacher.wait(lambda: teacher.of("presence")[-1] == {"online": 2})


def test_a_client_that_dropped_catches_up_with_exactly_what_it_missed(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    classmate, _ = live.join("student2")
    student, _ = live.join("student")
    assert classmate.call("chat", {"text": "до обрыва"})["ok"]
    seen = student.wait_ev("chat")["seq"]
    student.drop()
    missed = [classmate.call("chat", {"text": "пока тебя не было"})["id"], teacher.call("chat", {"text": "ещё"})["id"]]
    assert teacher.call("chat_delete", {"id": missed[0]})["ok"]
    teacher.call("mute", {"user": live.users["student2"], "muted": True})
    expected = teacher.wait(lambda: len(teacher.evs()) == 5 and teacher.evs())[1:]

    back, ack = live.join("student", since=seen)
    assert ack["snapshot"] is False and ack["events"] == expected
    assert ack["seq"] == expected[-1]["seq"] and ack["you"]["muted"] is False
    assert back.call("catch_up", {"since": expected[1]["seq"]})["events"] == expected[2:]
    nothing_new = back.call("catch_up", {"since": ack["seq"]})
    assert nothing_new["ok"] and nothing_new["events"] == [] and nothing_new["seq"] == ack["seq"]
    assert live.join("student", since=10**9)[1]["snapshot"] is True  # a seq from elsewhere: start over


def test_a_client_too_far_behind_gets_a_snapshot(live: LiveWorld) -> None:
    from webinar.live import state
    teacher, _ = live.join("teacher")
    for n in range(4):
        assert teacher.call("chat", {"text": f"{n}"})["ok"]
    with live.app.test_request_context():
        session = db.session.get(LiveSession, live.session_id)
        first = teacher.evs()[0]["seq"]
        assert len(state.events_since(session, first - 1, limit=4)) == 4
        assert state.events_since(session, first - 1, limit=3) is None


def test_a_restarted_server_still_has_the_chat(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    assert teacher.call("chat", {"text": "переживёт перезапуск"})["ok"]
    teacher.disconnect()
    with another_app(dict(live.app.config)) as (restarted, base):
        client = live.connect("student", base=base)
        ack = client.join(live.session_id)
        assert [m["text"] for m in ack["chat"]] == ["переживёт перезапуск"]
        assert ack["seq"] == teacher.evs("chat")[0]["seq"]
        client.disconnect()


def test_ending_tells_everyone_and_refuses_what_comes_after(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    ack = teacher.call("end", {})
    assert ack["ok"] and "lecture_url" in ack
    assert student.wait_ev("ended")["data"] == {"lecture_url": ack["lecture_url"]}
    session = live.row(LiveSession, live.session_id)
    assert session.status == LiveStatus.ENDED and session.ended_at is not None
    assert student.call("chat", {"text": "ещё вопрос"}) == {"ok": False, "error": "This webinar has ended."}
    assert teacher.call("end", {}) == {"ok": False, "error": "This webinar has ended."}
    _, again = live.join("student2")
    assert again["session"]["status"] == "ended"
