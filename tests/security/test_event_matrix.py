"""Every Socket.IO event of the live registry × the six actors, through real python-socketio clients.

What each event needs comes from its `@live_event(who=...)` declaration (webinar.live.room.EVENTS), so
a new event is in the matrix at once. Beyond the per-event rule: a seat in one's own webinar gives no
power over another course's chat, questions, polls and people, and a page of another site cannot open
a live socket with the user's cookie.
"""
from __future__ import annotations

import functools
from typing import Any

import pytest
import socketio

from tests.webinar.live_world import NAMESPACE, LiveWorld, live, live_world  # noqa: F401  (fixtures)
from webinar.extensions import db
from webinar.live.room import EVENTS
from webinar.models import ChatMessage, Group, LiveSession, Participant, Poll, Question
from webinar.models.base import utcnow

SECRET = "zq7secret"
ACTORS = ("outsider", "other", "student", "teacher", "admin")  # anonymous cannot even connect: below


def expected(actor: str, who: str) -> str:
    """'refused' or 'allowed' for an actor (in the course: student, teacher, admin) and an event's rule."""
    if actor in ("outsider", "other"):
        return "refused"
    if who in ("teacher", "presenter") and actor == "student":
        return "refused"
    if who == "presenter":  # nobody in the matrix went live
        return "refused"
    return "allowed"


def targets(live: LiveWorld) -> dict[str, Any]:
    """Course A's chat line, question and open poll; a payload naming them (and a student) for every event."""
    with live.app.app_context():
        rows = [ChatMessage(session_id=live.session_id, user_id=live.users["student"], text=SECRET),
                Question(session_id=live.session_id, user_id=live.users["student"], text=SECRET),
                Poll(session_id=live.session_id, question=SECRET, options=["a", "b"])]
        db.session.add_all(rows)
        db.session.add(Participant(session_id=live.session_id, user_id=live.users["student2"]))
        db.session.commit()
        chat, question, poll = (r.id for r in rows)
    return {"session": live.session_id, "since": 0, "id": chat, "user": live.users["student2"], "muted": True,
            "text": SECRET, "up": True, "poll": poll, "choices": [0], "options": ["x", "y"], "question": "?",
            "page": 1, "emoji": "👍", "video": False, "mime": "audio/webm", "seq": 0, "data": "AAAA"}


def state_of(live: LiveWorld) -> tuple:
    """What any refused event might have changed in course A's webinar."""
    with live.app.app_context():
        session = db.session.get(LiveSession, live.session_id)
        return (session.status, session.current_slide, session.last_seq,
                [(c.text, c.deleted) for c in db.session.query(ChatMessage).filter_by(session_id=session.id)],
                [(q.votes, q.answered) for q in db.session.query(Question).filter_by(session_id=session.id)],
                [(p.is_open,) for p in db.session.query(Poll).filter_by(session_id=session.id)],
                [(p.user_id, p.muted, p.removed, p.hand_raised)
                 for p in db.session.query(Participant).filter_by(session_id=session.id)])


@pytest.mark.parametrize("actor", ACTORS)
def test_every_event_is_refused_to_whoever_its_rule_leaves_out(live: LiveWorld, actor: str) -> None:
    live.start()
    payload = targets(live)
    client = live.connect(actor)
    if actor not in ("outsider", "other"):
        assert client.join(live.session_id)["ok"]
    before = state_of(live)
    wrong = []
    for event, who in sorted(EVENTS.items()):
        if expected(actor, who) == "allowed":
            continue
        ack = client.call(event, payload)
        if ack.get("ok") is not False or SECRET in str(ack):
            wrong.append((event, ack))
    assert wrong == []
    assert state_of(live) == before


def test_a_seat_in_ones_own_webinar_gives_nothing_over_another_course(live: LiveWorld) -> None:
    """'other' runs a webinar of their course and names course A's chat line, question, poll and student."""
    live.start()
    payload = targets(live)
    with live.app.app_context():
        theirs = LiveSession(course_id=live.other_course_id, title="Химия", starts_at=utcnow(),
                             created_by_id=live.users["other"], groups=db.session.query(Group).filter_by(
                                 name="ФИ-2-22").all())
        db.session.add(theirs)
        db.session.commit()
        own = theirs.id
    teacher, student = live.connect("other"), live.connect("outsider")
    assert teacher.join(own)["ok"] and student.join(own)["ok"]
    before = state_of(live)
    for event in ("chat_delete", "mute", "remove", "answered", "poll_close", "lower_hand", "upvote", "vote"):
        client = student if EVENTS[event] == "anyone" else teacher
        ack = client.call(event, payload)
        assert SECRET not in str(ack), (event, ack)  # lower_hand of nobody here is a harmless ok
    assert state_of(live) == before


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_a_page_of_another_site_cannot_open_a_live_socket(live: LiveWorld, transport: str) -> None:
    """The user's cookie rides along to a cross-site WebSocket; the Origin check refuses it."""
    cookie = live.cookie("student")
    assert_refused(live.base, NAMESPACE, transport, {"Cookie": cookie, "Origin": "http://evil.example"})
    same = socketio.Client(reconnection=False)  # control: our own origin (websocket-client sends it by itself)
    same.connect(live.base, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5, headers={"Cookie": cookie})
    assert same.connected
    same.disconnect()


def test_every_socket_handler_goes_through_the_registry(live: LiveWorld) -> None:
    """A /live handler registered without @live_event would escape the matrix; other namespaces are known."""
    from webinar.extensions import socketio as extension
    handlers = {ns: set(events) for ns, events in extension.server.handlers.items()}
    assert handlers[NAMESPACE] - {"connect", "disconnect"} == set(EVENTS)
    assert handlers == {NAMESPACE: set(EVENTS) | {"connect", "disconnect"},
                        "/progress": {"connect", "watch"}}  # watch: tests/webinar/test_lecture_push.py


def test_a_generated_password_must_be_changed_before_any_socket(live: LiveWorld) -> None:
    """Pages send such a user to the password form; the live and progress sockets refuse them likewise."""
    from webinar.models import User
    user_id = live.add_student(f"fresh-{len(live.users)}")
    with live.app.app_context():
        db.session.get(User, user_id).must_change_password = True
        db.session.commit()
        username = db.session.get(User, user_id).username
    for namespace in (NAMESPACE, "/progress"):
        assert_refused(live.base, namespace, "websocket", {"Cookie": live.cookie(username)})


def assert_refused(base: str, namespace: str, transport: str, headers: dict[str, str]) -> None:
    """A socket.io connection to the namespace fails, and the client is closed without long waits."""
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(base, namespaces=[namespace], transports=[transport], wait_timeout=5, headers=headers)
    client.disconnect()


@pytest.fixture(autouse=True)
def quick_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Close client websockets without waiting 3 s for a close frame the dev server never sends back."""
    import websocket
    monkeypatch.setattr(websocket.WebSocket, "close", functools.partialmethod(websocket.WebSocket.close, timeout=0))
