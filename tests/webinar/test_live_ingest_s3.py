"""Live media when storage is S3 (moto's server over HTTP): segments behind presigned redirects,
playlists and the /listen stream sent by the app itself."""
from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Iterator

import av
import pytest

from media.ffmpeg import ffmpeg_binary
from media.storage import S3Storage
from tests.media.live_clips import recorder_webm
from tests.webinar.live_world import LiveWorld, live_config, served_live
from tests.webinar.test_live_ingest import first_bytes, get, playlist, send, wait_for
from webinar.live import ingest


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> Iterator[LiveWorld]:
    bucket = f"aralyk-{uuid.uuid4().hex[:12]}"
    S3Storage(bucket, endpoint_url=moto_endpoint, access_key="testing", secret_key="testing").ensure_bucket()
    tmp = tmp_path_factory.mktemp("live-s3")
    config = live_config(tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}", LIVE_WORK_DIR=str(tmp / "work"),
                         LIVE_PUBLISH_SECONDS=0.2, LIVE_LISTEN_POLL_SECONDS=0.2, STORAGE_BACKEND="s3",
                         S3_BUCKET=bucket, S3_ENDPOINT_URL=moto_endpoint, S3_ACCESS_KEY="testing",
                         S3_SECRET_KEY="testing")
    with served_live(config) as world:
        yield world


def test_live_tiers_and_listen_from_s3(cloud: LiveWorld, tmp_path: Path, moto_endpoint: str) -> None:
    teacher, _ = cloud.join("teacher")
    assert teacher.call("go_live", {"video": False, "mime": "audio/webm"})["ok"]
    send(teacher, recorder_webm(ffmpeg_binary(), tmp_path / "talk.webm", d=6, video=False).read_bytes())
    entries = wait_for(lambda: len(found := playlist(cloud)) >= 2 and found)
    hop = get(cloud, "student", f"/hls/audio/{entries[0].uri}")
    assert hop.status_code == 302 and hop.headers["Location"].startswith(moto_endpoint)
    assert get(cloud, "outsider", f"/hls/audio/{entries[0].uri}").status_code == 403
    heard = first_bytes(get(cloud, "student", "/listen", stream=True, timeout=(5, 2)))
    with av.open(io.BytesIO(heard)) as container:
        assert len(list(container.decode(audio=0))) > 50
    with cloud.app.app_context():
        parts = ingest.finish(cloud.session_id)
    assert len(parts) == 1 and parts[0]["key"].startswith(f"live/{cloud.session_id}/recording/")
