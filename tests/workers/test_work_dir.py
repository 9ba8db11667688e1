"""A job's work folder: the folders of its own killed attempts go, another database's job 1 stays."""
from __future__ import annotations

from pathlib import Path

from workers.context import JobContext


def context(scope: str) -> JobContext:
    return JobContext(1, {}, "worker", 30, scope=scope)


def test_a_new_attempt_removes_its_killed_attempts_folders_but_not_another_deployments(
        tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # gettempdir() reads TMPDIR again
    killed = tmp_path / "lecture-aaaa-1-killed"
    killed.mkdir()
    other = tmp_path / "lecture-bbbb-1-running"  # job 1 of another database, being worked on
    other.mkdir()
    with context("aaaa").work_dir("lecture") as work:
        assert work.parent == tmp_path and work.is_dir()
        assert not killed.exists() and other.is_dir()
    assert not work.exists() and other.is_dir()
