"""The teacher's main form, the course form and course pages, for each role."""
from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, Iterable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import login
from tests.helpers import both_databases
from webinar.courses.forms import academic_year, year_choices
from webinar.extensions import db
from webinar.models import Assessment, Course, CourseTeacher, Group, Role

YEAR = academic_year()
LAST_YEAR = year_choices()[-1]


# --- helpers ---------------------------------------------------------------------------------------------

class _Selects(HTMLParser):
    """Collects every <select> of a page: name -> [(value, label, selected)]."""

    def __init__(self) -> None:
        super().__init__()
        self.selects: dict[str, list[tuple[str, str, bool]]] = {}
        self._select: str | None = None
        self._option: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "select":
            self._select = found.get("name") or ""
            self.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = {"value": found.get("value"), "label": "", "selected": "selected" in found}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["label"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            label = self._option["label"].strip()
            value = self._option["value"] if self._option["value"] is not None else label
            self.selects[self._select].append((value, label, self._option["selected"]))
            self._option = None
        elif tag == "select":
            self._select = None


def options(html: str, name: str) -> list[str]:
    """The labels offered by the <select name=name>; [] when the page has no such select."""
    parser = _Selects()
    parser.feed(html)
    return [label for _, label, _ in parser.selects.get(name, [])]


def chosen(html: str, name: str) -> list[str]:
    """The labels selected in the <select name=name>."""
    parser = _Selects()
    parser.feed(html)
    return [label for _, label, selected in parser.selects.get(name, []) if selected]


def has_select(html: str, name: str) -> bool:
    parser = _Selects()
    parser.feed(html)
    return name in parser.selects


def page(client: FlaskClient, url: str, **query: Any) -> str:
    """GET a page that must answer 200, as text."""
    response = client.get(url, query_string=query)
    assert response.status_code == 200, (url, response.status_code, response.location)
    return response.get_data(as_text=True)


def group_ids(app: Flask, *names: str) -> list[int]:
    """Ids of the named groups, creating the missing ones."""
    with app.app_context():
        found = []
        for name in names:
            group = db.session.scalar(select(Group).where(Group.name == name)) or Group(name=name)
            db.session.add(group)
            db.session.flush()
            found.append(group.id)
        db.session.commit()
        return found


def form(title: str = "Algebra", *, year: str = YEAR, semester: int = 1, assessment: str = "exam",
         groups: Iterable[int] = (), co_teachers: Iterable[int] = (), **extra: Any) -> dict[str, Any]:
    """The course form's fields as the browser posts them."""
    return {"academic_year": year, "semester": semester, "title": title, "assessment": assessment,
            "groups": list(groups), "co_teachers": list(co_teachers), **extra}


def create(client: FlaskClient, title: str = "Algebra", **fields: Any) -> int:
    """Create a course through the form and return its id."""
    response = client.post("/courses/new", data=form(title, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    with client.application.app_context():
        return db.session.scalar(select(func.max(Course.id)))


def edit(client: FlaskClient, course_id: int, title: str = "Algebra", **fields: Any):
    return client.post(f"/courses/{course_id}/edit", data=form(title, **fields))


def course_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Course))


def stored(app: Flask, course_id: int) -> dict[str, Any]:
    """The course as saved: term, title, assessment, owner, co-teachers and groups."""
    with app.app_context():
        course = db.session.get(Course, course_id)
        links = course.teacher_links
        return {
            "year": course.academic_year, "semester": course.semester, "title": course.title,
            "assessment": course.assessment,
            "owners": [link.teacher.username for link in links if link.is_owner],
            "co_teachers": sorted(link.teacher.username for link in links if not link.is_owner),
            "groups": [g.name for g in course.groups],
        }


@pytest.fixture
def co_teacher(as_role) -> FlaskClient:
    return as_role(Role.TEACHER, "coteacher")


@pytest.fixture
def stranger(as_role) -> FlaskClient:
    return as_role(Role.TEACHER, "stranger")


@pytest.fixture
def login_as(app: Flask):
    """A new client signed in as an existing user."""
    def signed_in(username: str) -> FlaskClient:
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client
    return signed_in


# --- creating a course -------------------------------------------------------------------------------------

def test_teacher_creates_a_course_and_owns_it(app: Flask, as_teacher, co_teacher) -> None:
    g1, g2 = group_ids(app, "ПИ-1-23", "ЭК-2-24")
    course_id = create(as_teacher, "Algebra", semester=2, assessment="coursework",
                       groups=[g1, g2], co_teachers=[co_teacher.user.id])
    assert stored(app, course_id) == {
        "year": YEAR, "semester": 2, "title": "Algebra", "assessment": Assessment.COURSEWORK,
        "owners": ["teacher"], "co_teachers": ["coteacher"], "groups": ["ПИ-1-23", "ЭК-2-24"],
    }
    assert "Algebra" in page(as_teacher, "/")


def test_title_spaces_are_tidied(app: Flask, as_teacher) -> None:
    course_id = create(as_teacher, "  Data   structures ")
    assert stored(app, course_id)["title"] == "Data structures"


def test_co_teacher_sees_the_course_and_may_edit_it(as_teacher, co_teacher) -> None:
    course_id = create(as_teacher, "Algebra", co_teachers=[co_teacher.user.id])
    assert "Algebra" in page(co_teacher, "/")
    assert "Algebra" in page(co_teacher, f"/courses/{course_id}")
    assert chosen(page(co_teacher, f"/courses/{course_id}/edit"), "co_teachers") == ["Coteacher"]


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("GET", "/edit"), ("POST", "/edit")])
def test_another_teacher_is_refused(app: Flask, as_teacher, stranger, method: str, suffix: str) -> None:
    course_id = create(as_teacher, "Algebra")
    response = stranger.open(f"/courses/{course_id}{suffix}", method=method, data=form("Mine now"))
    assert response.status_code == 403
    assert stored(app, course_id)["title"] == "Algebra"


