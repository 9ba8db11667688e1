"""Settings derived from others."""
from __future__ import annotations

from webinar import create_app


def test_rate_limits_are_shared_through_redis_when_it_is_configured(tmp_path) -> None:
    base = {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"}
    assert create_app(base).config["RATELIMIT_STORAGE_URI"] == "memory://"
    scaled = create_app({**base, "REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert scaled.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"
