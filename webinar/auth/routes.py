"""Sign in, sign out, change password."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from webinar.access import public, signed_in
from webinar.auth import bp
from webinar.auth.forms import ChangePasswordForm, LoginForm
from webinar.extensions import db, limiter, login_manager
from webinar.i18n import safe_next
from webinar.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user for a session id."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("courses.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip().lower()))
        if user is None or not user.check_password(form.password.data):
            flash(_("Wrong login or password."), "error")
        elif not user.is_active:
            flash(_("This account is switched off. Ask the administrator."), "error")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("courses.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@public
def logout():
    """Sign out."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    """Change one's own password (required after a generated one)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        else:
            current_user.set_password(form.new.data)
            current_user.must_change_password = False
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("courses.home"))
    return render_template("auth/password.html", form=form)
