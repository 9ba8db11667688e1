"""Teaching materials through the real routes: sections, files checked by content, versions, PDF pages.

Files are real (PDFs from fpdf2, OOXML/ODF packages, pictures from Pillow), stored in real local
storage or on the moto S3 server; the PDF pages job runs through the real job runner, inline.
"""
from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from media.storage import S3Storage
from tests.conftest import make_app
from tests.helpers import both_databases
from tests.webinar import materials_files as files
from webinar.extensions import db
from webinar.materials.sections import DEFAULT_SECTIONS
from webinar.models import (Assessment, Course, CourseGroup, CourseTeacher, Group, Material,
                            PagesStatus, Role, Section, User)
from webinar.storage import storage

GROUP, OTHER_GROUP = "ПИ-1-23", "ФИ-2-22"
KEY = re.compile(r"materials/\d+/\d+/v\d+-[0-9a-f]{16}(\.[a-z]+|-pages-[0-9a-f]{8}/\d+\.(webp|jpg))")


@dataclass
class World:
    """A course with its teacher and student, and another course with its own teacher and student."""

    app: Flask
    teacher: FlaskClient
    student: FlaskClient
    other_teacher: FlaskClient
    other_student: FlaskClient
    course_id: int
    other_course_id: int

    def sections(self, course_id: int | None = None) -> list[tuple[int, str]]:
        with self.app.app_context():
            rows = db.session.query(Section).filter_by(course_id=course_id or self.course_id)
            return [(s.id, s.title) for s in rows.order_by(Section.position)]

    def section(self, index: int = 0) -> int:
        if not self.sections():
            self.teacher.get(f"/courses/{self.course_id}/materials")
        return self.sections()[index][0]

    def materials(self) -> list[Material]:
        with self.app.app_context():
            found = db.session.query(Material).order_by(Material.position).all()
            for m in found:
                _ = [v.number for v in m.versions]
                db.session.expunge(m)
            return found

    def keys(self) -> list[str]:
        with self.app.app_context():
            return list(storage().list("materials/"))

    def add(self, name: str, data: bytes, section: int | None = None, who: FlaskClient | None = None,
            course_id: int | None = None, **form: Any):
        """Post a file through the add form."""
        client = who or self.teacher
        body = {"section": section or self.section(), "file": (io.BytesIO(data), name), **form}
        return client.post(f"/courses/{course_id or self.course_id}/materials", data=body,
                           content_type="multipart/form-data")

    def added(self, name: str, data: bytes, **kwargs: Any) -> int:
        """Add a file that must be taken; its material's id."""
        response = self.add(name, data, **kwargs)
        assert response.status_code == 302, _error(response)
        return max(m.id for m in self.materials())


def _error(response) -> str:
    found = re.findall(r'<p class="error">([^<]+)</p>', response.get_data(as_text=True))
    return " ".join(found) or response.status


def _course(title: str, teacher_id: int, group_name: str) -> int:
    group = db.session.query(Group).filter_by(name=group_name).one_or_none() or Group(name=group_name)
    course = Course(academic_year="2026-2027", semester=1, title=title, assessment=Assessment.EXAM)
    course.teacher_links.append(CourseTeacher(teacher=db.session.get(User, teacher_id), is_owner=True))
    course.group_links.append(CourseGroup(group=group))
    db.session.add(course)
    db.session.commit()
    return course.id


@pytest.fixture
def world(app: Flask, as_role: Callable[..., FlaskClient]) -> World:
    teacher = as_role(Role.TEACHER, "teacher")
    student = as_role(Role.STUDENT, "student", groups=(GROUP,))
    other_teacher = as_role(Role.TEACHER, "other-teacher")
    other_student = as_role(Role.STUDENT, "other-student", groups=(OTHER_GROUP,))
    with app.app_context():
        course_id = _course("Физика", teacher.user.id, GROUP)
        other_id = _course("Химия", other_teacher.user.id, OTHER_GROUP)
    return World(app, teacher, student, other_teacher, other_student, course_id, other_id)


def fetch(client: FlaskClient, url: str):
    """A GET whose body is read before send_file's file is closed."""
    with client.get(url) as response:
        response.data  # noqa: B018
        return response