def test_another_teachers_home_does_not_list_the_course(as_teacher, stranger) -> None:
    create(as_teacher, "Algebra")
    assert "Algebra" not in page(stranger, "/")


@pytest.mark.parametrize("url", ["/courses/999999", "/courses/999999/edit"])
@pytest.mark.parametrize("role", [Role.TEACHER, Role.ADMIN])
def test_missing_course_is_404(as_role, role: Role, url: str) -> None:
    assert as_role(role).get(url).status_code == 404


def test_new_teacher_home_says_no_courses_yet(as_teacher) -> None:
    html = page(as_teacher, "/")
    assert "No courses yet" in html
    assert 'href="/courses/new"' in html


# --- refused course forms ----------------------------------------------------------------------------------

@both_databases
@pytest.mark.parametrize("again", ["Algebra", "  Algebra "])
def test_same_discipline_twice_in_a_term_is_refused(app: Flask, as_teacher, again: str) -> None:
    create(as_teacher, "Algebra", semester=1)
    response = as_teacher.post("/courses/new", data=form(again, semester=1))
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert course_count(app) == 1


@pytest.mark.parametrize("other_term", [{"semester": 2}, {"year": LAST_YEAR}])
def test_same_discipline_in_another_term_is_allowed(app: Flask, as_teacher, other_term: dict) -> None:
    create(as_teacher, "Algebra")
    create(as_teacher, "Algebra", **other_term)
    assert course_count(app) == 2


@pytest.mark.parametrize("title", ["", "   "])
def test_blank_title_is_refused(app: Flask, as_teacher, title: str) -> None:
    response = as_teacher.post("/courses/new", data=form(title))
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    assert course_count(app) == 0


