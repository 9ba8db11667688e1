"""A webinar's live media for the people in it: HLS tiers, and one endless audio response.

`/live/<id>/hls/<path>`: playlists are sent from storage with `no-cache` (hls.js reloads them),
segments are immutable. `/live/<id>/listen`: the audio tier as a single long HTTP response that
a plain `<audio>` element plays (init segment, then each new segment re-timed back to back):
on a 600 ms link that is one request for the whole session instead of two every 2 s.
"""
from __future__ import annotations

import functools
import re

from flask import Flask, Response, abort, current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select

from media.storage import NotFound
from webinar.access import signed_in
from webinar.extensions import db
from webinar.files import serve_stored
from webinar.live import bp
from webinar.live.access import session_for
from webinar.live.listen import Follower
from webinar.live.publish import PLAYLIST_TYPE
from webinar.models import LiveSession, LiveStatus
from webinar.storage import read_bytes, storage


def prefix(session: LiveSession) -> str:
    """Where the session's live media is stored (known before the first go-live)."""
    return session.media_prefix or f"live/{session.id}"


# master.m3u8, <tier>/index.m3u8, <tier>/<generation>/init.mp4 or <tier>/<generation>/<n>.m4s
SAFE_PATH = re.compile(r"^(master\.m3u8|[a-z0-9]{1,8}/(index\.m3u8|\d{3}-\d{2}/(init\.mp4|\d{5}\.m4s)))$")


@bp.get("/live/<int:session_id>/hls/<path:name>")
@signed_in
def live_hls(session_id: int, name: str):
    """A playlist or segment of the session's live tiers."""
    session = session_for(current_user, session_id)
    if not SAFE_PATH.fullmatch(name):
        abort(404)
    key = f"{prefix(session)}/hls/{name}"
    if not name.endswith(".m3u8"):
        return serve_stored(key, immutable=True)
    try:
        body = read_bytes(key)
    except NotFound:
        abort(404)
    response = Response(body, mimetype=PLAYLIST_TYPE)
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/live/<int:session_id>/listen")
@signed_in
def live_listen(session_id: int):
    """The live sound for a plain <audio> element: starts near the live edge, ends with the session."""
    session = session_for(current_user, session_id)
    if session.status == LiveStatus.ENDED:
        abort(404)
    config = current_app.config
    plain = request.headers.get("Sec-Fetch-Dest") in ("audio", "video")  # not live-listen.js's fetch()
    backlog = config["LIVE_LISTEN_BACKLOG_PLAIN" if plain else "LIVE_LISTEN_BACKLOG"]
    follower = Follower(storage(), f"{prefix(session)}/hls/audio", backlog=backlog,
                        poll=config["LIVE_LISTEN_POLL_SECONDS"], idle=config["LIVE_LISTEN_IDLE_SECONDS"],
                        session_ended=functools.partial(has_ended, current_app._get_current_object(), session.id),
                        ended_check=config["LIVE_LISTEN_ENDED_CHECK_SECONDS"])
    response = Response(follower.stream(), mimetype="audio/mp4", direct_passthrough=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx must pass each segment on at once
    return response


def has_ended(app: Flask, session_id: int) -> bool:
    """Whether the session has ended (read from the database, outside any request)."""
    with app.app_context():
        try:
            status = db.session.scalar(select(LiveSession.status).where(LiveSession.id == session_id))
            return status in (None, LiveStatus.ENDED)
        finally:
            db.session.remove()


def media_urls(session_id: int) -> dict[str, str]:
    """The URLs a room page plays: audio_url (the /listen stream), audio_hls, video_hls."""
    return {"audio_url": url_for("live.live_listen", session_id=session_id),
            "audio_hls": url_for("live.live_hls", session_id=session_id, name="audio/index.m3u8"),
            "video_hls": url_for("live.live_hls", session_id=session_id, name="master.m3u8")}
