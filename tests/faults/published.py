"""What a student would be served of a lecture right now, and whether every byte of it is there."""
from __future__ import annotations

import io
import re
from typing import Any, Iterator

from media.storage import NotFound, Storage

_URI = re.compile(r'URI="([^"]+)"')


def _files(manifest: dict[str, Any]) -> Iterator[tuple[str, int | None]]:
    """(path, bytes) of every file the manifest promises; bytes is None for HLS playlists' totals."""
    for entry in manifest.get("audio", {}).values():
        yield entry["path"], None if entry["path"].endswith(".m3u8") else entry["bytes"]
    for entry in manifest.get("video", []):
        yield entry["path"], None
    for key in ("offline_mp4", "bundle"):
        if key in manifest:
            yield manifest[key]["path"], manifest[key]["bytes"]
    for still in manifest.get("slides", []):
        yield still["file"], still["bytes"]
    for still in manifest.get("bundle_slides", []):
        yield f"bundle/{still['file']}", still["bytes"]


def _playlist_refs(text: str) -> list[str]:
    """The files an HLS playlist points at (segments, init sections, variant playlists)."""
    refs = [line for line in text.splitlines() if line and not line.startswith("#")]
    return refs + _URI.findall(text)


def missing(store: Storage, prefix: str, manifest: dict[str, Any]) -> list[str]:
    """Files the manifest promises under prefix that are absent, short, or (HLS) unfinished."""
    problems = []
    for path, size in _files(manifest):
        key = f"{prefix}/{path}"
        try:
            actual = store.size(key)
        except NotFound:
            problems.append(f"{key} absent")
            continue
        if size is not None and actual != size:
            problems.append(f"{key} has {actual} bytes, manifest says {size}")
        if path.endswith(".m3u8"):
            problems += _hls_missing(store, key)
    return problems


def _hls_missing(store: Storage, key: str) -> list[str]:
    """Referenced files absent from storage, and a media playlist without its end."""
    buffer = io.BytesIO()
    store.get(key, buffer)
    text = buffer.getvalue().decode()
    base = key.rpartition("/")[0]
    problems = [] if "#EXT-X-STREAM-INF" in text or "#EXT-X-ENDLIST" in text else [f"{key} unfinished"]
    for ref in _playlist_refs(text):
        if not store.exists(f"{base}/{ref}"):
            problems.append(f"{base}/{ref} absent")
        elif ref.endswith(".m3u8"):
            problems += _hls_missing(store, f"{base}/{ref}")
    return problems
