"""Mirror a session's live HLS work dir to storage: init and segments first, playlists last.

Keys: `live/<id>/hls/<tier>/<generation>/<file>`, `live/<id>/hls/<tier>/index.m3u8` and, when
there is video, `live/<id>/hls/master.m3u8`. A segment is only ever listed in a stored playlist
after it is stored itself, so listeners never meet a missing or partial file.
"""
from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

from media import hls
from media.live import AUDIO_TIER, LIVE_VIDEO_TIERS
from media.live_playlist import live_playlist, master_playlist, tier_segments
from media.storage import Storage

log = logging.getLogger(__name__)
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
BANDWIDTH = {t.name: (t.maxrate_k + 40) * 1000 for t in LIVE_VIDEO_TIERS}  # video cap + audio + boxes
HEIGHT = {t.name: t.height for t in LIVE_VIDEO_TIERS}


def hls_prefix(session_id: int) -> str:
    """Where a session's live tiers are stored."""
    return f"live/{session_id}/hls"


class Publisher:
    """Uploads what the encoders finished; remembers what is already stored."""

    def __init__(self, storage: Storage, session_id: int, work_dir: Path, window: int) -> None:
        self.storage, self.work_dir, self.window = storage, work_dir, window
        self.prefix = hls_prefix(session_id)
        self.stored: set[str] = set()
        self.playlists: dict[str, str] = {}
        self.codecs: dict[str, str] = {}
        self.parsed: dict = {}  # generation folder → its parsed playlist (media.live_playlist)
        self._lock = threading.Lock()

    def publish(self, ended: bool = False) -> int:
        """Store new files of every tier, then their playlists; returns how many files were stored."""
        with self._lock:
            return self._publish(ended)

    def _publish(self, ended: bool) -> int:
        """publish() under the lock."""
        root = self.work_dir / "hls"
        tiers = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        count = 0
        for tier in tiers:
            count += self._tier(tier, ended)
        video = [t for t in tiers if t != AUDIO_TIER and f"{t}/index.m3u8" in self.playlists]
        if video:
            self._playlist("master.m3u8", master_playlist([self._rung(t) for t in video]))
        return count

    def _tier(self, tier: str, ended: bool) -> int:
        """One tier: its new init segments and segments, then its playlist."""
        segments = tier_segments(self.work_dir / "hls" / tier, self.parsed)
        if not segments:
            return 0
        count = 0
        for segment in segments:
            init = f"{tier}/{segment.generation}/init.mp4"
            count += self._put(init) + self._put(f"{tier}/{segment.uri}")
        self._playlist(f"{tier}/index.m3u8", live_playlist(segments, window=self.window, ended=ended))
        return count

    def _put(self, name: str) -> int:
        """Store one finished file once (1 if stored now)."""
        if name in self.stored:
            return 0
        content_type = "audio/mp4" if name.startswith(f"{AUDIO_TIER}/") else "video/mp4"
        with (self.work_dir / "hls" / name).open("rb") as handle:
            self.storage.put(f"{self.prefix}/{name}", handle, content_type=content_type)
        self.stored.add(name)
        return 1

    def _playlist(self, name: str, text: str) -> None:
        """Store a playlist if it changed."""
        if self.playlists.get(name) == text:
            return
        self.storage.put(f"{self.prefix}/{name}", io.BytesIO(text.encode()), content_type=PLAYLIST_TYPE)
        self.playlists[name] = text

    def _rung(self, tier: str) -> tuple[str, int, int, str]:
        """(name, bandwidth, height, codecs) of a video tier for the master playlist."""
        if tier not in self.codecs:
            first = tier_segments(self.work_dir / "hls" / tier)[0]
            try:
                self.codecs[tier] = hls.codecs_string(self.work_dir / "hls" / tier / first.generation / "init.mp4")
            except Exception:  # noqa: BLE001 - CODECS is optional; hls.js probes the segments itself
                log.warning("no CODECS for live tier %s", tier, exc_info=True)
                self.codecs[tier] = ""
        return tier, BANDWIDTH.get(tier, 500_000), HEIGHT.get(tier, 0), self.codecs[tier]
