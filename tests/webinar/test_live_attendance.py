"""Attendance from the spans real sockets open and close: minutes clipped to the session, two tabs once."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.webinar.live_world import LiveWorld
from webinar.extensions import db
from webinar.live.attendance import close_open_spans, covered_seconds, minutes_by_student
from webinar.models import AttendanceSpan, LiveSession
from webinar.models.base import utcnow

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_covered_seconds_counts_overlaps_once() -> None:
    assert covered_seconds([]) == 0
    assert covered_seconds([(at(0), at(10)), (at(5), at(15))]) == 15 * 60  # two tabs
    assert covered_seconds([(at(0), at(30)), (at(5), at(10))]) == 30 * 60  # one inside the other
    assert covered_seconds([(at(20), at(25)), (at(0), at(10))]) == 15 * 60  # a gap, out of order
    assert covered_seconds([(at(10), at(5))]) == 0  # clipped away entirely


def spans(live: LiveWorld, username: str) -> list[AttendanceSpan]:
    """The person's spans in the world's session, oldest first."""
    with live.app.app_context():
        rows = db.session.scalars(select(AttendanceSpan).where(
            AttendanceSpan.session_id == live.session_id, AttendanceSpan.user_id == live.users[username])
            .order_by(AttendanceSpan.id)).all()
        db.session.expunge_all()
        return list(rows)


def report(live: LiveWorld) -> dict[str, tuple[float, datetime, datetime | None]]:
    """minutes_by_student as username → (minutes, first join, last leave)."""
    with live.app.test_request_context():
        rows = minutes_by_student(db.session.get(LiveSession, live.session_id))
        return {row.user.username: (row.minutes, row.first_join, row.last_leave) for row in rows}


def test_minutes_come_from_the_sockets_spans(live: LiveWorld) -> None:
    teacher, _ = live.join("teacher")
    first_tab, _ = live.join("student")  # in the lobby before the start: not counted
    time.sleep(0.2)
    live.start()
    started = live.row(LiveSession, live.session_id).started_at
    classmate, _ = live.join("student2")
    time.sleep(0.2)
    second_tab, _ = live.join("student")  # a second tab, overlapping the first
    time.sleep(0.2)
    first_tab.disconnect()
    classmate.drop()  # the link drops: the server notices and closes the span
    time.sleep(0.2)
    assert teacher.call("end", {})["ok"]
    ended = live.row(LiveSession, live.session_id).ended_at

    mine, theirs = spans(live, "student"), spans(live, "student2")
    assert len(mine) == 2 and all(s.left_at is not None for s in mine + theirs)
    assert mine[0].joined_at < started < mine[1].joined_at < mine[0].left_at < mine[1].left_at == ended
    rows = report(live)
    assert set(rows) == {"student", "student2"}  # students only, those who came
    assert abs(rows["student"][0] * 60 - (ended - started).total_seconds()) < 1e-3
    both_tabs = sum((min(s.left_at, ended) - max(s.joined_at, started)).total_seconds() for s in mine)
    assert rows["student"][0] * 60 < both_tabs - 0.15  # the overlap is counted once
    assert rows["student"][1:] == (mine[0].joined_at, ended)
    assert abs(rows["student2"][0] * 60 - (theirs[0].left_at - theirs[0].joined_at).total_seconds()) < 1e-3
    assert 0.35 / 60 < rows["student2"][0] < 5 / 60


def test_a_span_left_open_by_a_crashed_process_is_closed_on_rejoin(live: LiveWorld) -> None:
    with live.app.app_context():
        db.session.add(AttendanceSpan(session_id=live.session_id, user_id=live.users["student"],
                                      joined_at=utcnow() - timedelta(minutes=5), sid="gone-with-the-process"))
        db.session.commit()
    _, ack = live.join("student")
    assert ack["online"] == 1
    stale, current = spans(live, "student")
    assert stale.left_at is not None and current.left_at is None
    assert report(live)["student"][2] is None  # still there


def test_close_open_spans_at_the_end(live: LiveWorld) -> None:
    live.join("student")
    live.join("student3")
    end = utcnow()
    with live.app.app_context():
        assert close_open_spans(db.session.get(LiveSession, live.session_id), end) == 2
        db.session.commit()
    assert [s.left_at for s in spans(live, "student") + spans(live, "student3")] == [end, end]
