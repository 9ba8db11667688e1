"""The Huey instance: SQLite on the embedded default, Redis when REDIS_URL is set."""
from __future__ import annotations

import os
from typing import Any, Mapping

from huey import Huey, RedisHuey, SqliteHuey


def make_huey(config: Mapping[str, Any], instance_path: str) -> Huey:
    """A Huey instance for this configuration; results live in the Job table, not here."""
    name = config["HUEY_NAME"]
    immediate = config["HUEY_IMMEDIATE"]
    if config.get("REDIS_URL"):
        return RedisHuey(name, url=config["REDIS_URL"], results=False, utc=True, immediate=immediate)
    path = config.get("HUEY_SQLITE_PATH") or os.path.join(instance_path, "huey.sqlite3")
    return SqliteHuey(name, filename=path, results=False, utc=True, immediate=immediate)
