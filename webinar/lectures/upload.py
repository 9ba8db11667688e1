"""The "lecture" upload purpose: who may upload a recording, how big, and what happens at the end."""
from __future__ import annotations

from pathlib import Path

from flask import after_this_request, current_app, url_for
from flask_babel import gettext as _

from webinar.extensions import db
from webinar.lectures.service import attach_source, can_manage, create_lecture, file_sha256, same_recording
from webinar.models import Course, Lecture, Role, User
from webinar.models.uploads import Upload
from webinar.storage import storage
from webinar.uploads import UploadPurpose, UploadRefused, register
from workers import dispatch

MEDIA_SUFFIXES = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mts", ".m2ts", ".ts", ".3gp", ".mpg", ".mpeg",
    ".m4a", ".mp3", ".ogg", ".oga", ".opus", ".wav", ".flac", ".aac", ".amr",
}


def _number(metadata: dict[str, str], key: str) -> int | None:
    """An id from the upload's metadata; 400 when it is there but not a number."""
    value = metadata.get(key)
    if value is None:
        return None
    if not value.isdigit():
        raise UploadRefused(400, _("The upload form is out of date. Reload the page and try again."))
    return int(value)


def _target(user: User, metadata: dict[str, str]) -> tuple[Course, Lecture | None]:
    """The course (and lecture, when replacing) this upload is for, checked against the user."""
    course = db.session.get(Course, _number(metadata, "course") or 0)
    if course is None:
        raise UploadRefused(404, _("This course does not exist any more."))
    if not can_manage(course, user):
        raise UploadRefused(403, _("Only the teachers of this course can upload recordings to it."))
    lecture_id = _number(metadata, "lecture")
    lecture = db.session.get(Lecture, lecture_id) if lecture_id else None
    if lecture_id and (lecture is None or lecture.course_id != course.id):
        raise UploadRefused(404, _("This lecture does not exist any more."))
    return course, lecture


def authorize(user: User, metadata: dict[str, str]) -> None:
    """Teachers of the course upload media files; everything else is refused before any byte is sent."""
    if user.role == Role.STUDENT:
        raise UploadRefused(403, _("Only teachers can upload recordings."))
    _target(user, metadata)
    filetype = metadata.get("filetype", "")
    suffix = Path(metadata.get("filename", "")).suffix.lower()
    if suffix not in MEDIA_SUFFIXES and not filetype.startswith(("video/", "audio/")):
        raise UploadRefused(415, _("This is not a video or audio file. Choose the recording itself."))


def finish(upload: Upload, staged: Path) -> str:
    """Store the recording, create or update the lecture, and queue its processing."""
    user = db.session.get(User, upload.user_id)
    course, lecture = _target(user, upload.meta)
    sha256 = file_sha256(staged)
    if lecture is None:
        if twin := same_recording(course, sha256):
            raise UploadRefused(409, _("This recording is already in the course as “%(title)s”.", title=twin.title))
        title = (upload.meta.get("title") or "").strip() or Path(upload.filename).stem or _("Lecture")
        lecture = create_lecture(course, title, user)
    job, replaced = attach_source(lecture, staged, upload.filename, user, sha256)

    @after_this_request
    def start_processing(response):
        dispatch(job.id)  # after the commit, so a worker finds the rows
        if replaced:
            storage().delete(replaced)
        return response

    return url_for("lectures.show", lecture_id=lecture.id)


def register_purpose() -> None:
    """Offer the lecture purpose to the tus endpoint."""
    register("lecture", UploadPurpose(
        authorize=authorize, max_bytes=lambda: current_app.config["LECTURE_MAX_BYTES"], finish=finish,
    ))
