"""Recorded lectures: a course's list, one lecture's versions and media links, and watch progress."""
from __future__ import annotations

from flask_login import current_user

from webinar.access import signed_in
from webinar.api import bp
from webinar.api.media import lecture_detail, progress_out
from webinar.api.schemas import LectureDetail, LectureList, LectureOut, ProgressIn, ProgressOut
from webinar.api.spec import ID, body, reads, spec, writes
from webinar.courses.queries import course_for
from webinar.lectures.player import viewable_lecture
from webinar.lectures.progress import progress_of, record_progress, watch_progress
from webinar.lectures.service import lectures_of
from webinar.models import Lecture, WatchProgress


def lecture_out(lecture: Lecture, progress: WatchProgress | None) -> LectureOut:
    """A lecture's summary, with where the user stopped."""
    return LectureOut(id=lecture.id, course_id=lecture.course_id, title=lecture.title, position=lecture.position,
                      status=lecture.status.value, visible=lecture.is_visible, playable=lecture.is_playable,
                      duration=lecture.duration, published_at=lecture.published_at,
                      progress=progress_out(lecture, progress))


@bp.get(f"/courses/<{ID}:course_id>/lectures")
@signed_in
@spec.validate(resp=reads(LectureList), tags=["lectures"],
               operation_id="listCourseLectures")
def course_lectures(course_id: int):
    """The course's lectures in the teacher's order; students get the visible, playable ones."""
    found = lectures_of(course_for(current_user, course_id), current_user)
    progress = {p.lecture_id: p for p in watch_progress(current_user, found)}
    return LectureList(items=[lecture_out(lecture, progress.get(lecture.id)) for lecture in found])


@bp.get(f"/lectures/<{ID}:lecture_id>")
@signed_in
@spec.validate(resp=reads(LectureDetail), tags=["lectures"], operation_id="getLecture")
def lecture(lecture_id: int):
    """One lecture: each version with its size, media links (each checked at every request), progress."""
    found, _manages = viewable_lecture(lecture_id)
    summary = lecture_out(found, progress_of(current_user, found))
    return lecture_detail(found, summary)


@bp.put(f"/lectures/<{ID}:lecture_id>/progress")
@signed_in
@spec.validate(json=ProgressIn, resp=writes(ProgressOut), tags=["lectures"],
               operation_id="putLectureProgress")
def progress(lecture_id: int):
    """Save where the user is and which stretches they played; answers the share watched so far."""
    found, _manages = viewable_lecture(lecture_id)
    json: ProgressIn = body()
    share = record_progress(current_user, found, json.position, list(json.played))
    return ProgressOut(position=progress_of(current_user, found).position, share=round(share, 3))
