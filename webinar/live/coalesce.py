"""At most one broadcast per interval for things that change in bursts (poll counts, upvotes, reactions).

500 students voting within a second must not become 500 broadcasts to 500 people. `soon(key, flush)`
runs `flush` in a background task: at once when nothing was flushed for `key` within the interval,
else when the interval is over. Calls while a flush is pending are folded into it, and the flush reads
the state when it runs, so the last one always carries the latest counts.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable

from flask import Flask, current_app

from webinar.extensions import db, socketio

log = logging.getLogger(__name__)
FORGET_AFTER = 60.0  # seconds; keys flushed longer ago than this are dropped from memory

_lock = threading.Lock()
_pending: set[Hashable] = set()
_busy = 0  # flushes scheduled or running
_last: dict[Hashable, float] = {}


def soon(key: Hashable, flush: Callable[[], None]) -> None:
    """Have flush() run once for key within LIVE_COALESCE_SECONDS (folded with other calls meanwhile)."""
    global _busy
    app = current_app._get_current_object()
    interval, now = float(app.config["LIVE_COALESCE_SECONDS"]), time.monotonic()
    key = (id(app), key)  # two apps in one process (tests) never share a flush
    with _lock:
        if key in _pending:
            return
        _pending.add(key)
        _busy += 1
        delay = max(0.0, _last.get(key, -interval) + interval - now)
        _forget(now)
    socketio.start_background_task(_run, app, key, flush, delay)


def _run(app: Flask, key: Hashable, flush: Callable[[], None], delay: float) -> None:
    """Wait, then flush with an app context (a call arriving after this point schedules the next)."""
    socketio.sleep(delay)
    with _lock:
        _pending.discard(key)
        _last[key] = time.monotonic()
    with app.app_context():
        try:
            flush()
        except Exception:
            db.session.rollback()
            log.exception("coalesced flush of %s failed", key)
        finally:
            db.session.remove()
            _done()


def _done() -> None:
    """One flush less in flight."""
    global _busy
    with _lock:
        _busy -= 1


def busy() -> bool:
    """Whether a flush is scheduled or running (a test waits for quiet before dropping its database)."""
    with _lock:
        return _busy > 0


def _forget(now: float) -> None:
    """Drop keys flushed long ago (the lock is held)."""
    if len(_last) > 1000:
        for key in [k for k, at in _last.items() if now - at > FORGET_AFTER and k not in _pending]:
            del _last[key]
