"""A recording uploaded with tuspy through a link cut 10 times at random offsets, and once the web
process itself killed mid-PATCH and started again: the stored source is the file, byte for byte.

The seed is in every failure message; set ARALYK_FAULT_SEED to replay one.
"""
from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time
from pathlib import Path
from contextlib import ExitStack
from typing import Any, BinaryIO, Callable

import requests
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.uploader import Uploader

from tests.conftest import make_app
from tests.faults.proxy import CutProxy
from tests.helpers import free_port, start_web_process, stop_process
from tests.webinar.lecture_world import World, lecture_config
from webinar.extensions import db
from webinar.models import Lecture, Upload
from webinar.storage import storage

SEED = int(os.environ.get("ARALYK_FAULT_SEED", random.randrange(1 << 31)))
SIZE = 2 * 1024 * 1024
CHUNK = 128 * 1024
CUTS = 10
RESTART_AT = 5  # the cut during which the server process is killed and started again
BROKEN = (TusCommunicationError, TusUploadFailed, requests.RequestException)


def test_ten_cuts_and_a_restart_store_the_same_bytes(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    say = f"(seed {SEED}; ARALYK_FAULT_SEED={SEED} replays it)"
    source = tmp_path / "лекция.mp4"  # the purpose checks the name and size; the job (not run here) the content
    source.write_bytes(rng.randbytes(SIZE))
    config = {**lecture_config(tmp_path, f"sqlite:///{tmp_path / 'aralyk.sqlite3'}"),
              "HUEY_IMMEDIATE": False, "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3")}
    app = make_app(config)
    port, log = free_port(), tmp_path / "server.log"
    server = start_web_process(config, port, log)
    proxy = CutProxy(port)
    world = World(app, f"http://127.0.0.1:{proxy.port}")
    with ExitStack() as stack:
        stack.callback(lambda: stop_process(server))  # the one running at the end
        stack.callback(proxy.close)
        world.populate(sign_in=False)
        world.sessions["teacher"] = world.sign_in("teacher")
        metadata = {"purpose": "lecture", "filename": source.name, "course": str(world.course_id), "title": "Лекция"}
        stream = stack.enter_context(source.open("rb"))
        uploader = world.tus("teacher").uploader(file_stream=stream, chunk_size=CHUNK, metadata=metadata)
        url = uploader.create_url()
        offsets = []
        for cut in range(1, CUTS + 1):
            budget = rng.randint(1, CHUNK)
            if cut == RESTART_AT:
                server = _restart_mid_patch(proxy, budget, lambda: _send(world, url, stream), server, config, port, log)
            else:
                proxy.cut_after(budget)
                try:
                    _send(world, url, stream)
                except BROKEN:
                    pass
                else:
                    raise AssertionError(f"the upload ended before cut {cut} {say}")
            offsets.append(_resume(world, url, stream).offset)
        finished = _send(world, url, stream)
        assert offsets == sorted(offsets) and offsets[-1] < SIZE, (offsets, say)
        lecture_path = finished.request.response_headers["aralyk-location"]
    _check_stored(app, source, lecture_path, config, say)
    world.close()


def _resume(world: World, url: str, source: BinaryIO) -> Uploader:
    """A new tuspy uploader for the upload (it asks the server for the offset), retried while the
    server still holds the staged file for the request that was cut (423) or is starting."""
    for _ in range(50):
        try:
            return world.tus("teacher").uploader(file_stream=source, chunk_size=CHUNK, url=url)
        except BROKEN:
            time.sleep(0.1)
    raise AssertionError(f"the upload at {url} could not be resumed")


def _send(world: World, url: str, source: BinaryIO) -> Uploader:
    """Resume and send the rest, asking for the offset again while the request that was cut still
    holds the staged file (423) or moved the offset meanwhile (409), as tus-js-client does."""
    for _ in range(50):
        uploader = _resume(world, url, source)
        try:
            uploader.upload()
            return uploader
        except TusUploadFailed as exc:
            if exc.status_code not in (409, 423):
                raise
            time.sleep(0.1)
    raise AssertionError(f"the upload at {url} stayed busy")


def _restart_mid_patch(proxy: CutProxy, budget: int, send: Callable[[], Any], server, config: dict[str, Any],
                       port: int, log: Path):
    """Stall a PATCH after budget bytes, SIGKILL the server, start it again, then cut the stalled link."""
    proxy.cut_after(budget, hold=True)
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            send()
        except BROKEN as exc:
            errors.append(exc)

    thread = threading.Thread(target=upload, daemon=True)
    thread.start()
    assert proxy.stalled.wait(10), "the PATCH never got to its stall"
    server.send_signal(signal.SIGKILL)
    server.wait()
    server = start_web_process(config, port, log)
    proxy.release()
    thread.join(10)
    assert errors, "the upload survived its server's death"
    return server


def _check_stored(app, source: Path, lecture_path: str, config: dict[str, Any], say: str) -> None:
    """The lecture's stored source has the file's sha256, and nothing is left in staging."""
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    lecture_id = int(lecture_path.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        lecture = db.session.get(Lecture, lecture_id)
        stored = hashlib.sha256()
        for chunk in storage().stream(lecture.source_key):  # what the job will read
            stored.update(chunk)
        assert lecture.source_sha256 == expected and stored.hexdigest() == expected, say
        assert db.session.query(Upload).one().finished_at is not None
        db.session.remove()
        db.engine.dispose()
    assert not list(Path(config["UPLOAD_STAGING_DIR"]).glob("*")), say
