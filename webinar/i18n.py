"""Interface language: the user's choice, then the session, then Accept-Language."""
from __future__ import annotations

from babel.units import format_unit

from flask import Blueprint, Flask, current_app, flash, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from urllib.parse import urlsplit

from webinar.access import public
from webinar.extensions import babel, db

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The language for this request."""
    if not has_request_context():
        return current_app.config["OPERATOR_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def safe_next(target: str | None, fallback: str) -> str:
    """A same-site path to go back to, never another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or not target.isprintable():  # browsers read /\evil.example as //evil.example
        return fallback
    return target


@bp.post("/language")
@public
def set_language():
    """Switch the interface language and remember it (per user when signed in)."""
    code = request.form.get("language", "")
    if code not in current_app.config["LANGUAGES"]:
        flash(_("This language is not available. Choose Kyrgyz, Russian or English."), "error")
    else:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("courses.home")))


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and expose the languages to templates."""
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.register_blueprint(bp)
    app.jinja_env.globals.update(LANGUAGES=app.config["LANGUAGES"], get_locale=get_locale)


def file_size(count: int) -> str:
    """A byte count as "4 GB" or "300 MB" in the user's language (binary units, as file managers show)."""
    unit, scale = ("digital-gigabyte", 2**30) if count >= 2**30 else ("digital-megabyte", 2**20)
    return format_unit(count / scale, unit, length="short", format="#,##0.#", locale=get_locale())
