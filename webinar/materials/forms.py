"""Forms for teaching materials (each carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webinar.materials.messages import ACCEPTED


class AddForm(FlaskForm):
    """Step 1 and 2 of adding a file: which section, which file (the title is optional)."""

    section = SelectField(_l("Section"), coerce=int)
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to add."))],
                     render_kw={"accept": ",".join("." + e.lower() for e in ACCEPTED.split(", "))})
    title = StringField(_l("Title (optional: the file name is used)"), validators=[Optional(), Length(max=200)])


class VersionForm(FlaskForm):
    """A new version of a material's file."""

    file = FileField(_l("New file"), validators=[FileRequired(_l("Choose a file to add."))])


class TitleForm(FlaskForm):
    """A name: of a material or of a section."""

    title = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)])
