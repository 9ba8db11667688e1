"""Fixtures for the web tests: a served app with people and a small recording, the webinar worlds, a course."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.webinar.course_helpers import GROUP, OTHER_GROUP
from tests.webinar.lecture_world import CLIP_SECONDS, World, lecture_config, served_world
from tests.webinar.live_world import live, live_world  # noqa: F401  (the webinar fixtures)
from webinar.extensions import db
from webinar.models import Assessment, Course, CourseGroup, CourseTeacher, Group


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def clip(media_dir: Path) -> Path:
    return clips.lecture_mp4(ffmpeg_binary(), media_dir / "Лекция 1.mp4", d=CLIP_SECONDS)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One served app for the module: lectures are costly to make, so read-only tests share them."""
    tmp = tmp_path_factory.mktemp("world")
    with served_world(lecture_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}")) as world:
        yield world


@pytest.fixture
def course_id(app: Flask, as_teacher: FlaskClient, as_student: FlaskClient) -> int:
    """A course taught by 'teacher' to two groups; 'student' is in the first."""
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.name == GROUP))
        course = Course(academic_year="2026-2027", semester=1, title="Физика", assessment=Assessment.EXAM)
        course.teacher_links.append(CourseTeacher(teacher_id=as_teacher.user.id, is_owner=True))
        course.group_links += [CourseGroup(group=group), CourseGroup(group=Group(name=OTHER_GROUP))]
        db.session.add(course)
        db.session.commit()
        return course.id
