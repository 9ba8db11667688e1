"""Just enough WebM (Matroska) parsing to restart a live encoder mid-stream.

A MediaRecorder stream is an EBML header, a Segment with Info and Tracks (the "initialization
bytes"), then Clusters. A new ffmpeg can pick up a running stream if it is fed the
initialization bytes again followed by data from a Cluster's first byte.
"""
from __future__ import annotations

CLUSTER_ID = b"\x1f\x43\xb6\x75"
CLUSTER_TIMESTAMP_ID = 0xE7
MAX_INIT_BYTES = 1 << 20  # a header this large is not a MediaRecorder stream


class NotWebM(Exception):
    """The stream's head is not the WebM a browser records."""


def _vint_length(first: int) -> int:
    """Length in bytes of an EBML variable-size integer from its first byte (0 if invalid)."""
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    return 0


def is_cluster_at(data: bytes | bytearray, pos: int) -> bool | None:
    """Whether a real Cluster starts at pos (its size, then its Timestamp child); None: need more bytes."""
    if data[pos:pos + 4] != CLUSTER_ID[:len(data) - pos]:
        return False
    if len(data) < pos + 5:
        return None
    size_length = _vint_length(data[pos + 4])
    child = pos + 4 + size_length
    if size_length == 0:
        return False
    if len(data) <= child:
        return None
    return data[child] == CLUSTER_TIMESTAMP_ID


def find_cluster(data: bytes | bytearray, start: int = 0) -> tuple[int, bool]:
    """(position, certain) of the first Cluster at or after start; (-1, True) if none.

    `certain` is False when the match runs off the end of data and more bytes must decide."""
    pos = data.find(CLUSTER_ID[:1], start)
    while pos != -1:
        found = is_cluster_at(data, pos)
        if found is None:
            return pos, False
        if found:
            return pos, True
        pos = data.find(CLUSTER_ID[:1], pos + 1)
    return -1, True


class ClusterScanner:
    """Follows a WebM byte stream: keeps its initialization bytes, finds Cluster boundaries."""

    def __init__(self) -> None:
        self.init: bytes | None = None
        self._head = bytearray()  # bytes before the first Cluster, until it is seen
        self._carry = b""  # the tail of the last chunk that may begin a Cluster

    def feed_head(self, chunk: bytes) -> None:
        """Collect the stream's first bytes until the first Cluster: they are the init bytes."""
        if self.init is not None:
            return
        if not self._head and chunk[:4] != b"\x1a\x45\xdf\xa3":
            raise NotWebM("the stream does not start with an EBML header")
        self._head += chunk
        pos, certain = find_cluster(self._head)
        if pos >= 0 and certain:
            self.init = bytes(self._head[:pos])
            self._head = bytearray()
        elif len(self._head) > MAX_INIT_BYTES:
            raise NotWebM("no Cluster in the first megabyte")

    def resume_point(self, chunk: bytes) -> tuple[bytes, int]:
        """(buffer, offset): the chunk joined to any undecided carry, and where in it a Cluster
        starts (-1: none yet; the undecided tail is kept for the next chunk)."""
        data = self._carry + chunk
        pos, certain = find_cluster(data)
        if pos >= 0 and certain:
            self._carry = b""
            return data, pos
        self._carry = data[pos:] if pos >= 0 else data[-(len(CLUSTER_ID) + 8):]
        return data, -1
