"""Operator commands: flask create-admin, import-roster, reset-password, worker, serve, jobs, expire-uploads."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from webinar.extensions import db
from webinar.models import Job, JobStatus, Role, User
from webinar.models.uploads import expire_uploads
from webinar.roster.accounts import job_payload, new_password
from webinar.roster.csvfile import RosterFileError, parse
from webinar.roster.export import read_credentials
from webinar.roster.messages import describe
from webinar.storage import read_bytes
from workers import enqueue
from workers.consumer import run_consumer, serve_with_worker


@click.command("create-admin")
@with_appcontext
@click.argument("username", default="admin")
@click.option("--full-name", default="Administrator")
@click.option("--if-none", is_flag=True, help="Do nothing if an admin already exists.")
def create_admin(username: str, full_name: str, if_none: bool) -> None:
    """Create an admin account and print its one-time password."""
    if if_none and db.session.scalar(select(User).where(User.role == Role.ADMIN)):
        return
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"login {username!r} is taken")
    password = new_password()
    admin = User(username=username.lower(), full_name=full_name, role=Role.ADMIN, must_change_password=True)
    admin.set_password(password)
    db.session.add(admin)
    db.session.commit()
    click.echo(f"Admin created. Login: {admin.username}  One-time password: {password}")


@click.command("reset-password")
@with_appcontext
@click.argument("username")
def reset_password(username: str) -> None:
    """Give a user a new one-time password and print it."""
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    password = new_password()
    user.set_password(password)
    user.must_change_password = True
    db.session.commit()
    click.echo(f"Login: {user.username}  One-time password: {password}")


@click.command("import-roster")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", default="", help="Group for rows that name none.")
@click.option("--wait/--no-wait", default=True, help="Run the import here and print the logins.")
def import_roster(file: Path, group: str, wait: bool) -> None:
    """Import a roster CSV (full name, e-mail, group) and print the issued logins as CSV."""
    limit = current_app.config["ROSTER_MAX_BYTES"]
    if file.stat().st_size > limit:
        raise click.ClickException(f"{file} is over the roster limit of {limit} bytes")
    try:
        roster = parse(file.read_bytes(), group, current_app.config["ROSTER_MAX_ROWS"])
    except RosterFileError as exc:
        raise click.ClickException(describe(exc.problem)) from exc
    if roster.errors:
        raise click.ClickException("\n".join(describe(p) for p in roster.errors))
    for warning in roster.warnings:
        click.echo(describe(warning), err=True)
    if wait:
        current_app.extensions["aralyk.huey"].immediate = True
    job = enqueue("roster_import", job_payload(roster))
    db.session.refresh(job)
    if job.status != JobStatus.DONE:
        click.echo(f"Import queued as job {job.id}; see /admin/roster/{job.id}")
        return
    for row in read_credentials(read_bytes(job.result["credentials"])):
        click.echo(",".join(row))


@click.command("worker")
@with_appcontext
@click.option("--threads", type=int, default=None)
def worker(threads: int | None) -> None:
    """Run a job consumer (and the lease reaper) in this process until stopped."""
    run_consumer(current_app._get_current_object(), threads or current_app.config["WORKER_THREADS"])


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve(host: str, port: int) -> None:
    """Serve the web app with an in-process job consumer: the embedded default."""
    serve_with_worker(current_app._get_current_object(), host, port)


@click.command("jobs")
@with_appcontext
def jobs() -> None:
    """List recent jobs and their state."""
    for job in db.session.scalars(select(Job).order_by(Job.id.desc()).limit(20)):
        click.echo(f"{job.id}\t{job.kind}\t{job.status.value}\t{job.progress:.0%}\t{job.attempts}\t{job.error or ''}")


@click.command("expire-uploads")
@with_appcontext
def expire_uploads_command() -> None:
    """Remove abandoned uploads and their staged files (cron this on each web host when scaled out)."""
    click.echo(f"removed {expire_uploads()} abandoned uploads")


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (create_admin, reset_password, import_roster, worker, serve, jobs, expire_uploads_command):
        app.cli.add_command(command)
