"""Q&A, raised hands, polls, slides and reactions over real Socket.IO clients against a served app."""
from __future__ import annotations

import time

import pytest

from tests.webinar.live_world import LiveClient, LiveWorld
from webinar.extensions import db
from webinar.models import LiveEvent, LiveSession, Participant, Poll, PollAnswer, Question

ONLY_TEACHER = "Only the teacher can do this."
CYRILLIC = "Ж"


def refused(ack: dict, *words: str) -> bool:
    """Whether the ack is a refusal whose sentence holds every word."""
    return ack.get("ok") is False and all(word in ack["error"] for word in words)


def at_most(began: float) -> int:
    """Broadcasts allowed since began when they are coalesced to one a second (a busy machine is slow)."""
    return int(time.monotonic() - began) + 2


def drop_link(client: LiveClient) -> None:
    """Cut the connection the way a lost link does: no goodbye packet, the server just stops hearing it."""
    eio = client.sio.eio
    if eio.current_transport == "websocket":
        eio.ws.close()
    else:
        eio.disconnect(abort=True)
    assert client.wait_gone()


def set_row(world: LiveWorld, model: type, ident: object, **values: object) -> None:
    """Change a row directly (what another part, e.g. the PDF renderer, would have done)."""
    with world.app.app_context():
        row = db.session.get(model, ident)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()


