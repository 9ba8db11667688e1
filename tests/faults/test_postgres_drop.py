"""PostgreSQL's connections cut, and new ones refused for a while, under a running app.

A proxy we control sits between the app and the server (the shared server itself is never touched).
While it is down every request gets a short 503 page in the user's language with Retry-After and no
trace; once it is back, the same process serves again with no restart (pool_pre_ping).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from flask_babel import force_locale, gettext

from tests.faults.proxy import CutProxy
from tests.services import postgres_schema
from tests.webinar.lecture_world import World, get, lecture_config, served_world
from tests.conftest import PASSWORD


def _through(proxy: CutProxy, url: str) -> str:
    """The database URL with the proxy's port in place of the server's."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))


@pytest.fixture
def proxied(postgres_base_url: str, tmp_path: Path) -> Iterator[tuple[World, CutProxy]]:
    """The app on a fresh schema, reaching PostgreSQL through a cuttable proxy; people signed in."""
    with postgres_schema(postgres_base_url) as url:
        proxy = CutProxy(urlsplit(url).port or 5432)
        try:
            with served_world(lecture_config(tmp_path, _through(proxy, url))) as world:
                yield world, proxy
        finally:
            proxy.close()


def test_requests_fail_cleanly_while_the_database_is_gone_and_work_after(proxied: tuple[World, CutProxy]) -> None:
    world, proxy = proxied
    with world.app.test_request_context(), force_locale("ru"):
        title = gettext("Temporarily unavailable")
    assert get(world, "student", "/").status_code == 200
    with proxy.down():
        for who, path in (("student", "/"), ("teacher", f"/courses/{world.course_id}"), ("admin", "/admin/jobs")):
            response = get(world, who, path, headers={"Accept-Language": "ru"})
            assert response.status_code == 503, (path, response.status_code)
            assert response.headers["Retry-After"] == "30"
            assert '<html lang="ru"' in response.text and title in response.text and "Traceback" not in response.text
        with requests.post(f"{world.base}/login", data={"username": "student", "password": PASSWORD},
                           headers={"Accept-Language": "en"}, allow_redirects=False) as response:
            assert response.status_code == 503 and "Temporarily unavailable" in response.text
    for who, path in (("student", "/"), ("teacher", f"/courses/{world.course_id}"), ("admin", "/admin/jobs")):
        assert get(world, who, path).status_code == 200, path  # the same process, no restart
