"""Roster import: upload a CSV, watch the job, print or download the logins."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_babel import gettext as _

from media.storage import NotFound
from webinar.access import roles
from webinar.admin import bp
from webinar.admin.forms import ConfirmForm, RosterForm
from webinar.extensions import db
from webinar.models import Job, JobStatus, Role
from webinar.roster.accounts import job_payload
from webinar.roster.csvfile import RosterFileError, parse
from webinar.roster.export import csv_bytes, read_credentials
from webinar.roster.messages import describe
from webinar.storage import read_bytes, storage
from workers import enqueue
from workers.lease import queue_position


def _read_limited(form: RosterForm) -> bytes | None:
    """The uploaded file's bytes, or None (with a form error) when it is over the limit."""
    limit = current_app.config["ROSTER_MAX_BYTES"]
    data = form.file.data.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors.append(_("The file is too large: a roster must be under %(kb)s KB.", kb=limit // 1024))
        return None
    return data


@bp.route("/roster", methods=["GET", "POST"])
@roles(Role.ADMIN)
def roster():
    """Upload a roster; problems are listed at once, nothing is created until the file is clean."""
    form = RosterForm()
    problems = []
    if form.validate_on_submit() and (data := _read_limited(form)) is not None:
        try:
            parsed = parse(data, form.group.data or "", current_app.config["ROSTER_MAX_ROWS"])
        except RosterFileError as exc:
            problems = [exc.problem]
        else:
            problems = parsed.errors
        if not problems:
            job = enqueue("roster_import", job_payload(parsed), current_user.id)
            return redirect(url_for("admin.roster_import", job_id=job.id))
    return render_template("admin/roster.html", form=form, problems=[describe(p) for p in problems])


def _import_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != "roster_import":
        abort(404)
    return job


def _credentials(job: Job) -> list[list[str]] | None:
    """The stored login list of a finished import, or None once deleted."""
    if job.status != JobStatus.DONE:
        return None
    try:
        return read_credentials(read_bytes(job.result["credentials"]))
    except NotFound:
        return None


@bp.get("/roster/<int:job_id>")
@roles(Role.ADMIN)
def roster_import(job_id: int):
    """Progress of an import, then the printable login list."""
    job = _import_job(job_id)
    return render_template(
        "admin/roster_import.html", job=job, position=queue_position(job),
        logins=_credentials(job), form=ConfirmForm(),
    )


@bp.get("/roster/<int:job_id>/logins.csv")
@roles(Role.ADMIN)
def roster_csv(job_id: int):
    """The login list as a CSV for Excel (UTF-8 with BOM, formula-safe)."""
    logins = _credentials(_import_job(job_id))
    if logins is None:
        abort(404)
    header = [_("Group"), _("Full name"), _("Login"), _("Password")]
    body = csv_bytes(header, logins)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=logins-{job_id}.csv",
        "Cache-Control": "no-store",
    })


@bp.post("/roster/<int:job_id>/logins/delete")
@roles(Role.ADMIN)
def delete_logins(job_id: int):
    """Delete the stored passwords once they have been handed out."""
    job = _import_job(job_id)
    if not ConfirmForm().validate_on_submit() or job.status != JobStatus.DONE:
        abort(400)
    storage().delete(job.result["credentials"])
    flash(_("The password list was deleted. Students keep their accounts."), "success")
    return redirect(url_for("admin.roster_import", job_id=job_id))
