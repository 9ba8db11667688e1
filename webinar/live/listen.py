"""Follow a live audio tier in storage and send it as one endless fMP4 stream.

Works on any web process (it reads storage, not the encoder's disk). Listeners of a session in
one process share the playlist and segment reads through a small cache, so a hundred listeners
cost storage one playlist read per poll and one read per segment.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Callable, Iterator

from media.fmp4 import BadFragment, Retimer
from media.live_playlist import Entry, parse_live
from media.storage import NotFound, Storage

log = logging.getLogger(__name__)
SEGMENT_CACHE = 64


class _Cache:
    """Recent playlist texts (for one poll interval) and segment bytes, per process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.playlists: dict[str, tuple[float, bytes]] = {}
        self.segments: OrderedDict[str, bytes] = OrderedDict()

    def playlist(self, storage: Storage, key: str, ttl: float) -> bytes:
        """The playlist's bytes, read again once older than ttl."""
        now = time.monotonic()
        with self.lock:
            found = self.playlists.get(key)
        if found and now - found[0] < ttl:
            return found[1]
        data = _read(storage, key)
        with self.lock:
            self.playlists[key] = (now, data)
        return data

    def segment(self, storage: Storage, key: str) -> bytes:
        """A segment's bytes (they never change)."""
        with self.lock:
            if key in self.segments:
                self.segments.move_to_end(key)
                return self.segments[key]
        data = _read(storage, key)
        with self.lock:
            self.segments[key] = data
            while len(self.segments) > SEGMENT_CACHE:
                self.segments.popitem(last=False)
        return data


def _read(storage: Storage, key: str) -> bytes:
    """An object's bytes."""
    return b"".join(storage.stream(key))


_cache = _Cache()


class Follower:
    """One listener's walk along a tier: the last `backlog` segments at once, then each new one."""

    def __init__(self, storage: Storage, tier_prefix: str, *, backlog: int, poll: float, idle: float,
                 session_ended: Callable[[], bool] = lambda: False, ended_check: float = 10.0) -> None:
        self.storage, self.prefix, self.session_ended = storage, tier_prefix, session_ended
        self.ended_check = ended_check
        self.backlog, self.poll, self.idle = max(1, backlog), poll, idle
        self.retimer: Retimer | None = None
        self.sent: int | None = None

    def _entries(self) -> tuple[list[Entry], bool]:
        """The stored playlist's entries (none yet if it is not there)."""
        try:
            text = _cache.playlist(self.storage, f"{self.prefix}/index.m3u8", self.poll).decode()
        except NotFound:
            return [], False
        return parse_live(text)

    def _fresh(self, entries: list[Entry]) -> list[Entry]:
        """Entries not sent yet (at the start: only the last few, the live edge)."""
        if self.sent is None:
            return entries[-self.backlog:]
        return [e for e in entries if e.sequence > self.sent]

    def _bytes(self, entry: Entry) -> bytes:
        """What to send for one entry: the init first, then the re-timed segment."""
        out = b""
        if self.retimer is None:
            init = _cache.segment(self.storage, f"{self.prefix}/{entry.map_uri}")
            self.retimer = Retimer(init)
            out = init
        return out + self.retimer.segment(_cache.segment(self.storage, f"{self.prefix}/{entry.uri}"))

    def stream(self) -> Iterator[bytes]:
        """Yield the stream until the playlist ends or nothing new comes for `idle` seconds."""
        last_new = last_check = time.monotonic()
        yield b""  # the status line and headers go out now, even before the first segment exists
        while True:
            entries, ended = self._entries()
            for entry in self._fresh(entries):
                try:
                    data = self._bytes(entry)
                except (NotFound, BadFragment):
                    log.warning("live segment %s/%s unreadable; skipped", self.prefix, entry.uri)
                    data = b""
                self.sent, last_new = entry.sequence, time.monotonic()
                if data:
                    yield data
            now = time.monotonic()
            if ended or now - last_new > self.idle:
                return
            if now - last_check > self.ended_check:
                last_check = now
                if self.session_ended():  # ended on a process that had no encoder: no ENDLIST came
                    return
            time.sleep(self.poll)
