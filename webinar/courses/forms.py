"""The course form."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from webinar.models import Assessment


def academic_year(today: date | None = None) -> str:
    """The academic year a date falls in; it starts in September."""
    today = today or date.today()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def year_choices() -> list[str]:
    """Last, current and next academic year."""
    start = int(academic_year()[:4])
    return [f"{y}-{y + 1}" for y in (start + 1, start, start - 1)]


ASSESSMENT_LABELS = {
    Assessment.EXAM: _l("Exam"),
    Assessment.CREDIT: _l("Credit"),
    Assessment.COURSEWORK: _l("Coursework"),
}


class CourseForm(FlaskForm):
    """Year, semester, discipline, assessment, groups, teachers."""

    academic_year = SelectField(_l("Academic year"), validators=[DataRequired()])
    semester = SelectField(_l("Semester"), coerce=int, choices=[SelectChoice(1, "1"), SelectChoice(2, "2")])
    title = StringField(_l("Discipline"), validators=[DataRequired(), Length(max=200)])
    assessment = SelectField(
        _l("Form of assessment"), choices=[SelectChoice(a.value, label) for a, label in ASSESSMENT_LABELS.items()]
    )
    groups = SelectMultipleField(_l("Groups"), coerce=int)
    owner = SelectField(_l("Teacher"), coerce=int)
    co_teachers = SelectMultipleField(_l("Co-teachers"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.academic_year.choices = year_choices()