def disposition_name(response) -> str:
    """The file name a browser saves the download under."""
    value = response.headers["Content-Disposition"]
    found = re.search(r"filename\*=UTF-8''([^;]+)", value)
    return unquote(found.group(1)) if found else re.search(r'filename="?([^";]+)', value).group(1)


# Sections

def test_the_first_visit_makes_the_six_sections_once(world: World) -> None:
    page = world.teacher.get(f"/courses/{world.course_id}/materials")
    assert page.status_code == 200
    titles = [t for _, t in world.sections()]
    assert titles == [str(t) for t in DEFAULT_SECTIONS]
    text = page.get_data(as_text=True)
    assert "No materials yet — add the syllabus first." in text
    assert all(t in text for t in titles)
    world.student.get(f"/courses/{world.course_id}/materials")
    assert len(world.sections()) == 6


def test_default_sections_are_made_in_the_teachers_language(world: World) -> None:
    world.teacher.post("/language", data={"language": "ru"})
    world.student.post("/language", data={"language": "ky"})
    world.student.get(f"/courses/{world.course_id}/materials")  # a student first: still the teacher's language
    with world.app.test_request_context():
        from flask_babel import force_locale
        with force_locale("ru"):
            expected = [str(t) for t in DEFAULT_SECTIONS]
    assert [t for _, t in world.sections()] == expected


@both_databases
def test_teachers_rename_add_reorder_and_remove_sections(world: World) -> None:
    first, second = world.section(0), world.section(1)
    assert world.teacher.post(f"/material-sections/{first}/title", data={"title": "  Силлабус   курса "}).status_code == 302
    assert world.sections()[0] == (first, "Силлабус курса")
    taken = world.teacher.post(f"/material-sections/{second}/title", data={"title": "силлабус курса"})
    assert "already" in fetch(world.teacher, taken.location).get_data(as_text=True)
    assert world.sections()[1][1] != "силлабус курса"
    refused = world.teacher.post(f"/courses/{world.course_id}/materials/sections", data={"title": "   "})
    assert refused.status_code == 400 and len(world.sections()) == 6
    world.teacher.post(f"/courses/{world.course_id}/materials/sections", data={"title": "Курстук иш"})
    assert world.sections()[-1][1] == "Курстук иш"
    world.teacher.post(f"/material-sections/{second}/move", data={"direction": "up"})
    assert [s for s, _ in world.sections()][:2] == [second, first]

    world.added("Тапшырма.pdf", files.pdf(), section=second)
    confirm = world.teacher.get(f"/material-sections/{second}/delete")
    assert confirm.status_code == 200 and "Тапшырма" in confirm.get_data(as_text=True)
    assert second in [s for s, _ in world.sections()]  # asking removes nothing
    world.teacher.post(f"/material-sections/{second}/delete")
    assert second not in [s for s, _ in world.sections()]
    assert world.materials() == [] and world.keys() == []


def test_the_last_section_stays(world: World) -> None:
    world.section()
    ids = [s for s, _ in world.sections()]
    for section_id in ids[:-1]:
        world.teacher.post(f"/material-sections/{section_id}/delete")
    response = world.teacher.post(f"/material-sections/{ids[-1]}/delete")
    assert "at least one section" in fetch(world.teacher, response.location).get_data(as_text=True)
    assert [s for s, _ in world.sections()] == ids[-1:]


# Adding files

@both_databases
def test_a_cyrillic_name_with_spaces_is_kept_for_display_and_safe_in_storage(world: World) -> None:
    data = files.pdf()
    material_id = world.added("Лекция 1  Кинематика.pdf", data)
    (material,) = world.materials()
    version = material.versions[0]
    assert material.title == "Лекция 1 Кинематика" and version.filename == "Лекция 1 Кинематика.pdf"
    assert KEY.fullmatch(version.key) and version.key.endswith(".pdf") and version.kind == "pdf"
    assert version.size == len(data) and version.key in world.keys()

    page = world.student.get(f"/courses/{world.course_id}/materials").get_data(as_text=True)
    assert "Лекция 1 Кинематика" in page and re.search(r"PDF, [\d.,]+\s?(kB|KB)", page)
    download = fetch(world.student, f"/materials/{material_id}/download")
    assert download.status_code == 200 and download.data == data
    assert disposition_name(download) == "Лекция 1 Кинематика.pdf"
    assert download.mimetype == "application/pdf"


