"""Accounts and jobs."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from webinar.access import roles
from webinar.admin import bp
from webinar.admin.forms import ConfirmForm, TeacherForm
from webinar.extensions import db
from webinar.models import Group, Job, Role, User
from webinar.roster.accounts import new_password, unique_login
from webinar.roster.messages import describe

PAGE_SIZE = 50


@bp.get("/")
@roles(Role.ADMIN)
def users():
    """Accounts, searchable by name or login and filtered by role and group."""
    query = select(User).order_by(User.role, User.full_name)
    text = request.args.get("q", "").strip()
    if text:
        like = f"%{text}%"
        query = query.where(or_(User.full_name.ilike(like), User.username.ilike(like)))
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    group_id = request.args.get("group", type=int)
    if group_id:
        query = query.join(User.groups).where(Group.id == group_id)
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    return render_template("admin/users.html", page=page, groups=groups, form=ConfirmForm(), Role=Role)


@bp.route("/teachers/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_teacher():
    """Create a teacher account and show its first password once."""
    form = TeacherForm()
    if form.validate_on_submit():
        login = (form.username.data or "").strip().lower()
        if login and db.session.scalar(select(User).where(User.username == login)):
            form.username.errors.append(_("This login is taken. Choose another."))
        else:
            teacher = User(
                username=login or unique_login(form.full_name.data, set()),
                full_name=" ".join(form.full_name.data.split()), email=form.email.data or None,
                role=Role.TEACHER, must_change_password=True,
            )
            password = new_password()
            teacher.set_password(password)
            db.session.add(teacher)
            db.session.commit()
            return render_template("admin/password_issued.html", user=teacher, password=password)
    return render_template("admin/teacher_new.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/password")
@roles(Role.ADMIN)
def reset_password(user_id: int):
    """Give a user a new generated password, shown once, to be changed at next sign-in."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = new_password()
    user.set_password(password)
    user.must_change_password = True
    db.session.commit()
    return render_template("admin/password_issued.html", user=user, password=password)


@bp.post("/users/<int:user_id>/active")
@roles(Role.ADMIN)
def toggle_active(user_id: int):
    """Switch an account off or back on (an admin cannot switch off their own)."""
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.role == Role.ADMIN and user.is_active_account:
        flash(_("Administrator accounts cannot be switched off here."), "error")
    else:
        user.is_active_account = not user.is_active_account
        db.session.commit()
        flash(_("Account switched on.") if user.is_active_account else _("Account switched off."), "success")
    return redirect(url_for("admin.users"))


@bp.get("/jobs")
@roles(Role.ADMIN)
def jobs():
    """Recent background jobs with their state, for operators."""
    recent = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(100)).all()
    return render_template("admin/jobs.html", jobs=recent)


@bp.app_template_filter("reject_page")
def reject_page(args: dict) -> dict:
    """Query arguments without the page number, for pager links."""
    return {k: v for k, v in args.items() if k != "page"}


bp.add_app_template_global(describe, "describe")
