"""The lecture page: a light audio + slides player first, video on request; resume and progress."""
from __future__ import annotations

from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

from media.storage import LocalStorage
from webinar.access import signed_in
from webinar.extensions import db
from webinar.lectures import bp
from webinar.lectures.forms import CAPTION_LANGUAGES, CaptionForm, ConfirmForm, TitleForm
from webinar.lectures.progress import progress_of, record_progress
from webinar.lectures.service import can_manage, status_payload
from webinar.lectures.versions import downloads, versions
from webinar.models import Lecture
from webinar.realtime import pushes
from webinar.storage import storage


def viewable_lecture(lecture_id: int) -> tuple[Lecture, bool]:
    """The lecture and whether the user manages it; students only see visible, playable lectures."""
    lecture = db.session.get(Lecture, lecture_id) or abort(404)
    manages = can_manage(lecture, current_user)
    if not manages:
        if not lecture.course.is_attended_by(current_user):
            abort(403)
        if not lecture.visible_to_students():
            abort(404)
    return lecture, manages


def player_config(lecture: Lecture) -> dict:
    """Everything the player script needs, embedded in the page as JSON."""
    manifest = lecture.manifest or {}
    media = lambda path: url_for("lectures.media", lecture_id=lecture.id, name=path)  # noqa: E731
    audio = manifest.get("audio", {})
    return {
        "lecture": lecture.id,
        "duration": lecture.duration,
        "audio": [{"src": media(a["path"]), "type": t} for name, t in
                  (("audio_opus", 'audio/webm; codecs="opus"'), ("audio_aac", 'audio/mp4; codecs="mp4a.40.2"'))
                  if (a := audio.get(name))],
        "stream": stream_config(lecture, audio),
        "video": media("video.m3u8") if manifest.get("video") else None,
        "hls_script": url_for("static", filename="vendor/hls.light.min.js"),
        "slides": [{"t": s["start"], "src": media(s["file"])} for s in manifest.get("slides", [])],
        "captions": [{"lang": c.lang, "label": str(CAPTION_LANGUAGES.get(c.lang, c.lang)),
                      "src": url_for("lectures.caption", lecture_id=lecture.id, lang=c.lang)}
                     for c in lecture.captions],
        "versions": versions(lecture),
        "chat": manifest.get("chat", []),
        "resume": progress_of(current_user, lecture).position,
        "data_saver": current_user.data_saver,
        "progress_url": url_for("lectures.progress", lecture_id=lecture.id),
        "saver_url": url_for("lectures.data_saver"),
        "report_every": current_app.config["PROGRESS_REPORT_SECONDS"],
    }


def stream_config(lecture: Lecture, audio: dict) -> dict | None:
    """The Opus file for the streamed data-saver sound (player-stream.js), when fetch() may read it:
    from our own storage (a presigned S3 URL would need the bucket's CORS to allow ranges)."""
    opus = audio.get("audio_opus")
    if not opus or not isinstance(storage(), LocalStorage):
        return None
    return {"src": url_for("lectures.media", lecture_id=lecture.id, name=opus["path"]),
            "module": url_for("static", filename="js/player-stream.js")}


@bp.get("/lectures/<int:lecture_id>")
@signed_in
def show(lecture_id: int):
    """Play the lecture; its teachers also manage it here."""
    lecture, manages = viewable_lecture(lecture_id)
    context = dict(lecture=lecture, manages=manages, downloads=downloads(lecture))
    if lecture.is_playable:
        context["player"] = player_config(lecture)
    if manages:
        context.update(status=status_payload(lecture), pushes=pushes(), title_form=TitleForm(title=lecture.title),
                       caption_form=CaptionForm(), confirm=ConfirmForm())
    return render_template("lectures/show.html", **context)


@bp.post("/lectures/<int:lecture_id>/progress")
@signed_in
def progress(lecture_id: int):
    """Record where the listener is and which stretches were played (JSON from the player)."""
    lecture, _ = viewable_lecture(lecture_id)
    data = request.get_json(silent=True) or {}
    try:
        position = float(data.get("position", 0))
        ranges = [(float(a), float(b)) for a, b in data.get("played", [])[:50]]
    except (TypeError, ValueError):
        abort(400)
    share = record_progress(current_user, lecture, position, ranges)
    return jsonify(position=position, share=round(share, 3))


@bp.post("/me/data-saver")
@signed_in
def data_saver():
    """Remember whether this user wants audio + slides instead of video."""
    value = request.form.get("on") or (request.get_json(silent=True) or {}).get("on")
    current_user.data_saver = str(value).lower() in ("1", "true", "on")
    db.session.commit()
    return jsonify(data_saver=current_user.data_saver)
