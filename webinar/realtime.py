"""Socket.IO for pushing what changes to the people watching it (a job's progress, for now).

It needs a message queue (Redis) so that any process — a worker on another machine too — can emit
to any room. Without one (the embedded default) pages poll instead, and nothing is emitted.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from webinar.extensions import db, socketio
from webinar.models import Lecture

PROGRESS = "/progress"


def init_app(app: Flask) -> None:
    """Bind Socket.IO (threading mode, simple-websocket) to the Redis message queue, if any."""
    # Flask-SocketIO keeps the queue it made for an earlier app in its options and would hand it to
    # this app's server too (several apps in one process: the tests), whatever REDIS_URL says now.
    socketio.server_options.pop("client_manager", None)
    # cors_allowed_origins=None: only our own origin (X-Forwarded-Proto/Host included) may open a socket.
    # [] would switch the Origin check off, and any page could then speak to /live with a student's cookie.
    socketio.init_app(app, async_mode="threading", message_queue=app.config.get("REDIS_URL"),
                      channel=app.config["SOCKETIO_CHANNEL"], manage_session=False, cors_allowed_origins=None)
    app.extensions["aralyk.push"] = bool(app.config.get("REDIS_URL"))


def pushes() -> bool:
    """Whether pages should listen on Socket.IO (else they poll)."""
    return current_app.extensions.get("aralyk.push", False)


def lecture_room(lecture_id: int) -> str:
    return f"lecture-{lecture_id}"


def push_progress(lecture_id: int, state: dict[str, Any]) -> None:
    """Tell the lecture's teachers how processing goes; a no-op without a message queue."""
    if pushes():
        socketio.emit("progress", state, to=lecture_room(lecture_id), namespace=PROGRESS)


@socketio.on("connect", namespace=PROGRESS)
def connect(auth: Any = None) -> None:
    """Only signed-in people may listen, once a generated password has been changed."""
    if not current_user.is_authenticated or current_user.must_change_password:
        raise ConnectionRefusedError("sign in first")


@socketio.on("watch", namespace=PROGRESS)
def watch(data: Any) -> dict[str, Any]:
    """Join a lecture's progress room if the user manages the lecture; answer with its state now."""
    from webinar.lectures.service import can_manage, processing_state

    lecture_id = data.get("lecture") if isinstance(data, dict) else None
    lecture = db.session.get(Lecture, lecture_id) if isinstance(lecture_id, int) else None
    if not current_user.is_authenticated or lecture is None or not can_manage(lecture, current_user):
        return {"ok": False}
    join_room(lecture_room(lecture.id))
    return {"ok": True, **processing_state(lecture)}
