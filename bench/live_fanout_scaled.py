"""Live fan-out scaled out: 300 students on one server process vs two, both with the Redis queue.

bench/live_fanout.py with `--sizes 300 --no-presence-at --scale-out-at 300 --sends 10`: the first
table row is one process without a queue (the embedded default), then one process with Redis,
then two processes on one SQLite file and one webinar, the client processes alternating between
them and the teacher on the first. Kept apart from live_fanout.py so each bench stays within
about three minutes. Needs Redis (the tests' ARALYK_TEST_REDIS_URL, default db 15).

Run: .venv/bin/python bench/live_fanout_scaled.py [extra live_fanout.py options]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_fanout import main  # noqa: E402  (the bench folder is not a package)

if __name__ == "__main__":
    main(["--sizes", "300", "--no-presence-at", "--scale-out-at", "300", "--sends", "10", *sys.argv[1:]])
