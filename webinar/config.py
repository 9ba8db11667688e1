"""Default configuration; the instance config file and ARALYK_* variables override it."""
from __future__ import annotations

LANGUAGES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


class Defaults:
    """Settings for the embedded default: SQLite, local files, an in-process worker."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # None: sqlite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "ky"
    OPERATOR_LOCALE = "en"  # command line and logs
    BABEL_DEFAULT_TIMEZONE = "Asia/Bishkek"
    LANGUAGES = LANGUAGES

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a slow form on a bad link must not expire at once

    # Rate limits (Flask-Limiter); storage moves to Redis when REDIS_URL is set.
    LOGIN_RATE_LIMIT = "10 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"  # one process on the embedded default

    REDIS_URL: str | None = None
    HUEY_NAME = "aralyk"
    HUEY_IMMEDIATE = False
    WORKER_THREADS = 2
    JOB_LEASE_SECONDS = 60
    JOB_MAX_ATTEMPTS = 3
    REAPER_INTERVAL_SECONDS = 30

    STORAGE_BACKEND = "local"
    FILE_URL_MAX_AGE = 6 * 3600

    ROSTER_MAX_BYTES = 1024 * 1024
    ROSTER_MAX_ROWS = 5000
    PASSWORD_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
