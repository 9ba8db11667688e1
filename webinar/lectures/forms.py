"""Forms for managing lectures."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from webinar.config import LANGUAGES

CAPTION_LANGUAGES = LANGUAGES  # each language by its own name, as in the language switcher


class TitleForm(FlaskForm):
    """Rename a lecture."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])


class CaptionForm(FlaskForm):
    """Attach a WebVTT caption file for one language."""

    lang = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in CAPTION_LANGUAGES.items()])
    file = FileField(_l("Caption file (.vtt)"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    """A bare form: a CSRF token behind a confirmation button."""
