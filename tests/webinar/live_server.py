"""One Aralyk web process for the multi-process tests: `python -m tests.webinar.live_server CONFIG_JSON PORT`.

The config is the test's settings as JSON (a shared database, REDIS_URL for the Socket.IO message
queue and the rate limits); the process serves on 127.0.0.1:PORT until it is terminated.
"""
from __future__ import annotations

import json
import logging
import sys

from werkzeug.serving import make_server

from webinar import create_app


def main(argv: list[str]) -> None:
    """Build the app from the JSON config and serve it with threads, like the tests' own server."""
    config, port = json.loads(argv[0]), int(argv[1])
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(process)d %(name)s %(message)s")
    server = make_server("127.0.0.1", port, create_app(config), threaded=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main(sys.argv[1:])