@pytest.mark.parametrize("bad", [{"semester": 3}, {"assessment": "oral"}, {"year": "1999-2000"}])
def test_values_outside_the_lists_are_refused(app: Flask, as_teacher, bad: dict) -> None:
    response = as_teacher.post("/courses/new", data=form("Algebra", **bad))
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert course_count(app) == 0


# --- the owner: picked by an admin, the teacher themselves otherwise -----------------------------------------

def test_teacher_form_has_no_owner_field(as_teacher) -> None:
    html = page(as_teacher, "/courses/new")
    assert not has_select(html, "owner")
    assert chosen(html, "academic_year") == [YEAR]


def test_teacher_cannot_make_someone_else_owner(app: Flask, as_teacher, stranger) -> None:
    course_id = create(as_teacher, "Algebra", owner=stranger.user.id)
    assert stored(app, course_id)["owners"] == ["teacher"]


def test_admin_must_pick_the_owner(app: Flask, as_admin, make_user) -> None:
    make_user("aibek", Role.TEACHER, full_name="Aibek Asanov")
    html = page(as_admin, "/courses/new")
    assert options(html, "owner") == ["Aibek Asanov"]
    response = as_admin.post("/courses/new", data=form("Algebra"))
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert course_count(app) == 0


def test_admin_creates_a_course_for_a_teacher(app: Flask, as_admin, make_user, login_as) -> None:
    owner = make_user("aibek", Role.TEACHER)
    course_id = create(as_admin, "Algebra", owner=owner.id)
    assert stored(app, course_id)["owners"] == ["aibek"]
    assert stored(app, course_id)["co_teachers"] == []
    assert "Algebra" in page(login_as("aibek"), "/")


# --- the main form: year -> semester -> discipline -> group ----------------------------------------------------

@pytest.fixture
def terms(app: Flask, as_teacher) -> dict[str, int]:
    """Courses in two years: this year in both semesters, last year in the second only."""
    g1, g2, g3, g4 = group_ids(app, "G1", "G2", "G3", "G4")
    return {
        "Algebra": create(as_teacher, "Algebra", semester=1, groups=[g1, g2]),
        "Algorithms": create(as_teacher, "Algorithms", semester=1, groups=[g3]),
        "Biology": create(as_teacher, "Biology", semester=2, groups=[g4]),
        "Chemistry": create(as_teacher, "Chemistry", year=LAST_YEAR, semester=2, groups=[g1]),
        "G1": g1, "G2": g2, "G3": g3, "G4": g4,
    }


def test_main_form_offers_every_year_newest_first(as_teacher, terms) -> None:
    html = page(as_teacher, "/")
    assert options(html, "year") == [YEAR, LAST_YEAR]
    assert chosen(html, "year") == [YEAR]


@pytest.mark.parametrize(("query", "semesters", "courses"), [
    ({"year": LAST_YEAR}, ["2"], ["Chemistry"]),
    ({"year": YEAR, "semester": 1}, ["1", "2"], ["Algebra", "Algorithms"]),
    ({"year": YEAR, "semester": 2}, ["1", "2"], ["Biology"]),
    ({"year": LAST_YEAR, "semester": 1}, ["2"], ["Chemistry"]),  # a semester the year lacks falls back
])
def test_choosing_a_term_narrows_semesters_and_courses(as_teacher, terms, query, semesters, courses) -> None:
    html = page(as_teacher, "/", **query)
    assert chosen(html, "year") == [query["year"]]
    assert options(html, "semester") == semesters
    assert options(html, "course") == courses


@pytest.mark.parametrize(("course", "groups"), [("Algebra", ["G1", "G2"]), ("Algorithms", ["G3"])])
def test_choosing_a_course_lists_only_its_groups(as_teacher, terms, course: str, groups: list[str]) -> None:
    html = page(as_teacher, "/", year=YEAR, semester=1, course=terms[course])
    assert chosen(html, "course") == [course]
    assert options(html, "group") == groups


