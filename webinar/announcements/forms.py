"""The announcement form and the automatic-announcements switch."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webinar.live.forms import CheckboxesField


class AnnouncementForm(FlaskForm):
    """Groups, title, text and an optional due date."""

    groups = CheckboxesField(_l("To groups"), coerce=int, validators=[DataRequired(_l("Choose at least one group."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Message"), validators=[DataRequired()])
    due_on = DateField(_l("Due date (optional)"), validators=[Optional()])

    def validate_text(self, field: TextAreaField) -> None:
        """Refuse a message longer than ANNOUNCEMENT_MAX_CHARS, saying the limit."""
        limit = current_app.config["ANNOUNCEMENT_MAX_CHARS"]
        if len(field.data or "") > limit:
            raise ValidationError(_l("The message is too long: at most %(n)s characters.", n=limit))

    def validate_due_on(self, field: DateField) -> None:
        """Refuse a due date that has already passed (in the university's time zone)."""
        if field.data and field.data < today():
            raise ValidationError(_l("This date has passed. Choose today or a later day."))


def today() -> date:
    """Today's date in the university's time zone."""
    return datetime.now(ZoneInfo(str(get_timezone()))).date()


class AutomaticForm(FlaskForm):
    """Whether new lectures and webinars are announced by themselves."""

    automatic = BooleanField(_l("Announce new lectures and webinars automatically"))
