"""Home pages, the main form, course pages and the course form."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from webinar.access import public, roles, signed_in
from webinar.courses import bp
from webinar.courses.forms import ASSESSMENT_LABELS, CourseForm, academic_year
from webinar.courses.queries import course_for, courses_of, pick
from webinar.extensions import db
from webinar.lectures.forms import ConfirmForm
from webinar.lectures.progress import watch_progress
from webinar.lectures.service import lectures_of
from webinar.courses.home import student_overview
from webinar.live.access import lobby_is_open
from webinar.live.routes import sessions_of
from webinar.models import Assessment, Course, CourseGroup, CourseTeacher, Group, Role, User


@bp.get("/")
@public
def home():
    """Each role's start page; the sign-in form for visitors."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.ADMIN:
        return redirect(url_for("admin.users"))
    courses = courses_of(current_user)
    if current_user.role == Role.STUDENT:
        return render_template("courses/student_home.html", home=student_overview(current_user, courses),
                               lobby_is_open=lobby_is_open)
    picker = pick(courses, request.args.get("year"), request.args.get("semester", type=int),
                  request.args.get("course", type=int), request.args.get("group", type=int))
    return render_template("courses/teacher_home.html", picker=picker, courses=courses,
                           labels=ASSESSMENT_LABELS)


@bp.get("/courses/<int:course_id>")
@signed_in
def course(course_id: int):
    """A course: its term, teachers and groups; the roster of a group for its teachers."""
    found = course_for(current_user, course_id)
    can_manage = current_user.role == Role.ADMIN or found.is_taught_by(current_user)
    groups = found.groups
    group = next((g for g in groups if g.id == request.args.get("group", type=int)), groups[0] if groups else None)
    lectures = lectures_of(found, current_user)
    watched = {p.lecture_id: p.share(p.lecture.duration) for p in watch_progress(current_user, lectures)}
    return render_template("courses/course.html", course=found, groups=groups, group=group,
                           can_manage=can_manage, labels=ASSESSMENT_LABELS, lectures=lectures,
                           watched=watched, confirm=ConfirmForm(), webinars=sessions_of(found, current_user))


def _fill_choices(form: CourseForm) -> None:
    """Offer every group and teacher; only an admin picks the owner."""
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    teachers = db.session.scalars(select(User).where(User.role == Role.TEACHER).order_by(User.full_name)).all()
    form.groups.choices = [SelectChoice(g.id, g.name) for g in groups]
    form.co_teachers.choices = [SelectChoice(t.id, t.full_name) for t in teachers]
    if current_user.role == Role.ADMIN:
        form.owner.choices = form.co_teachers.choices
    else:
        del form.owner


def _owner_id(form: CourseForm, found: Course) -> int:
    """The admin's pick; for a teacher, the existing owner, or themselves on a new course."""
    if current_user.role == Role.ADMIN:
        return form.owner.data
    return found.teachers[0].id if found.teacher_links else current_user.id


def _sync_links(found: Course, owner_id: int, co_teacher_ids: list[int], group_ids: list[int]) -> None:
    """Make the course's teacher and group links match the choices, keeping rows that stay."""
    wanted = {owner_id, *co_teacher_ids}
    found.teacher_links = [link for link in found.teacher_links if link.teacher_id in wanted]
    have = {link.teacher_id for link in found.teacher_links}
    found.teacher_links += [CourseTeacher(teacher_id=t) for t in wanted - have]
    for link in found.teacher_links:
        link.is_owner = link.teacher_id == owner_id
    found.group_links = [link for link in found.group_links if link.group_id in group_ids]
    have = {link.group_id for link in found.group_links}
    found.group_links += [CourseGroup(group_id=g) for g in dict.fromkeys(group_ids) if g not in have]


def _save(form: CourseForm, found: Course) -> bool:
    """Copy the form into the course and commit; False (with a form error) on a duplicate."""
    owner_id = _owner_id(form, found)
    try:
        with db.session.no_autoflush:
            found.academic_year, found.semester = form.academic_year.data, form.semester.data
            found.title = " ".join(form.title.data.split())
            found.assessment = Assessment(form.assessment.data)
            _sync_links(found, owner_id, form.co_teachers.data, form.groups.data)
        db.session.add(found)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.title.errors.append(_("This discipline already exists in that year and semester."))
        return False
    return True


@bp.route("/courses/new", methods=["GET", "POST"])
@roles(Role.TEACHER, Role.ADMIN)
def new_course():
    """Create a course: term, discipline, assessment, groups, teachers."""
    form = CourseForm()
    _fill_choices(form)
    if request.method == "GET":
        form.academic_year.data = academic_year()
    if form.validate_on_submit() and _save(form, Course()):
        flash(_("The course was created."), "success")
        return redirect(url_for("courses.home"))
    return render_template("courses/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles(Role.TEACHER, Role.ADMIN)
def edit_course(course_id: int):
    """Change a course's term, groups or teachers."""
    found = course_for(current_user, course_id, manage=True)
    form = CourseForm(obj=found if request.method == "GET" else None)
    _fill_choices(form)
    if found.academic_year not in form.academic_year.choices:
        form.academic_year.choices.append(found.academic_year)
    if request.method == "GET":
        form.assessment.data = found.assessment.value
        form.groups.data = [g.id for g in found.groups]
        form.co_teachers.data = [t.id for t in found.teachers[1:]]
        if form.owner:
            form.owner.data = found.teachers[0].id
    if form.validate_on_submit() and _save(form, found):
        flash(_("The course was saved."), "success")
        return redirect(url_for("courses.course", course_id=found.id))
    return render_template("courses/course_form.html", form=form, course=found)