def test_choosing_a_group_selects_it_and_links_its_course_page(as_teacher, terms) -> None:
    html = page(as_teacher, "/", year=YEAR, semester=1, course=terms["Algebra"], group=terms["G2"])
    assert chosen(html, "group") == ["G2"]
    assert "Group G2: 0 students" in html
    assert f'href="/courses/{terms["Algebra"]}?group={terms["G2"]}"' in html


@pytest.mark.parametrize("course", ["999999", "not-a-number", "Chemistry"])
def test_unknown_course_falls_back_to_the_first(as_teacher, terms, course: str) -> None:
    wanted = terms.get(course, course)  # Chemistry exists, but not in this term
    html = page(as_teacher, "/", year=YEAR, semester=1, course=wanted)
    assert chosen(html, "course") == ["Algebra"]
    assert options(html, "group") == ["G1", "G2"]


def test_course_without_groups_invites_to_add_some(as_teacher) -> None:
    course_id = create(as_teacher, "Algebra")
    html = page(as_teacher, "/")
    assert "No groups in this course yet." in html
    assert f'href="/courses/{course_id}/edit"' in html


# --- students ------------------------------------------------------------------------------------------------

@pytest.fixture
def two_courses(app: Flask, as_teacher, as_student) -> dict[str, int]:
    """A course of the student's group and one of another group."""
    ours, theirs = group_ids(app, "ПИ-1-23", "ЭК-2-24")
    return {"ours": create(as_teacher, "Algebra", groups=[ours]),
            "theirs": create(as_teacher, "Economics", groups=[theirs])}


def test_student_home_lists_only_their_groups_courses(as_student, two_courses) -> None:
    html = page(as_student, "/")
    assert "Algebra" in html and "Economics" not in html
    assert "Group: ПИ-1-23" in html


@pytest.mark.parametrize(("course", "status"), [("ours", 200), ("theirs", 403)])
def test_student_opens_only_their_groups_courses(as_student, two_courses, course: str, status: int) -> None:
    assert as_student.get(f"/courses/{two_courses[course]}").status_code == status


def test_student_cannot_edit_a_course(as_student, two_courses) -> None:
    assert as_student.get(f"/courses/{two_courses['ours']}/edit").status_code == 403


@both_databases
def test_student_in_two_groups_sees_a_shared_course_once(app: Flask, as_teacher, make_user, login_as) -> None:
    both = group_ids(app, "A-1", "B-1")
    create(as_teacher, "Algebra", groups=both)
    make_user("twice", Role.STUDENT, groups=("A-1", "B-1"))
    html = page(login_as("twice"), "/")
    assert html.count(">Algebra</a>") == 1


def test_student_course_page_does_not_list_classmates(as_student, make_user, two_courses) -> None:
    make_user("classmate.k", Role.STUDENT, groups=("ПИ-1-23",), full_name="Kasymova Aigerim")
    html = page(as_student, f"/courses/{two_courses['ours']}")
    assert "Algebra" in html
    assert "classmate.k" not in html and "Kasymova Aigerim" not in html
    assert "Edit course" not in html


def test_teacher_course_page_lists_the_chosen_groups_students(app: Flask, as_teacher, make_user) -> None:
    first, second = group_ids(app, "A-1", "B-1")
    make_user("alpha.a", Role.STUDENT, groups=("A-1",))
    make_user("beta.b", Role.STUDENT, groups=("B-1",))
    course_id = create(as_teacher, "Algebra", groups=[first, second])
    html = page(as_teacher, f"/courses/{course_id}", group=second)
    assert "<code>beta.b</code>" in html and "alpha.a" not in html
    assert "<code>alpha.a</code>" in page(as_teacher, f"/courses/{course_id}")  # first group by default


# --- editing -------------------------------------------------------------------------------------------------

