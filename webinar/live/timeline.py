"""What a webinar's replay shows beside its recording: the slides as they were shown, and the chat."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from webinar.extensions import db
from webinar.models import ChatMessage, LiveEvent, LiveSession
from webinar.storage import storage

REPLAY_CHAT_LIMIT = 2000


@dataclass
class Timeline:
    """Slide pages with the time they appeared, and the chat lines, in seconds since going live."""

    slides_prefix: str | None = None
    slides: list[tuple[float, int]] = field(default_factory=list)
    chat: list[dict] = field(default_factory=list)


def session_of_lecture(lecture_id: int) -> LiveSession | None:
    """The webinar whose replay this lecture is, if any."""
    return db.session.scalar(select(LiveSession).where(LiveSession.lecture_id == lecture_id))


def slide_times(session: LiveSession) -> list[tuple[float, int]]:
    """(t, page) of each slide change; a change before going live counts from t = 0, repeats dropped."""
    events = db.session.scalars(select(LiveEvent).where(LiveEvent.session_id == session.id, LiveEvent.kind == "slide")
                                .order_by(LiveEvent.id))
    times: list[tuple[float, int]] = []
    for event in events:
        page = event.data.get("page")
        if not isinstance(page, int) or not 1 <= page <= session.slide_count:
            continue
        if times and times[-1][0] == max(0.0, event.t):
            times.pop()  # several changes in the same instant: the last one is what students saw
        if not times or times[-1][1] != page:
            times.append((max(0.0, event.t), page))
    if session.slide_count and (not times or times[0][0] > 0):
        times.insert(0, (0.0, 1))  # before the first change the first page was on screen
    return times


def chat_lines(session: LiveSession) -> list[dict]:
    """The chat as it was (deleted messages left out), for replay in sync with the recording."""
    messages = db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == session.id,
                                                            ChatMessage.deleted.is_(False))
                                  .order_by(ChatMessage.id).limit(REPLAY_CHAT_LIMIT))
    return [{"t": round(max(0.0, m.t), 2), "name": m.user.full_name if m.user else "", "text": m.text}
            for m in messages]


def timeline_for_lecture(lecture_id: int) -> Timeline | None:
    """The replay timeline if the lecture is a webinar's recording."""
    session = session_of_lecture(lecture_id)
    if session is None:
        return None
    ready = session.slides_prefix if session.slide_count else None
    return Timeline(slides_prefix=ready, slides=slide_times(session) if ready else [], chat=chat_lines(session))


def write_slides(timeline: Timeline, out_dir: Path) -> tuple[list[dict], list[dict]]:
    """Copy the shown pages into out_dir as the player's stills (WebP) and the bundle's (JPEG)."""
    stills: list[dict] = []
    bundle: list[dict] = []
    for index, (start, page) in enumerate(timeline.slides, 1):
        for entries, folder, ext in ((stills, out_dir, "webp"), (bundle, out_dir / "bundle", "jpg")):
            name = f"slides/{index:04d}.{ext}"
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fileobj:
                storage().get(f"{timeline.slides_prefix}/{page}.{ext}", fileobj)
            entries.append({"start": round(start, 3), "file": name, "bytes": target.stat().st_size})
    return stills, bundle
