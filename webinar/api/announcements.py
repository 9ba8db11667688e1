"""Announcements the user may read, newest first, a page at a time; marking them read."""
from __future__ import annotations

from flask_login import current_user

from webinar.access import signed_in
from webinar.announcements.display import body as wording, heading
from webinar.announcements.queries import mark_read, page_of, visible_to
from webinar.api import bp
from webinar.api.schemas import AnnouncementOut, AnnouncementPage, PageQuery, ReadIn, ReadOut
from webinar.api.spec import body, query, reads, spec, writes
from webinar.extensions import db
from webinar.models import Announcement, Role

PAGE_SIZE = 20


def announcement_out(item: Announcement, unread: bool) -> AnnouncementOut:
    """An announcement worded in the reader's language (automatic ones are worded when shown)."""
    return AnnouncementOut(id=item.id, course_id=item.course_id, course_title=item.course.title,
                           kind=item.kind.value, title=heading(item), text=wording(item), due_on=item.due_on,
                           created_at=item.created_at, unread=unread, lecture_id=item.lecture_id,
                           webinar_id=item.live_session_id)


@bp.get("/announcements")
@signed_in
@spec.validate(query=PageQuery, resp=reads(AnnouncementPage), tags=["announcements"],
               operation_id="listAnnouncements")
def announcements():
    """One page of the user's announcements across courses; reading them here does not mark them read."""
    page = query().page
    items = page_of(visible_to(current_user), current_user, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return AnnouncementPage(items=[announcement_out(a, unread) for a, unread in items[:PAGE_SIZE]],
                            page=page, has_more=len(items) > PAGE_SIZE)


@bp.post("/announcements/read")
@signed_in
@spec.validate(json=ReadIn, resp=writes(ReadOut), tags=["announcements"],
               operation_id="markAnnouncementsRead")
def read():
    """Mark these announcements read (ids the user may not read are ignored); answers how many were."""
    json: ReadIn = body()
    if current_user.role != Role.STUDENT:
        return ReadOut(marked=0)
    readable = visible_to(current_user).where(Announcement.id.in_(json.ids)).order_by(None)
    ids = list(db.session.scalars(readable.with_only_columns(Announcement.id)))
    mark_read(current_user, ids)
    return ReadOut(marked=len(ids))