def test_edit_form_shows_the_course(app: Flask, as_teacher, co_teacher) -> None:
    (g1,) = group_ids(app, "G1")
    course_id = create(as_teacher, "Algebra", semester=2, assessment="credit", groups=[g1],
                       co_teachers=[co_teacher.user.id])
    html = page(as_teacher, f"/courses/{course_id}/edit")
    assert 'value="Algebra"' in html
    assert chosen(html, "semester") == ["2"]
    assert chosen(html, "assessment") == ["Credit"]
    assert chosen(html, "groups") == ["G1"]
    assert chosen(html, "co_teachers") == ["Coteacher"]


def test_edit_replaces_one_group_and_keeps_the_rest(app: Flask, as_teacher, co_teacher) -> None:
    g1, g2, g3 = group_ids(app, "G1", "G2", "G3")
    course_id = create(as_teacher, "Algebra", groups=[g1, g2], co_teachers=[co_teacher.user.id])
    response = edit(as_teacher, course_id, "Algebra", groups=[g2, g3], co_teachers=[co_teacher.user.id])
    assert response.status_code == 302 and response.location == f"/courses/{course_id}"
    saved = stored(app, course_id)
    assert saved["groups"] == ["G2", "G3"]
    assert saved["owners"] == ["teacher"] and saved["co_teachers"] == ["coteacher"]


def test_edit_changes_co_teachers(app: Flask, as_teacher, co_teacher, stranger) -> None:
    course_id = create(as_teacher, "Algebra", co_teachers=[co_teacher.user.id])
    assert edit(as_teacher, course_id, "Algebra", co_teachers=[stranger.user.id]).status_code == 302
    assert stored(app, course_id)["co_teachers"] == ["stranger"]
    assert co_teacher.get(f"/courses/{course_id}").status_code == 403
    assert stranger.get(f"/courses/{course_id}").status_code == 200


def test_owner_stays_owner_when_a_co_teacher_edits(app: Flask, as_teacher, co_teacher, stranger) -> None:
    course_id = create(as_teacher, "Algebra", co_teachers=[co_teacher.user.id])
    response = edit(co_teacher, course_id, "Algebra II", co_teachers=[co_teacher.user.id, stranger.user.id])
    assert response.status_code == 302
    saved = stored(app, course_id)
    assert saved["title"] == "Algebra II"
    assert saved["owners"] == ["teacher"]
    assert saved["co_teachers"] == ["coteacher", "stranger"]


def test_admin_moves_a_course_to_another_owner(app: Flask, as_admin, as_teacher, co_teacher) -> None:
    course_id = create(as_teacher, "Algebra", co_teachers=[co_teacher.user.id])
    assert chosen(page(as_admin, f"/courses/{course_id}/edit"), "owner") == ["Teacher"]
    response = edit(as_admin, course_id, "Algebra", owner=co_teacher.user.id, co_teachers=[as_teacher.user.id])
    assert response.status_code == 302
    saved = stored(app, course_id)
    assert saved["owners"] == ["coteacher"] and saved["co_teachers"] == ["teacher"]


@both_databases
def test_editing_into_an_existing_discipline_shows_the_form_error(app: Flask, as_teacher) -> None:
    create(as_teacher, "Algebra")
    course_id = create(as_teacher, "Biology")
    response = edit(as_teacher, course_id, "Algebra")
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert stored(app, course_id)["title"] == "Biology"


def test_edit_form_keeps_an_older_courses_year(app: Flask, as_teacher) -> None:
    """A course from years ago must not be moved to another year by saving its form unchanged."""
    old_year = "2015-2016"
    with app.app_context():
        course = Course(academic_year=old_year, semester=1, title="Algebra", assessment=Assessment.EXAM,
                        teacher_links=[CourseTeacher(teacher_id=as_teacher.user.id, is_owner=True)])
        db.session.add(course)
        db.session.commit()
        course_id = course.id
    html = page(as_teacher, f"/courses/{course_id}/edit")
    assert chosen(html, "academic_year") == [old_year]