def test_ask_upvote_and_answer(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    student2, _ = live.join("student2")
    asked = student.call("ask", {"text": "  Что такое импульс?  "})
    assert asked["ok"], asked
    got = teacher.wait_ev("question")["data"]
    assert got == {"id": asked["id"], "name": "Бакыт Токтогулов", "text": "Что такое импульс?", "votes": 0}

    assert student2.call("upvote", {"id": asked["id"]}) == {"ok": True, "votes": 1}
    assert teacher.call("upvote", {"id": asked["id"]}) == {"ok": True, "votes": 2}
    assert refused(student2.call("upvote", {"id": asked["id"]}), "already")
    assert refused(student.call("upvote", {"id": asked["id"]}), "own")
    assert refused(student.call("upvote", {"id": 10**6}), "not in this webinar")
    assert student.wait(lambda: any(e["data"]["votes"] == 2 for e in student.evs("question_votes")))

    assert refused(student2.call("answered", {"id": asked["id"]}), ONLY_TEACHER)
    assert teacher.call("answered", {"id": asked["id"]})["ok"]
    assert student2.wait_ev("question_answered")["data"] == {"id": asked["id"]}
    row = live.row(Question, asked["id"])
    assert (row.votes, row.answered, row.text) == (2, True, "Что такое импульс?")

    _, ack = live.join("student2")
    assert ack["questions"] == [{"id": asked["id"], "name": "Бакыт Токтогулов", "text": "Что такое импульс?",
                                 "votes": 2, "answered": True, "mine": False, "voted": True}]


def test_a_question_of_another_webinar_cannot_be_touched(live: LiveWorld) -> None:
    student, _ = live.join("student")
    asked = student.call("ask", {"text": "Here?"})
    other_session = live.new_session("Другой")
    teacher, _ = live.join("teacher", other_session)
    student2, _ = live.join("student2", other_session)
    assert refused(student2.call("upvote", {"id": asked["id"]}), "not in this webinar")
    assert refused(teacher.call("answered", {"id": asked["id"]}), "not in this webinar")
    outsider = live.connect("outsider")
    assert not outsider.join(live.session_id)["ok"]
    assert refused(outsider.call("upvote", {"id": asked["id"]}), "Join the webinar first")
    assert refused(outsider.call("ask", {"text": "Let me in"}), "Join the webinar first")
    assert live.row(Question, asked["id"]).votes == 0


@pytest.mark.parametrize("payload, words", [
    ({"text": "   "}, ("Write your question",)),
    ({"text": "я" * 301}, ("300",)),
    ({"text": 42}, ("not understood",)),
    (["text"], ("not understood",)),
])
def test_bad_questions_are_refused_and_nothing_is_kept(live: LiveWorld, payload: object, words: tuple) -> None:
    student, _ = live.join("student")
    assert refused(student.call("ask", payload), *words)
    assert student.call("ask", {"text": "я" * 300})["ok"]  # the longest allowed, in Cyrillic
    with live.app.app_context():
        assert db.session.query(Question).filter_by(session_id=live.session_id).count() == 1


def test_questions_are_rate_limited_and_muted_people_cannot_ask(live: LiveWorld) -> None:
    student, _ = live.join("student")
    for n in range(3):
        assert student.call("ask", {"text": f"Вопрос {n}"})["ok"]
    assert refused(student.call("ask", {"text": "One more"}), "Too fast", "s and try again")
    student2, _ = live.join("student2")  # the limit is per person
    assert student2.call("ask", {"text": "Мой вопрос"})["ok"]
    set_row(live, Participant, (live.session_id, live.users["student2"]), muted=True)
    assert refused(student2.call("ask", {"text": "Muted"}), "turned off")
    with live.app.app_context():
        assert db.session.query(Question).filter_by(session_id=live.session_id).count() == 4


def test_hands_are_raised_by_students_and_lowered_by_the_teacher(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    student2, _ = live.join("student2")
    assert student2.call("hand", {"up": True}) == {"ok": True, "up": True}
    assert student.call("hand", {"up": True})["ok"]
    assert student.call("hand", {"up": True})["ok"]  # already up: nothing new is broadcast
    assert teacher.wait_ev("hand", 2)["data"] == {"user": live.users["student"], "name": "Бакыт Токтогулов",
                                                   "up": True}
    assert refused(teacher.call("hand", {"up": True}), "Only students")
    assert refused(student.call("lower_hand", {"user": live.users["student2"]}), ONLY_TEACHER)
    assert refused(student.call("hand", {"up": "yes"}), "not understood")

    _, ack = live.join("teacher")
    assert [h["user"] for h in ack["hands"]] == [live.users["student2"], live.users["student"]]  # in order
    assert teacher.call("lower_hand", {"user": live.users["student2"]})["ok"]
    assert student2.wait_ev("hand", 3)["data"] == {"user": live.users["student2"], "name": "Нуржан Абдыкадыров",
                                                    "up": False}
    _, ack = live.join("student2")
    assert ack["you"]["hand"] is False and [h["user"] for h in ack["hands"]] == [live.users["student"]]
    time.sleep(0.2)
    assert len(teacher.evs("hand")) == 3


def open_poll(teacher: LiveClient, options: list[str], multiple: bool = False) -> int:
    """Open a poll as the teacher; its id."""
    ack = teacher.call("poll_open", {"question": "Какой ответ?", "options": options, "multiple": multiple})
    assert ack["ok"], ack
    return ack["id"]


def test_a_single_choice_poll_from_open_to_close(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    student2, _ = live.join("student2")
    poll = open_poll(teacher, ["Да", "Нет", "Не знаю"])
    assert student.wait_ev("poll_opened")["data"] == {"id": poll, "question": "Какой ответ?",
                                                       "options": ["Да", "Нет", "Не знаю"], "multiple": False}
    for choices, words in [([0, 1], ("only one",)), ([3], ("not one of",)), ([-1], ("not one of",)),
                           ([], ("Choose",)), (["0"], ("Choose",)), ([True], ("Choose",))]:
        assert refused(student.call("vote", {"poll": poll, "choices": choices}), *words), choices
    assert refused(teacher.call("vote", {"poll": poll, "choices": [0]}), "Only students")
    assert student.call("vote", {"poll": poll, "choices": [0]}) == {"ok": True, "choices": [0]}
    assert student.call("vote", {"poll": poll, "choices": [2]})["ok"]  # changed their mind
    assert student2.call("vote", {"poll": poll, "choices": [2]})["ok"]
    assert teacher.wait(lambda: any(e["data"]["counts"] == [0, 0, 2] for e in teacher.evs("poll_results")))
    with live.app.app_context():
        assert db.session.query(PollAnswer).filter_by(poll_id=poll).count() == 2

    assert refused(student.call("poll_close", {"poll": poll}), ONLY_TEACHER)
    closed = teacher.call("poll_close", {"poll": poll})
    assert closed == {"ok": True, "id": poll, "counts": [0, 0, 2], "total": 2}
    assert student.wait_ev("poll_closed")["data"] == {"id": poll, "counts": [0, 0, 2], "total": 2}
    assert refused(student.call("vote", {"poll": poll, "choices": [1]}), "closed")
    _, ack = live.join("student")
    assert ack["poll"] == {"id": poll, "question": "Какой ответ?", "options": ["Да", "Нет", "Не знаю"],
                           "multiple": False, "open": False, "counts": [0, 0, 2], "total": 2, "mine": [2]}


def test_a_multiple_choice_poll_and_a_new_poll_closes_the_old_one(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    first = open_poll(teacher, ["A", "B", "C"], multiple=True)
    assert refused(student.call("vote", {"poll": first, "choices": [0, 0]}), "not one of")
    assert student.call("vote", {"poll": first, "choices": [2, 0]}) == {"ok": True, "choices": [0, 2]}
    second = open_poll(teacher, ["Yes", "No"])
    student.wait_ev("poll_opened", 2)
    kinds = [e["kind"] for e in student.evs() if e["kind"] in ("poll_opened", "poll_closed")]
    assert kinds == ["poll_opened", "poll_closed", "poll_opened"]
    assert student.evs("poll_closed")[0]["data"] == {"id": first, "counts": [1, 0, 1], "total": 1}
    assert refused(student.call("vote", {"poll": first, "choices": [1]}), "closed")
    assert student.call("vote", {"poll": second, "choices": [1]})["ok"]
    assert (live.row(Poll, first).is_open, live.row(Poll, second).is_open) == (False, True)
    _, ack = live.join("student")
    assert ack["poll"]["id"] == second and ack["poll"]["open"] and ack["poll"]["mine"] == [1]


@pytest.mark.parametrize("payload, words", [
    ({"question": "Q", "options": ["only one"]}, ("2 to 10",)),
    ({"question": "Q", "options": [str(n) for n in range(11)]}, ("2 to 10",)),
    ({"question": "Q", "options": ["A", "  "]}, ("Fill in every option",)),
    ({"question": "Q", "options": ["A", "a" * 201]}, ("200",)),
    ({"question": "Q", "options": ["A", "A "]}, ("same",)),
    ({"question": "Q", "options": ["A", 2]}, ("not understood",)),
    ({"question": " ", "options": ["A", "B"]}, ("question",)),
    ({"question": "q" * 501, "options": ["A", "B"]}, ("500",)),
    ({"question": "Q", "options": ["A", "B"], "multiple": "yes"}, ("not understood",)),
])
def test_bad_polls_are_refused(live: LiveWorld, payload: dict, words: tuple) -> None:
    teacher, _ = live.join("teacher")
    assert refused(teacher.call("poll_open", payload), *words)
    with live.app.app_context():
        assert db.session.query(Poll).filter_by(session_id=live.session_id).count() == 0


def test_the_largest_poll_fits_even_in_cyrillic(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    options = [CYRILLIC * 199 + str(n) for n in range(10)]
    poll = open_poll(teacher, options)
    assert teacher.call("poll_open", {"question": CYRILLIC * 500, "options": options})["ok"]
    assert live.row(Poll, poll).options == options


def test_poll_results_are_coalesced(live: LiveWorld) -> None:
    names = ["student", "student2", "student3"]
    teacher, _ = live.join("teacher")
    students = [live.join(name)[0] for name in names]
    poll = open_poll(teacher, ["A", "B", "C", "D"])
    last: dict[int, int] = {}
    began = time.monotonic()
    for n in range(20):  # a burst: everyone keeps changing their answer
        who = n % len(students)
        assert students[who].call("vote", {"poll": poll, "choices": [n % 4]})["ok"]
        last[who] = n % 4
    final = [list(last.values()).count(option) for option in range(4)]
    expected = {"id": poll, "counts": final, "total": 3}
    assert teacher.wait(lambda: any(e["data"] == expected for e in teacher.evs("poll_results")))
    time.sleep(1.3)  # nothing more is pending
    sent = teacher.evs("poll_results")
    assert 1 <= len(sent) <= at_most(began) and sent[-1]["data"] == expected, sent
    _, ack = live.join("student")
    assert ack["poll"]["counts"] == final and ack["poll"]["total"] == 3
    with live.app.app_context():
        assert db.session.query(LiveEvent).filter_by(session_id=live.session_id, kind="poll_results").count() == len(sent)


@pytest.mark.parametrize("event, payload", [
    ("poll_open", {"question": "Q", "options": ["A", "B"]}),
    ("poll_close", {"poll": 1}),
    ("slide", {"page": 1}),
    ("answered", {"id": 1}),
    ("lower_hand", {"user": 1}),
])
def test_students_cannot_run_the_session(live: LiveWorld, event: str, payload: dict) -> None:
    set_row(live, LiveSession, live.session_id, slide_count=3)
    student, _ = live.join("student")
    assert refused(student.call(event, payload), ONLY_TEACHER)
    assert live.row(LiveSession, live.session_id).current_slide == 0
    with live.app.app_context():
        assert db.session.query(LiveEvent).filter_by(session_id=live.session_id).count() == 0


def test_a_slide_change_reaches_everyone_and_survives_a_reconnect(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    assert refused(teacher.call("slide", {"page": 1}), "no slides")
    set_row(live, LiveSession, live.session_id, slide_count=5)
    students = [live.join(name)[0] for name in ("student", "student2", "student3")]
    for page in (0, 6, "2"):
        assert not teacher.call("slide", {"page": page})["ok"]
    assert refused(teacher.call("slide", {"page": 6}), "1 to 5")
    assert teacher.call("slide", {"page": 3}) == {"ok": True, "page": 3}
    for student in students:
        assert student.wait_ev("slide")["data"] == {"page": 3}
    assert live.row(LiveSession, live.session_id).current_slide == 3
    drop_link(students[0])
    _, ack = live.join("student")
    assert ack["session"]["slide"] == 3 and ack["session"]["slide_count"] == 5


def test_catch_up_after_a_dropped_link_brings_what_was_missed(live: LiveWorld) -> None:
    set_row(live, LiveSession, live.session_id, slide_count=4)
    live.start()
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    student2, _ = live.join("student2")
    assert teacher.call("slide", {"page": 2})["ok"]
    seen = student.wait_ev("slide")["seq"]
    drop_link(student)
    asked = student2.call("ask", {"text": "Пропустил?"})
    poll = open_poll(teacher, ["Да", "Нет"])
    assert student2.call("vote", {"poll": poll, "choices": [1]})["ok"]
    assert teacher.call("slide", {"page": 4})["ok"]
    teacher.wait(lambda: teacher.evs("poll_results"))
    _, ack = live.join("student", since=seen)
    assert ack["snapshot"] is False
    kinds = [e["kind"] for e in ack["events"]]
    assert kinds == ["question", "poll_opened", "slide", "poll_results"] or \
        kinds == ["question", "poll_opened", "poll_results", "slide"], kinds
    by_kind = {e["kind"]: e["data"] for e in ack["events"]}
    assert by_kind["question"]["id"] == asked["id"] and by_kind["poll_opened"]["id"] == poll
    assert by_kind["slide"] == {"page": 4} and by_kind["poll_results"]["counts"] == [0, 1]
    assert [e["seq"] for e in ack["events"]] == sorted(e["seq"] for e in ack["events"]) and ack["events"][0]["seq"] > seen
    assert all(e["t"] >= 0 for e in ack["events"])


def test_reactions_are_whitelisted_limited_and_sent_together(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    assert refused(student.call("react", {"emoji": "💩"}), "not available")
    assert refused(student.call("react", {"emoji": "<b>"}), "not available")
    began = time.monotonic()
    acks = [student.call("react", {"emoji": "👏"}) for _ in range(11)]
    assert all(a["ok"] for a in acks[:10]) and refused(acks[10], "Too fast")
    assert teacher.wait(lambda: sum(e["data"]["counts"].get("👏", 0) for e in teacher.evs("reaction")) == 10)
    assert len(teacher.evs("reaction")) <= at_most(began)


def test_poll_answers_are_rate_limited(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    student, _ = live.join("student")
    poll = open_poll(teacher, ["A", "B"])
    acks = [student.call("vote", {"poll": poll, "choices": [n % 2]}) for n in range(31)]
    assert all(a["ok"] for a in acks[:30]) and refused(acks[30], "Too fast")
    assert live.row(PollAnswer, (poll, live.users["student"])).choices == [1]  # the 30th answer stands
