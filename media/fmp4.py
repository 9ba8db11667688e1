"""Fragmented MP4 as one endless progressive stream: segments re-timed back to back.

The live audio tier's segments come from several ffmpeg runs (presenter reconnects, restarts),
each with its own init segment and with gaps in its timestamps. A plain `<audio>` element
playing them as one response freezes at a gap, so each fragment's decode time (tfdt) is
rewritten to follow the previous one; `styp`/`sidx` boxes, which would contradict it, are dropped.
"""
from __future__ import annotations

import struct
from typing import Iterator

CONTAINERS = {b"moof", b"traf", b"moov", b"mvex"}
DROPPED = {b"styp", b"sidx"}
TFHD_BASE_OFFSET, TFHD_DESCRIPTION, TFHD_DURATION = 0x01, 0x02, 0x08
TRUN_DATA_OFFSET, TRUN_FIRST_FLAGS, TRUN_DURATION = 0x01, 0x04, 0x100


class BadFragment(ValueError):
    """The bytes are not the fMP4 our live encoder writes."""


def boxes(data: bytes | bytearray, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, box start, payload start, box end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise BadFragment("truncated box header")
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise BadFragment(f"bad {kind!r} box size")
        yield kind, pos, pos + header, pos + size
        pos += size


def _child(data: bytes | bytearray, parent: tuple[bytes, int, int, int], kind: bytes) -> tuple[bytes, int, int, int] | None:
    """The first child box of a kind."""
    return next((box for box in boxes(data, parent[2], parent[3]) if box[0] == kind), None)


def trex_duration(init: bytes) -> int:
    """The default sample duration an init segment's movie extends box declares (0 if none)."""
    moov = next((b for b in boxes(init) if b[0] == b"moov"), None)
    mvex = moov and _child(init, moov, b"mvex")
    trex = mvex and _child(init, mvex, b"trex")
    return struct.unpack_from(">I", init, trex[2] + 12)[0] if trex else 0


def _tfhd_duration(data: bytes | bytearray, tfhd: tuple[bytes, int, int, int]) -> int | None:
    """The track fragment's default sample duration, if its header carries one."""
    flags = struct.unpack_from(">I", data, tfhd[2])[0] & 0xFFFFFF
    if not flags & TFHD_DURATION:
        return None
    offset = tfhd[2] + 8 + (8 if flags & TFHD_BASE_OFFSET else 0) + (4 if flags & TFHD_DESCRIPTION else 0)
    return struct.unpack_from(">I", data, offset)[0]


def _trun_duration(data: bytes | bytearray, trun: tuple[bytes, int, int, int], default: int) -> int:
    """Total duration of a track run's samples."""
    flags = struct.unpack_from(">I", data, trun[2])[0] & 0xFFFFFF
    count = struct.unpack_from(">I", data, trun[2] + 4)[0]
    if not flags & TRUN_DURATION:
        return count * default
    pos = trun[2] + 8 + (4 if flags & TRUN_DATA_OFFSET else 0) + (4 if flags & TRUN_FIRST_FLAGS else 0)
    stride = 4 * bin(flags & 0xF00).count("1")
    return sum(struct.unpack_from(">I", data, pos + i * stride)[0] for i in range(count))


class Retimer:
    """Rewrites fragments of one track so their decode times run on without gaps."""

    def __init__(self, init: bytes) -> None:
        self.trex_default = trex_duration(init)
        self.next_time: int | None = None

    def segment(self, data: bytes) -> bytes:
        """A media segment with its fragments re-timed, ready to append to the stream."""
        out = bytearray()
        for kind, start, _, end in boxes(data):
            if kind in DROPPED:
                continue
            box = bytearray(data[start:end])
            if kind == b"moof":
                self._retime(box)
            out += box
        return bytes(out)

    def _retime(self, moof: bytearray) -> None:
        """Set the fragment's tfdt to the running time and advance it by the fragment's duration."""
        top = next(boxes(moof))
        traf = _child(moof, top, b"traf")
        if traf is None:
            raise BadFragment("moof without traf")
        tfhd, tfdt = _child(moof, traf, b"tfhd"), _child(moof, traf, b"tfdt")
        if tfhd is None or tfdt is None:
            raise BadFragment("traf without tfhd or tfdt")
        default = _tfhd_duration(moof, tfhd) or self.trex_default
        duration = sum(_trun_duration(moof, box, default) for box in boxes(moof, traf[2], traf[3])
                       if box[0] == b"trun")
        version = moof[tfdt[2]]
        fmt = ">Q" if version == 1 else ">I"
        original = struct.unpack_from(fmt, moof, tfdt[2] + 4)[0]
        if self.next_time is None:
            self.next_time = original
        struct.pack_into(fmt, moof, tfdt[2] + 4, self.next_time)
        self.next_time += duration
