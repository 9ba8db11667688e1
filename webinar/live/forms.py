"""The webinar scheduling form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes: easier than a multi-select on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScheduleForm(FlaskForm):
    """Title, date, time, duration, groups and optional PDF slides of a webinar."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    day = DateField(_l("Date"), validators=[InputRequired()])
    time = TimeField(_l("Start time"), validators=[InputRequired()])
    duration = IntegerField(_l("Duration, minutes"), default=80, validators=[DataRequired(), NumberRange(10, 480)])
    groups = CheckboxesField(_l("Groups"), coerce=int, validators=[DataRequired(_l("Choose at least one group."))])
    slides = FileField(_l("Slides (PDF, optional)"), validators=[FileAllowed(["pdf"], _l("Choose a PDF file."))])
