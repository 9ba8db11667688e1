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
    # "Remember me" lasts a month, not Flask-Login's year: a copy of the cookie taken from a shared
    # phone works until it expires or the password changes (sign-out clears it only on that phone).
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a slow form on a bad link must not expire at once
    TRUSTED_PROXIES = 0  # reverse proxies in front whose X-Forwarded-For/-Proto count (nginx alone: 1)

    # Rate limits (Flask-Limiter); storage moves to Redis when REDIS_URL is set.
    LOGIN_RATE_LIMIT = "10 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"  # one process on the embedded default
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: each process counts on its own until it is back
    RATELIMIT_SWALLOW_ERRORS = True  # a limiter error lets the request through rather than failing it

    REDIS_URL: str | None = None
    SOCKETIO_CHANNEL = "flask-socketio"  # the Redis pub/sub channel; one per deployment sharing a Redis
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

    # Resumable uploads (tus): the global ceiling (a purpose may set a lower one), idle expiry, staging
    UPLOAD_MAX_BYTES = 4 * 1024**3
    UPLOAD_EXPIRY_HOURS = 24  # since the last PATCH; the worker's reaper calls expire_uploads()
    UPLOAD_STAGING_DIR: str | None = None  # None: <instance>/uploads; must be local to the web process
    UPLOAD_RATE_LIMIT = "30 per hour"  # upload creations per user

    # Text is compressed (at 64 kbps every KB costs 1/8 s); media files are already compressed.
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/vnd.apple.mpegurl", "text/vtt", "text/csv", "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 512

    # Recorded lectures
    LECTURE_MAX_BYTES = 4 * 1024**3
    LECTURE_MAX_SECONDS = 4 * 3600
    UPLOAD_CHUNK_BYTES = 1024 * 1024  # a PATCH per MiB: little lost on a drop, little overhead at 600 ms RTT
    FFMPEG_BINARY: str | None = None  # None: ffmpeg on PATH, else the one imageio-ffmpeg bundles
    FFMPEG_TIMEOUT_SECONDS = 6 * 3600
    KEEP_SOURCES = True  # keep each lecture's current recording, to re-process it when the ladder improves
    KEEP_OLD_SOURCES = False  # a replaced recording is deleted
    CAPTION_MAX_BYTES = 1024 * 1024
    PROGRESS_REPORT_SECONDS = 15

    # Live webinars
    LIVE_LOBBY_MINUTES = 15  # students may enter the room this long before the start
    LIVE_SLIDES_MAX_BYTES = 50 * 1024 * 1024  # a PDF of slides; the upload route lifts MAX_CONTENT_LENGTH to it
    LIVE_SLIDES_MAX_PAGES = 300
    LIVE_SLIDES_LONG_SIDE = 960  # px of the long side: 960×540 for 16:9, sharp on a phone; a text slide ~16 KB (1280: ~23)
    LIVE_SLIDES_TIMEOUT_SECONDS = 600  # drawing a whole PDF, in a child process
    LIVE_SLIDES_MEMORY_BYTES = 2 * 1024**3  # that child's address-space limit
    LIVE_CHAT_RATE_LIMIT = "5 per 10 seconds"  # per person and session, shared by all processes with Redis
    LIVE_CHAT_MAX_CHARS = 500
    LIVE_JOIN_RATE_LIMIT = "30 per minute"  # joins per person and session: a reconnect loop cannot flood the database
    LIVE_QUESTION_RATE_LIMIT = "3 per minute"  # per person and session
    LIVE_REACTION_RATE_LIMIT = "10 per 10 seconds"
    LIVE_HAND_RATE_LIMIT = "10 per minute"  # raising and lowering one's own hand
    LIVE_VOTE_RATE_LIMIT = "30 per 10 seconds"  # poll answers, changes included
    LIVE_COALESCE_SECONDS = 1.0  # poll counts, upvotes and reactions go out at most this often
    # Live media ingest (webinar/live/ingest.py) and the listeners' routes
    LIVE_WORK_DIR: str | None = None  # None: <instance>/live; the encoders' segments before they are published
    LIVE_HLS_WINDOW = 5  # segments in a live playlist: short, since 2G listeners reload it every few seconds
    LIVE_PUBLISH_SECONDS = 0.5  # how often finished segments are mirrored to storage
    LIVE_MEDIA_MAX_BYTES = 512 * 1024  # one MediaRecorder chunk
    LIVE_ENCODER_CLOSE_SECONDS = 30  # ffmpeg's time to flush the last segments when a part stops
    LIVE_LISTEN_BACKLOG = 2  # segments /listen sends at once before following the live edge
    LIVE_LISTEN_BACKLOG_PLAIN = 5  # for a plain <audio> (Chromium plays nothing before 32 KB: ~5 segments at 24 kbit/s)
    LIVE_LISTEN_POLL_SECONDS = 0.5  # how often /listen looks for a new segment in storage
    LIVE_LISTEN_IDLE_SECONDS = 120  # /listen ends after this long without a new segment
    LIVE_LISTEN_ENDED_CHECK_SECONDS = 10  # /listen also reads the session's status this often

    # Announcements and their e-mail copies: no SMTP_HOST or MAIL_FROM, no e-mail (the pages say so)
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = True
    SMTP_TIMEOUT_SECONDS = 20
    MAIL_FROM: str | None = None  # "Aralyk <noreply@university.kg>"
    PUBLIC_BASE_URL: str | None = None  # "https://aralyk.kg" for links in e-mails; None: the posting request's host
    ANNOUNCEMENT_MAX_CHARS = 5000
    ANNOUNCEMENT_RETRY_SECONDS = 60  # failed e-mails are tried again after 1, 2, 4… minutes (JOB_MAX_ATTEMPTS runs)

    # Teaching materials (webinar/materials): files per syllabus section, PDFs also as page images
    MATERIALS_MAX_BYTES = 50 * 1024 * 1024  # one file; the upload routes lift MAX_CONTENT_LENGTH to it
    MATERIALS_MAX_PAGES = 500  # a PDF with more pages is still downloadable, without page images
    MATERIALS_PAGE_LONG_SIDE = 1280  # px: an A4 page becomes 905×1280, readable on a phone
    MATERIALS_ZIP_MAX_MEMBERS = 2000
    MATERIALS_ZIP_MAX_BYTES = 1024**3  # unpacked
    MATERIALS_PAGES_PER_SCREEN = 3  # page images per screen of the phone viewer (a dense text page: ~150 KB)
