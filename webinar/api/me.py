"""Who is signed in: the account, its groups, unread announcements, and the token for writes."""
from __future__ import annotations

from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webinar.access import signed_in
from webinar.announcements.queries import unread_count
from webinar.api import bp
from webinar.api.schemas import GroupOut, MeOut, SettingsIn
from webinar.api.spec import body, reads, spec, writes
from webinar.extensions import db


@bp.get("/me")
@signed_in
@spec.validate(resp=reads(MeOut), tags=["account"], operation_id="getMe")
def me():
    """The signed-in user, with the CSRF token that writes send as X-CSRFToken."""
    return me_out()


@bp.put("/me/settings")
@signed_in
@spec.validate(json=SettingsIn, resp=writes(MeOut), tags=["account"], operation_id="putMySettings")
def settings():
    """Remember the user's data-saver choice (the player and every device follow it)."""
    current_user.data_saver = body().data_saver
    db.session.commit()
    return me_out()


def me_out() -> MeOut:
    """The signed-in user as the API shows them."""
    user = current_user
    return MeOut(id=user.id, username=user.username, full_name=user.full_name, role=user.role.value,
                 locale=user.locale, data_saver=user.data_saver,
                 groups=[GroupOut(id=g.id, name=g.name) for g in user.groups],
                 unread_announcements=unread_count(user), csrf_token=generate_csrf())
