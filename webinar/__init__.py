"""Aralyk: lectures and webinars for students on bad links."""
from __future__ import annotations

from typing import Any

from flask import Flask

from webinar import (access, admin, api, auth, cli, compression, courses, errors, files, i18n, lectures, live,
                     materials, proxies, realtime, security, static_files, storage, uploads)
from webinar.config import Defaults
from webinar.extensions import csrf, db, limiter, login_manager, migrate
from webinar.setup import configure
from webinar import announcements
import workers


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the instance config, then ARALYK_* variables or a test dict."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    app.config.from_object(Defaults)
    configure(app, test_config)
    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    compression.init_app(app)
    static_files.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    storage.init_app(app)
    workers.init_app(app)
    realtime.init_app(app)
    proxies.init_app(app)  # after Socket.IO's middleware, so its requests see the client too
    cli.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(courses.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(lectures.bp)
    app.register_blueprint(uploads.bp)
    app.register_blueprint(live.bp)
    app.register_blueprint(materials.bp)
    lectures.init_app(app)
    announcements.init_app(app)
    api.init_app(app)
    return app
