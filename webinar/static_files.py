"""Static files a browser keeps: each URL carries its file's content hash, so it may be cached for good.

`url_for('static', filename=...)` gets `?v=<hash>`; a request with it is answered with a year-long
immutable cache header, so a second visit costs no request at all for CSS and scripts (on a 600 ms
link a revalidation per file is a second or more). Without `v` (module imports between scripts) the
usual revalidation applies, by the same hash as ETag.

Scripts and stylesheets are served without their comments and indentation (rjsmin, rcssmin): the
sources stay readable and there is no build step, and a student's first page costs ~1 KB less.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
MINIFIERS = {".js": (rjsmin.jsmin, "text/javascript"), ".css": (rcssmin.cssmin, "text/css")}


@lru_cache(maxsize=256)
def _content_hash(path: Path, mtime_ns: int) -> str:
    """A short hash of the file's bytes (the mtime is in the key so an edited file gets a new one)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def version_of(app: Flask, filename: str) -> str | None:
    """The hash for a static file, or None when there is no such file."""
    path = Path(app.static_folder or "") / filename
    try:
        return _content_hash(path, path.stat().st_mtime_ns)
    except OSError:
        return None


@lru_cache(maxsize=64)
def _minified(path: Path, mtime_ns: int) -> bytes:
    """The file without comments and indentation (the mtime is in the key, as above)."""
    minify, _ = MINIFIERS[path.suffix]
    return minify(path.read_text(encoding="utf-8"), keep_bang_comments=True).encode()  # /*! licences */


def serve(app: Flask, filename: str) -> Response:
    """A static file; scripts and stylesheets minified, with their content hash as ETag."""
    found = safe_join(app.static_folder or "", filename)
    path = Path(found) if found else None
    if path is None or path.suffix not in MINIFIERS or ".min." in path.name or not path.is_file():
        return app.send_static_file(filename)
    mtime = path.stat().st_mtime_ns
    response = Response(_minified(path, mtime), mimetype=MINIFIERS[path.suffix][1])
    response.set_etag(_content_hash(path, mtime))
    return response.make_conditional(request)


class StaticBlindSessions(SecureCookieSessionInterface):
    """Sessions as usual, except that static files never carry `Vary: Cookie` (Flask-Login looks at
    the session after every response): they do not depend on it, and with it a shared cache (nginx in
    front, deploy/) would keep a copy per student, and a browser would fetch them again after sign-in."""

    def save_session(self, app: Flask, session, response: Response) -> None:
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Add versions to static URLs and cache versioned responses for good."""

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            version = version_of(app, values["filename"])
            if version:
                values["v"] = version

    app.view_functions["static"] = lambda filename: serve(app, filename)
    app.session_interface = StaticBlindSessions()

    @app.after_request
    def cache_versioned(response: Response) -> Response:
        if request.endpoint != "static":
            return response
        response.headers.pop("Content-Disposition", None)  # "inline; filename=…": what a browser does anyway
        if request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        elif "Cache-Control" not in response.headers:  # asked again each time, by ETag
            response.headers["Cache-Control"] = "no-cache"
        return response
