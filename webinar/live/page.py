"""The live room page: audio first in a plain <audio> element, everything else over Socket.IO.

The page carries one JSON config (ids, script URLs, the translated strings the scripts show);
the session's state and media URLs come in the `join` answer (webinar/live/protocol.md).
The presenter's script is only named for those who run the session, so students never load it.
"""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webinar.access import signed_in
from webinar.live import bp
from webinar.live.access import lobby_is_open, runs, session_for
from webinar.live.interaction import REACTIONS  # the buttons are the events' whitelist
from webinar.models import LiveSession, LiveStatus

CHAT_MAX = 500
QUESTION_MAX = 300


def room_strings() -> dict[str, str]:
    """Sentences the room's scripts put on screen, in the user's language."""
    return {
        "connecting": _("Connecting…"),
        "reconnecting": _("The connection was lost. Reconnecting…"),
        "connected": _("Connected"),
        "waiting": _("The teacher has not started yet. Stay on this page: the sound starts by itself."),
        "teacher_waiting": _("You are not broadcasting. Press “Start broadcast” when you are ready."),
        "on_air": _("Live now"),
        "off_air": _("The teacher paused the broadcast."),
        "ended": _("The webinar has ended."),
        "replay": _("Watch the recording"),
        "back": _("Back to the webinar page"),
        "removed": _("The teacher removed you from this webinar."),
        "muted": _("The teacher turned off your chat and questions."),
        "online": _("{n} online"),
        "listen": _("Listen"),
        "press_listen": _("Press “Listen” to hear the teacher."),
        "audio_lost": _("The sound stopped. Trying again…"),
        "slow_video": _("Your connection looks slow: the video may stop often. Watch it anyway?"),
        "no_slide": _("No slide is shown."),
        "slide_of": _("Slide {n} of {m}"),
        "you": _("you"),
        "votes": _("{n} votes"),
        "upvote": _("Me too"),
        "answered": _("Answered"),
        "no_questions": _("No questions yet."),
        "no_chat": _("No messages yet."),
        "deleted": _("Message deleted by the teacher."),
        "hand_up": _("Raise hand"),
        "hand_down": _("Lower my hand"),
        "send_answer": _("Send my answer"),
        "change_answer": _("Change my answer"),
        "poll_closed": _("The poll is closed. Results:"),
        "poll_total": _("{n} answered"),
        "pick_one": _("Choose an answer first."),
        "failed": _("It did not go through. Check your connection and try again."),
    }


def presenter_strings() -> dict[str, str]:
    """Sentences only the presenter's script shows."""
    return {
        "no_mic": _("The browser did not allow the microphone. Click the lock or camera sign at the left of "
                    "the address bar, choose “Allow” for the microphone, then press “Start broadcast” again."),
        "no_mic_found": _("No microphone was found. Plug in a headset or a microphone, then press "
                          "“Start broadcast” again."),
        "no_camera": _("The camera or the screen could not be used; you are live with sound only."),
        "no_recorder": _("This browser cannot broadcast. Please use a recent Chrome, Firefox or Edge."),
        "starting": _("Starting…"),
        "live": _("You are live. Students hear you."),
        "stopped": _("The broadcast is stopped. Students do not hear you."),
        "slow_upload": _("Your connection is too slow: students may hear gaps."),
        "confirm_end": _("End the webinar for everyone? It cannot be restarted."),
        "confirm_remove": _("Remove {name} from the webinar?"),
        "confirm_mute": _("Turn off chat and questions for {name}?"),
        "delete": _("Delete"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "remove": _("Remove"),
        "mark_answered": _("Mark answered"),
        "lower": _("Lower"),
        "no_hands": _("No raised hands."),
        "poll_needs": _("Write a question and at least two answers, one per line."),
    }


def room_config(session: LiveSession, teacher: bool) -> dict:
    """Everything the room scripts need before the socket answers, embedded as JSON."""
    static = lambda name: url_for("static", filename=name)  # noqa: E731
    config = {
        "session": session.id,
        "teacher": teacher,
        "socket_script": static("vendor/socket.io.min.js"),
        "hls_script": static("vendor/hls.light.min.js"),
        "modules": {"media": static("js/live-media.js"), "listen": static("js/live-listen.js"),
                    "talk": static("js/live-talk.js")},
        "namespace": "/live",
        "reactions": REACTIONS,
        "back_url": url_for("live.show", session_id=session.id),
        # On air now: the sound starts before the socket is even loaded (the join answer confirms it).
        "on_air": session.presenter_id is not None,
        "audio_url": url_for("live.live_listen", session_id=session.id),
        "strings": room_strings(),
    }
    if teacher:
        config["modules"]["present_media"] = static("js/present-media.js")
        config.update(present_script=static("js/present.js"), present_strings=presenter_strings())
    return config


@bp.get("/live/<int:session_id>/room")
@signed_in
def room(session_id: int):
    """The room: students listen and take part; the course's teachers present and moderate."""
    session = session_for(current_user, session_id)
    teacher = runs(session, current_user)
    if session.status == LiveStatus.ENDED or not (teacher or lobby_is_open(session)):
        return redirect(url_for("live.show", session_id=session.id))  # the replay, or when to come back
    return render_template("live/room.html", session=session, teacher=teacher,
                           room=room_config(session, teacher), reactions=REACTIONS,
                           chat_max=CHAT_MAX, question_max=QUESTION_MAX)
