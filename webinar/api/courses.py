"""The user's courses: the ones they teach, study, or (admins) all of them."""
from __future__ import annotations

from flask_login import current_user

from webinar.access import signed_in
from webinar.api import bp
from webinar.api.schemas import CourseList, CourseOut, GroupOut
from webinar.api.spec import ID, reads, spec
from webinar.courses.queries import course_for, courses_of
from webinar.models import Course, Role, User


def course_out(course: Course, user: User) -> CourseOut:
    """A course as the API shows it to this user."""
    return CourseOut(id=course.id, title=course.title, academic_year=course.academic_year,
                     semester=course.semester, assessment=course.assessment.value,
                     teachers=[t.full_name for t in course.teachers],
                     groups=[GroupOut(id=g.id, name=g.name) for g in course.groups],
                     can_manage=user.role == Role.ADMIN or course.is_taught_by(user))


@bp.get("/courses")
@signed_in
@spec.validate(resp=reads(CourseList), tags=["courses"], operation_id="listCourses")
def courses():
    """The courses the user teaches or studies (all of them for an admin), newest term first."""
    return CourseList(items=[course_out(c, current_user) for c in courses_of(current_user)])


@bp.get(f"/courses/<{ID}:course_id>")
@signed_in
@spec.validate(resp=reads(CourseOut), tags=["courses"], operation_id="getCourse")
def course(course_id: int):
    """One course: its term, assessment, teachers and groups."""
    return course_out(course_for(current_user, course_id), current_user)
