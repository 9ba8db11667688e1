"""Lectures whose processing jobs are committed but not yet dispatched, for worker tests."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from webinar.extensions import db
from webinar.lectures.service import attach_source, create_lecture
from webinar.models import Assessment, Course, CourseTeacher, Role, User


def queued_lectures(app: Flask, clip: Path, count: int) -> list[tuple[int, int]]:
    """A course, its teacher and count lectures with committed, not yet dispatched jobs: [(lecture id, job id)]."""
    with app.app_context():
        teacher = User(username="teacher", full_name="Teacher", role=Role.TEACHER, password_hash="x")
        course = Course(academic_year="2026-2027", semester=1, title="Физика", assessment=Assessment.EXAM)
        course.teacher_links.append(CourseTeacher(teacher=teacher, is_owner=True))
        db.session.add(course)
        db.session.flush()
        pairs = []
        for n in range(count):
            lecture = create_lecture(course, f"Лекция {n + 1}", teacher)
            job, _ = attach_source(lecture, clip, clip.name, teacher)
            pairs.append((lecture, job))
        db.session.commit()
        return [(lecture.id, job.id) for lecture, job in pairs]


def queued_lecture(app: Flask, clip: Path) -> tuple[int, int]:
    """A course, its teacher and a lecture with a committed, not yet dispatched job: (lecture id, job id)."""
    return queued_lectures(app, clip, 1)[0]
