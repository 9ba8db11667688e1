"""Behind reverse proxies (nginx): trust their X-Forwarded-For and -Proto, so limits see the client."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the app (Socket.IO included) in ProxyFix for TRUSTED_PROXIES hops; none by default."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