@pytest.mark.parametrize("name, data, kind", [
    ("Силлабус.docx", files.ooxml("word"), "docx"),
    ("Слайды.pptx", files.ooxml("ppt"), "pptx"),
    ("Баалар.xlsx", files.ooxml("xl"), "xlsx"),
    ("Конспект.odt", files.odf("text"), "odt"),
    ("Слайды.odp", files.odf("presentation"), "odp"),
    ("Эски.doc", files.ole2("WordDocument"), "doc"),
    ("Эски.xls", files.ole2("Workbook"), "xls"),
    ("Эски.ppt", files.ole2("PowerPoint Document"), "ppt"),
    ("Схема.PNG", files.picture("PNG"), "png"),
    ("Сүрөт.jpg", files.picture("JPEG"), "jpeg"),
    ("Лаб.zip", files.archive(), "zip"),
])
def test_each_accepted_kind_is_taken_for_what_it_is(world: World, name: str, data: bytes, kind: str) -> None:
    world.added(name, data)
    version = world.materials()[0].versions[0]
    assert version.kind == kind and version.filename == name and KEY.fullmatch(version.key)
    assert version.key.endswith(name.rsplit(".", 1)[1].lower())


@pytest.mark.parametrize("name, data, says", [
    ("Силлабус.docx", files.pdf(), "really a PDF document"),
    ("Слайды.pptx", files.ooxml("word"), "really a Word document (.docx)"),
    ("Конспект.odt", files.odf("presentation"), "really an OpenDocument presentation"),
    ("Эски.doc", files.ole2("Workbook"), "really an Excel spreadsheet (.xls)"),
    ("Сүрөт.jpg", files.picture("PNG"), "really a PNG picture"),
    ("Лаб.zip", files.ooxml("xl"), "really an Excel spreadsheet (.xlsx)"),
    ("Китеп.pdf", "Бул PDF эмес, жөн эле текст.\n".encode(), "really plain text"),
    ("Китеп.pdf", bytes(range(256)) * 8, "its content is not such a file"),
    ("Бош.pdf", b"", "The file is empty (0 bytes)"),
    ("Бош.docx", b"", "The file is empty (0 bytes)"),
    ("script.exe", b"MZ\x90\x00", "cannot be added"),
    ("notes.txt", b"plain", "cannot be added"),
    ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "has no extension"),
    ("Жарым.pdf", files.pdf()[:-200], "damaged or incomplete"),
    ("Кооптуу.zip", files.archive({"../../evil.sh": b"rm -rf ~"}), "leave the archive"),
])
def test_bad_files_are_refused_with_the_reason_and_nothing_is_kept(world: World, name: str, data: bytes,
                                                                  says: str) -> None:
    section = world.section(2)
    response = world.add(name, data, section=section, title="Менин аталышым")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert says in _error(response)
    assert 'value="Менин аталышым"' in text  # the title typed is kept
    assert re.search(rf'<option selected value="{section}">|<option value="{section}" selected', text)
    assert world.materials() == [] and world.keys() == []


def test_too_large_a_file_is_refused_with_the_limit(app_config: dict) -> None:
    small = make_app({**app_config, "MATERIALS_MAX_BYTES": 4 * 1024})
    world = _world_in(small)
    response = world.add("Үлкөн.pdf", files.pdf(pages=1) + b"%" * 8000)
    assert response.status_code == 400 and "larger than the limit of 4" in _error(response)
    huge = world.add("Үлкөн.pdf", files.pdf(pages=1) + b"%" * 400_000)  # refused before the body is read
    assert huge.status_code == 302 and huge.location.endswith(f"/courses/{world.course_id}/materials")
    assert "larger than the limit of 4" in fetch(world.teacher, huge.location).get_data(as_text=True)
    assert world.materials() == [] and world.keys() == []


