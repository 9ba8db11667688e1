"""Static files carry their content hash, so a second visit fetches no CSS or script at all."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from webinar.static_files import IMMUTABLE, version_of


def test_pages_link_versioned_static_files_that_are_cached_for_good(client: FlaskClient) -> None:
    page = client.get("/login").text
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{10})"', page)
    assert css, page
    with client.get(css.group(1)) as response:
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE
        # a stylesheet needs no page headers (each costs bytes on 2G); it must never be sniffed
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in response.headers and "Content-Disposition" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")  # one copy for everyone in a shared cache
    with client.get("/static/app.css") as plain:
        assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_version(app: Flask, tmp_path: Path) -> None:
    app.static_folder = str(tmp_path)
    (tmp_path / "x.js").write_text("one")
    first = version_of(app, "x.js")
    (tmp_path / "x.js").write_text("two!")
    assert first and version_of(app, "x.js") not in (None, first)
    assert version_of(app, "missing.js") is None


def test_scripts_and_styles_are_served_without_comments_and_revalidate_by_hash(client: FlaskClient) -> None:
    source = (Path(client.application.static_folder) / "js/app.js").read_text()
    with client.get("/static/js/app.js") as response:
        served, etag = response.text, response.headers["ETag"]
    assert response.mimetype == "text/javascript" and "//" in source and len(served) < 0.85 * len(source)
    assert "progressive enhancements" not in served and "window.confirm" in served
    with client.get("/static/js/app.js", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    assert client.get("/static/js/../../config.py").status_code == 404
    vendored = Path(client.application.static_folder) / "vendor/tus.min.js"
    with client.get("/static/vendor/tus.min.js") as library:  # already minified: served as it is
        assert library.data == vendored.read_bytes()
