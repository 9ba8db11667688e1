"""The scale-out configuration: PostgreSQL and a real HTTP S3 endpoint (moto) behind presigned URLs."""
from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import Iterator

import av
import m3u8
import pytest
import requests

from media.storage import S3Storage
from tests.services import postgres_schema
from tests.webinar.lecture_world import CLIP_SECONDS, World, lecture_config, served_world
from webinar.models import LectureStatus


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str, postgres_base_url: str) -> Iterator[World]:
    """A served app on PostgreSQL whose media lives in an S3 bucket."""
    bucket = f"aralyk-{uuid.uuid4().hex[:12]}"
    S3Storage(bucket, endpoint_url=moto_endpoint, access_key="testing", secret_key="testing").ensure_bucket()
    tmp = tmp_path_factory.mktemp("cloud")
    with postgres_schema(postgres_base_url) as db_url:
        config = {**lecture_config(tmp, db_url), "STORAGE_BACKEND": "s3", "S3_BUCKET": bucket,
                  "S3_ENDPOINT_URL": moto_endpoint, "S3_ACCESS_KEY": "testing", "S3_SECRET_KEY": "testing"}
        with served_world(config) as world:
            yield world


def test_media_comes_from_s3_through_presigned_redirects(cloud: World, clip: Path, moto_endpoint: str) -> None:
    lecture_id = int(re.fullmatch(r"/lectures/(\d+)", cloud.upload(clip)).group(1))
    lecture = cloud.lecture(lecture_id)
    assert lecture.status == LectureStatus.READY
    session = cloud.sessions["student"]
    page = session.get(f"{cloud.base}/lectures/{lecture_id}")
    assert moto_endpoint in page.headers["Content-Security-Policy"]  # the player may fetch from S3

    with session.get(f"{cloud.base}/lectures/{lecture_id}/media/video.m3u8", allow_redirects=False) as hop:
        assert hop.status_code == 302 and hop.headers["Location"].startswith(moto_endpoint)
        assert "Signature" in hop.headers["Location"] or "X-Amz-Signature" in hop.headers["Location"]
    master = m3u8.loads(session.get(f"{cloud.base}/lectures/{lecture_id}/media/video.m3u8").text)
    variant = master.playlists[0].uri
    folder = variant.rsplit("/", 1)[0]
    playlist = m3u8.loads(session.get(f"{cloud.base}/lectures/{lecture_id}/media/{variant}").text)
    names = [playlist.segment_map[0].uri] + [s.uri for s in playlist.segments]
    body = b"".join(session.get(f"{cloud.base}/lectures/{lecture_id}/media/{folder}/{n}").content for n in names)
    with av.open(io.BytesIO(body)) as container:
        assert sum(1 for _ in container.decode(video=0)) > 0
    assert abs(sum(s.duration for s in playlist.segments) - CLIP_SECONDS) < 0.5

    with requests.get(f"{cloud.base}/lectures/{lecture_id}/media/video.m3u8", allow_redirects=False) as anonymous:
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert session.get(f"{cloud.base}/lectures/{lecture_id}/download/mp4").content[4:8] == b"ftyp"
    outsider = cloud.sessions["outsider"].get(f"{cloud.base}/lectures/{lecture_id}/media/video.m3u8",
                                              allow_redirects=False)
    assert outsider.status_code == 403