def test_a_zip_over_the_bounds_is_refused(app_config: dict) -> None:
    small = make_app({**app_config, "MATERIALS_ZIP_MAX_MEMBERS": 3})
    world = _world_in(small)
    response = world.add("Көп.zip", files.archive({f"{n}.txt": b"x" for n in range(5)}))
    assert response.status_code == 400 and "more than 3 files" in _error(response)
    assert world.materials() == []


def test_long_and_path_like_names_are_cut_to_a_safe_display_name(world: World) -> None:
    world.added("Ы" * 400 + ".pdf", files.pdf())
    world.added("../../etc/Силлабус.pdf", files.pdf(text="Other"))
    world.added("тест\u202e .pdf", files.pdf(text="Third"))
    names = [m.versions[0].filename for m in world.materials()]
    assert names[0] == "Ы" * 196 + ".pdf" and len(names[0]) == 200
    assert names[1:] == ["Силлабус.pdf", "тест.pdf"]
    assert all(KEY.fullmatch(k) for k in world.keys())


@both_databases
def test_the_same_file_twice_in_a_section_is_refused_naming_the_first(world: World) -> None:
    data = files.pdf()
    world.added("Силлабус.pdf", data, title="Силлабус 2026")
    again = world.add("Копия.pdf", data)
    assert again.status_code == 400
    assert "already in this section as “Силлабус 2026”" in _error(again) and "New version" in _error(again)
    assert len(world.materials()) == 1
    world.added("Силлабус.pdf", data, section=world.section(5))  # another section may hold it too
    assert len(world.materials()) == 2


# Versions, order, removal

@both_databases
def test_a_new_version_replaces_the_file_and_the_old_one_is_listed(world: World) -> None:
    old, new = files.pdf(text="Old"), files.pdf(text="New")
    material_id = world.added("Силлабус.pdf", old)
    assert world.teacher.post(f"/materials/{material_id}/versions",
                              data={"file": (io.BytesIO(new), "Силлабус v2.pdf")}).status_code == 302
    (material,) = world.materials()
    assert material.current_number == 2 and [v.number for v in material.versions] == [2, 1]
    assert fetch(world.student, f"/materials/{material_id}/download").data == new
    page = world.teacher.get(f"/materials/{material_id}").get_data(as_text=True)
    assert "Older versions" in page and "Version 1: Силлабус.pdf" in page
    older = fetch(world.teacher, f"/materials/{material_id}/versions/1/download")
    assert older.data == old and disposition_name(older) == "Силлабус.pdf"
    assert fetch(world.student, f"/materials/{material_id}/versions/1/download").status_code == 403
    assert fetch(world.student, f"/materials/{material_id}/versions/2/download").data == new
    assert len(world.keys()) > 2  # both files, and the pages of each

    same = world.teacher.post(f"/materials/{material_id}/versions", data={"file": (io.BytesIO(new), "x.pdf")})
    assert same.status_code == 400 and "current version already" in _error(same)
    forged = world.teacher.post(f"/materials/{material_id}/versions",
                                data={"file": (io.BytesIO(files.ooxml("word")), "x.pdf")})
    assert forged.status_code == 400 and "really a Word document" in _error(forged)
    assert world.materials()[0].current_number == 2


def test_materials_are_reordered_and_renamed(world: World) -> None:
    first = world.added("Биринчи.pdf", files.pdf(text="1"))
    second = world.added("Экинчи.pdf", files.pdf(text="2"))
    page = world.student.get(f"/courses/{world.course_id}/materials").get_data(as_text=True)
    assert page.index("Биринчи") < page.index("Экинчи")
    world.teacher.post(f"/materials/{second}/move", data={"direction": "up"})
    page = world.student.get(f"/courses/{world.course_id}/materials").get_data(as_text=True)
    assert page.index("Экинчи") < page.index("Биринчи")
    world.teacher.post(f"/materials/{first}/title", data={"title": "Үчүнчү"})
    assert "Үчүнчү" in world.student.get(f"/courses/{world.course_id}/materials").get_data(as_text=True)


