"""Module-wide fixtures for the lecture tests: a served app with people, and a small recording."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from media.ffmpeg import ffmpeg_binary
from tests.media import clips
from tests.webinar.lecture_world import CLIP_SECONDS, World, lecture_config, served_world
from tests.webinar.live_world import live, live_world  # noqa: F401  (the webinar fixtures)


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
