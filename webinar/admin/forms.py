"""Admin forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp


class TeacherForm(FlaskForm):
    """A new teacher account."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    username = StringField(
        _l("Login (leave empty to make one from the name)"),
        validators=[Optional(), Length(max=64),
                    Regexp(r"^[a-zA-Z0-9._-]+$", message=_l("Use Latin letters, digits, dots, dashes."))],
    )
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Create teacher"))


class RosterForm(FlaskForm):
    """A roster CSV to import."""

    file = FileField(_l("Roster file (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))])
    group = StringField(_l("Group (for rows without one)"), validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Import"))


class ConfirmForm(FlaskForm):
    """A bare form: its CSRF token guards a one-button action."""
