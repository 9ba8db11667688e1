"""Private media on S3: reached only through an authorized route, as a presigned URL that expires."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.security.world import SECRET, SecurityWorld, build_world, security_config

MAX_AGE = 120


@pytest.fixture(scope="module")
def on_s3(tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str) -> SecurityWorld:
    tmp: Path = tmp_path_factory.mktemp("s3")
    return build_world(security_config(
        tmp, f"sqlite:///{tmp / 'aralyk.sqlite3'}", STORAGE_BACKEND="s3", S3_BUCKET=f"sec-{uuid.uuid4().hex[:8]}",
        S3_ENDPOINT_URL=moto_endpoint, S3_ACCESS_KEY="testing", S3_SECRET_KEY="testing", FILE_URL_MAX_AGE=MAX_AGE))


def private_urls(world: SecurityWorld) -> list[str]:
    """A rendition, a slide still, captions, both offline copies, a material, its page image, a webinar slide."""
    lecture, material, session = world.ids["lecture_id"], world.ids["material_id"], world.ids["session_id"]
    return [f"/lectures/{lecture}/media/audio.webm", f"/lectures/{lecture}/media/slides/0001.webp",
            f"/lectures/{lecture}/captions/en.vtt", f"/lectures/{lecture}/download/mp4",
            f"/lectures/{lecture}/download/bundle", f"/materials/{material}/download",
            f"/materials/{material}/versions/1/download", f"/materials/{material}/pages/1.webp",
            f"/live/{session}/slides/1.webp"]


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_presigned_links_go_to_the_audience_only_and_expire(on_s3: SecurityWorld, moto_endpoint: str) -> None:
    student, outsider = on_s3.client("student"), on_s3.client("outsider")
    links = []
    for url in private_urls(on_s3):
        refused = outsider.get(url)
        assert refused.status_code == 403 and not refused.location and SECRET not in refused.get_data(as_text=True)
        response = student.get(url)
        assert response.status_code == 302 and response.location.startswith(moto_endpoint), url
        assert parse_qs(urlsplit(response.location).query)["X-Amz-Expires"] == [str(MAX_AGE)], url
        links.append(response.location)
    for link in links:
        status, body = fetch(link)
        assert status == 200 and SECRET.encode() in body, link
    bare = urlsplit(links[0])._replace(query="").geturl()
    assert fetch(bare)[0] == 403  # the bucket is private: no link, no file
    # moto does not enforce the expiry (S3 does): the signed parameters say when each link dies
    for link in links:
        signed = parse_qs(urlsplit(link).query)
        issued = time.mktime(time.strptime(signed["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")) - time.timezone
        assert abs(issued - time.time()) < 60 and signed["X-Amz-Expires"] == [str(MAX_AGE)]
