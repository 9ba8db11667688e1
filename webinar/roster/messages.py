"""Roster problems as sentences in the user's language."""
from __future__ import annotations

from flask_babel import gettext as _

from webinar.roster.csvfile import Problem


def _texts(problem: Problem) -> dict[str, str]:
    v = problem.value
    return {
        "empty": _("The file has no students in it. Check that you chose the right file."),
        "encoding": _("The file's text encoding could not be recognised. In Excel choose "
                      "'Save as' → 'CSV UTF-8' and upload it again."),
        "no_name_column": _("No column with full names was found (the first row has: %(v)s). "
                            "Name the columns 'Full name', 'E-mail', 'Group'.", v=v),
        "too_many_rows": _("The file has too many rows: import at most %(v)s students at a time.", v=v),
        "no_name": _("The full name is empty."),
        "name_too_long": _("The full name is too long: %(v)s…", v=v),
        "no_group": _("No group is given for %(v)s. Add a group column or fill in the group in the form.", v=v),
        "group_too_long": _("The group name is too long: %(v)s…", v=v),
        "bad_email": _("'%(v)s' is not a valid e-mail address.", v=v),
        "duplicate_row": _("Repeats row %(v)s; skipped.", v=v),
        "namesake": _("%(v)s appears twice in the same group; both were imported.", v=v),
    }


def describe(problem: Problem | dict) -> str:
    """'Row N: message', or just the message for a problem of the whole file."""
    if isinstance(problem, dict):
        problem = Problem(**problem)
    text = _texts(problem)[problem.code]
    return _("Row %(n)s: %(text)s", n=problem.line, text=text) if problem.line else text
