"""Security headers on every response."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlsplit

from flask import Flask, Response, request


def media_origins(config: Mapping[str, Any]) -> str:
    """Where presigned media may come from besides us: the S3 endpoint, when media lives there."""
    if config.get("STORAGE_BACKEND") != "s3":
        return ""
    parts = urlsplit(config.get("S3_PUBLIC_URL") or config.get("S3_ENDPOINT_URL") or "https://s3.amazonaws.com")
    return f" {parts.scheme}://{parts.netloc}" if parts.netloc else " https://*.amazonaws.com"


def policy(config: Mapping[str, Any]) -> str:
    """The Content-Security-Policy: our own scripts and styles only, media from us or our storage."""
    extra = media_origins(config)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob:{extra}",
        f"media-src 'self' blob:{extra}",
        f"connect-src 'self' ws: wss:{extra}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# Types a browser never runs as a page (with nosniff, it will not guess otherwise).
INERT_TYPES = {"text/css", "text/javascript", "application/javascript", "application/json", "text/vtt",
               "image/webp", "image/jpeg", "image/png", "application/vnd.apple.mpegurl"}


def inert(mimetype: str) -> bool:
    """Whether a response of this type needs none of a page's headers."""
    return mimetype in INERT_TYPES or mimetype.split("/")[0] in ("audio", "video")


HSTS_SECONDS = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Register the headers hook."""
    csp = policy(app.config)

    @app.after_request
    def add_headers(response: Response) -> Response:
        """No sniffing anywhere; CSP, no framing and no referrer leaks on everything that could be shown
        as a page. Scripts, styles, pictures and media gain nothing from them, at ~350 bytes each on 2G."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.is_secure:  # over TLS (behind a proxy: X-Forwarded-Proto, see TRUSTED_PROXIES): stay on it
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        if not inert(response.mimetype):
            response.headers.setdefault("Content-Security-Policy", csp)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