def test_remove_asks_first_then_deletes_the_stored_files(world: World) -> None:
    material_id = world.added("Силлабус.pdf", files.pdf())
    world.teacher.post(f"/materials/{material_id}/versions", data={"file": (io.BytesIO(files.pdf(text="2")), "v2.pdf")})
    assert len(world.keys()) >= 4  # two files, their page images
    confirm = world.teacher.get(f"/materials/{material_id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.get_data(as_text=True)
    assert len(world.materials()) == 1
    assert world.teacher.post(f"/materials/{material_id}/delete").status_code == 302
    assert world.materials() == [] and world.keys() == []
    assert fetch(world.student, f"/materials/{material_id}/download").status_code == 404


# PDF pages for phones

def test_pdf_pages_are_served_as_small_images(world: World) -> None:
    material_id = world.added("Лекция.pdf", files.pdf(pages=7))
    version = world.materials()[0].versions[0]
    assert (version.pages_status, version.page_count) == (PagesStatus.READY, 7)
    assert version.pages_prefix.startswith(version.key.rsplit(".", 1)[0] + "-pages-")
    viewer = world.student.get(f"/materials/{material_id}/pages")
    text = viewer.get_data(as_text=True)
    assert viewer.status_code == 200 and "Pages 1–3 of 7" in text and "<script" not in text.split("</head>")[1]
    assert re.search(r"about [\d.,]+\s?kB a page", text) and version.pages_bytes > 7 * 1024
    assert f"/materials/{material_id}/pages?from=4" in text and "?from=" + "1" not in text
    last = world.student.get(f"/materials/{material_id}/pages?from=7").get_data(as_text=True)
    assert "Page 7 of 7" in last and f"/materials/{material_id}/pages?from=4" in last
    webp = fetch(world.student, f"/materials/{material_id}/pages/2.webp?v=1")
    assert webp.status_code == 200 and webp.mimetype == "image/webp" and len(webp.data) < 80 * 1024
    assert webp.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    jpeg = fetch(world.student, f"/materials/{material_id}/pages/7.jpg")
    with Image.open(io.BytesIO(jpeg.data)) as image:
        assert image.format == "JPEG" and max(image.size) == 1280
    assert fetch(world.student, f"/materials/{material_id}/pages/8.webp").status_code == 404
    assert fetch(world.student, f"/materials/{material_id}/pages/1.png").status_code == 404
    assert fetch(world.other_student, f"/materials/{material_id}/pages/1.webp").status_code == 403


def test_a_locked_pdf_is_kept_for_download_with_the_reason_for_no_pages(world: World, tmp_path) -> None:
    from tests.media import pdfs
    locked = pdfs.encrypted_pdf(tmp_path / "locked.pdf").read_bytes()
    material_id = world.added("Жооптор.pdf", locked)
    assert world.materials()[0].versions[0].pages_status == PagesStatus.FAILED
    page = world.student.get(f"/materials/{material_id}/pages").get_data(as_text=True)
    assert "protected with a password" in page
    assert fetch(world.student, f"/materials/{material_id}/download").data == locked


# Who may do what

def _teacher_actions(world: World, material_id: int, section_id: int) -> list[tuple[str, str, dict]]:
    pdf = files.pdf(text="intruder")
    return [
        ("post", f"/courses/{world.course_id}/materials", {"section": section_id, "file": (io.BytesIO(pdf), "x.pdf")}),
        ("post", f"/materials/{material_id}/versions", {"file": (io.BytesIO(pdf), "x.pdf")}),
        ("get", f"/materials/{material_id}", {}),
        ("post", f"/materials/{material_id}/title", {"title": "x"}),
        ("post", f"/materials/{material_id}/move", {"direction": "up"}),
        ("get", f"/materials/{material_id}/delete", {}),
        ("post", f"/materials/{material_id}/delete", {}),
        ("get", f"/courses/{world.course_id}/materials/sections", {}),
        ("post", f"/courses/{world.course_id}/materials/sections", {"title": "x"}),
        ("post", f"/material-sections/{section_id}/title", {"title": "x"}),
        ("post", f"/material-sections/{section_id}/move", {"direction": "down"}),
        ("get", f"/material-sections/{section_id}/delete", {}),
        ("post", f"/material-sections/{section_id}/delete", {}),
    ]


@pytest.mark.parametrize("who", ["student", "other_teacher", "other_student"])
def test_only_the_courses_teachers_manage(world: World, who: str) -> None:
    material_id = world.added("Силлабус.pdf", files.pdf())
    section_id = world.section(0)
    before = (world.sections(), [(m.title, m.current_number, m.position) for m in world.materials()], world.keys())
    for method, path, data in _teacher_actions(world, material_id, section_id):
        response = getattr(getattr(world, who), method)(path, data=data, content_type="multipart/form-data")
        assert response.status_code == 403, (who, method, path)
    after = (world.sections(), [(m.title, m.current_number, m.position) for m in world.materials()], world.keys())
    assert after == before


def test_an_admin_manages_any_courses_materials(world: World, as_admin: FlaskClient) -> None:
    world.section()
    response = world.add("Силлабус.pdf", files.pdf(), who=as_admin)
    assert response.status_code == 302
    material_id = world.materials()[0].id
    assert as_admin.get(f"/materials/{material_id}").status_code == 200
    assert as_admin.post(f"/materials/{material_id}/delete").status_code == 302 and world.materials() == []


def test_students_of_another_course_and_visitors_see_nothing(world: World) -> None:
    material_id = world.added("Силлабус.pdf", files.pdf())
    for path in (f"/courses/{world.course_id}/materials", f"/materials/{material_id}/download",
                 f"/materials/{material_id}/versions/1/download", f"/materials/{material_id}/pages",
                 f"/materials/{material_id}/pages/1.webp"):
        assert fetch(world.other_student, path).status_code == 403, path
        assert fetch(world.other_teacher, path).status_code == 403, path
        anonymous = world.app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.location
    # a teacher cannot slip a file into another course's section through their own course's form
    other_section = world.section(0)
    world.other_teacher.get(f"/courses/{world.other_course_id}/materials")
    sneaky = world.add("x.pdf", files.pdf(text="sneaky"), section=other_section, who=world.other_teacher,
                       course_id=world.other_course_id)
    assert sneaky.status_code == 400 and len(world.materials()) == 1


def test_the_teachers_and_the_students_pages(world: World) -> None:
    course_page = world.student.get(f"/courses/{world.course_id}").get_data(as_text=True)
    assert f'href="/courses/{world.course_id}/materials"' in course_page
    assert "No materials yet." in world.student.get(f"/courses/{world.course_id}/materials").get_data(as_text=True)
    for n in range(30):
        world.added(f"Материал номер {n} бул узун аталыш.pdf", files.pdf(pages=1, text=str(n)),
                    section=world.section(n % 6))
    page = world.student.get(f"/courses/{world.course_id}/materials")
    text = page.get_data(as_text=True)
    assert len(page.data) < 50 * 1024, len(page.data)
    print(f"students' materials page, 6 sections × 5 files: {len(page.data)} bytes")
    assert "<form" not in text.split("</header>")[1] and "Add a file" not in text
    assert text.count("View pages") == 30
    teacher = world.teacher.get(f"/courses/{world.course_id}/materials").get_data(as_text=True)
    assert "Add a file" in teacher and "Remove" in teacher
    third = world.sections()[2][0]
    preselected = world.teacher.get(f"/courses/{world.course_id}/materials?section={third}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{third}">|<option value="{third}" selected', preselected)


# CSRF and S3

def _world_in(app: Flask) -> World:
    """The world's people and courses in another app (one with other settings)."""
    clients = {}
    with app.app_context():
        for name, role, groups in (("teacher", Role.TEACHER, (GROUP,)), ("student", Role.STUDENT, (GROUP,)),
                                   ("other_teacher", Role.TEACHER, ()), ("other_student", Role.STUDENT, (OTHER_GROUP,))):
            members = [db.session.query(Group).filter_by(name=g).one_or_none() or Group(name=g) for g in groups]
            user = User(username=f"{name}-{uuid.uuid4().hex[:4]}", full_name=name, role=role,
                        groups=members if role == Role.STUDENT else [])
            user.set_password("correct horse 42")
            db.session.add(user)
            db.session.commit()
            clients[name] = (user.username, user.id)
        course_id = _course("Физика", clients["teacher"][1], GROUP)
        other_id = _course("Химия", clients["other_teacher"][1], OTHER_GROUP)
    signed = {}
    for name, (username, _id) in clients.items():
        client = app.test_client()
        data = {"username": username, "password": "correct horse 42"}
        if app.config["WTF_CSRF_ENABLED"]:
            data["csrf_token"] = _token(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data=data).status_code == 302
        signed[name] = client
    return World(app, signed["teacher"], signed["student"], signed["other_teacher"], signed["other_student"],
                 course_id, other_id)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_forms_are_csrf_protected(app_config: dict) -> None:
    guarded = make_app({**app_config, "WTF_CSRF_ENABLED": True})
    world = _world_in(guarded)
    section = world.section(0)
    assert world.add("Силлабус.pdf", files.pdf(), section=section).status_code == 302
    assert world.materials() == [] and world.keys() == []
    token = _token(world.teacher.get(f"/courses/{world.course_id}/materials").get_data(as_text=True))
    world.added("Силлабус.pdf", files.pdf(), section=section, csrf_token=token)
    material_id = world.materials()[0].id
    world.teacher.post(f"/materials/{material_id}/delete")
    assert len(world.materials()) == 1
    world.teacher.post(f"/materials/{material_id}/delete", data={"csrf_token": token})
    assert world.materials() == []


def test_on_s3_downloads_are_presigned_with_the_original_name(app_config: dict, moto_endpoint: str,
                                                              s3_factory: Callable[..., S3Storage]) -> None:
    bucket = s3_factory().bucket
    cloud = make_app({**app_config, "STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": moto_endpoint,
                      "S3_ACCESS_KEY": "testing", "S3_SECRET_KEY": "testing"})
    world = _world_in(cloud)
    data = files.ooxml("word")
    material_id = world.added("Лекция 2 Динамика.docx", data)
    assert all(KEY.fullmatch(k) for k in world.keys())
    response = world.student.get(f"/materials/{material_id}/download")
    assert response.status_code == 302 and response.location.startswith(moto_endpoint)
    fetched = requests.get(response.location, timeout=10)
    assert fetched.status_code == 200 and fetched.content == data
    assert disposition_name(fetched) == "Лекция 2 Динамика.docx"
    pdf_id = world.added("Слайды.pdf", files.pdf(pages=2))
    image = world.student.get(f"/materials/{pdf_id}/pages/1.webp?v=1")
    assert image.status_code == 302
    assert requests.get(image.location, timeout=10).content[8:12] == b"WEBP"
    with cloud.app_context():
        db.engine.dispose()


def test_pages_of_a_material_removed_while_queued_are_not_left_behind(app_config: dict, tmp_path) -> None:
    from webinar.models import Job
    from workers.runner import run_job
    queued = make_app({**app_config, "HUEY_IMMEDIATE": False, "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3")})
    world = _world_in(queued)
    kept = world.added("Калат.pdf", files.pdf(pages=2))
    gone = world.added("Өчөт.pdf", files.pdf(pages=3))
    assert [m.versions[0].pages_status for m in world.materials()] == [PagesStatus.PROCESSING] * 2
    page = world.student.get(f"/materials/{kept}/pages").get_data(as_text=True)
    assert "being prepared" in page and "Download the PDF" in page
    world.teacher.post(f"/materials/{gone}/delete")
    with queued.app_context():
        jobs = [j.id for j in db.session.query(Job).filter_by(kind="material_pages").order_by(Job.id)]
        for job_id in jobs:
            run_job(job_id)
        results = [db.session.get(Job, j).result for j in jobs]
        db.session.remove()
    assert results[0]["pages"] == 2 and "skipped" in results[1]
    (material,) = world.materials()
    assert material.versions[0].pages_status == PagesStatus.READY
    assert not any(k.startswith(f"materials/{world.course_id}/{gone}/") for k in world.keys())
    assert fetch(world.student, f"/materials/{kept}/pages/2.webp").status_code == 200
