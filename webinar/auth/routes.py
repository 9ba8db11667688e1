"""Sign in, sign out, change password."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from webinar.access import public, signed_in
from webinar.auth import bp
from webinar.auth.forms import ChangePasswordForm, LoginForm
from webinar.extensions import db, limiter, login_manager
from webinar.i18n import safe_next
from webinar.models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The signed-in user for a session or remember-cookie id ("<id>-<password fingerprint>")."""
    user_id, _sep, _fingerprint = session_id.partition("-")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.session_id_matches(session_id) else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    """The login being tried: guessing one account's password from many addresses counts together."""
    return "login:" + request.form.get("username", "").strip().lower()[:64]


_DUMMY_HASH: dict[str, str] = {}


def _spend_a_hash_check(password: str) -> None:
    """Check a password against a throwaway hash, so an unknown login takes as long as a wrong password."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    check_password_hash(_DUMMY_HASH.setdefault(method, generate_password_hash("-", method=method)), password)


def _fresh_session() -> None:
    """A new session at sign-in: nothing planted before it (a CSRF token, say) survives; the language does."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login():
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("courses.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip().lower()))
        if user is None:
            _spend_a_hash_check(form.password.data)
        if user is None or not user.check_password(form.password.data):
            flash(_("Wrong login or password."), "error")
        elif not user.is_active:
            flash(_("This account is switched off. Ask the administrator."), "error")
        else:
            _fresh_session()
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
@limiter.limit(_login_limit, methods=["POST"], key_func=lambda: f"password:{current_user.id}")
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
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            # this session (and its remember cookie) follows the new password; every other one ends
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("courses.home"))
    return render_template("auth/password.html", form=form)
