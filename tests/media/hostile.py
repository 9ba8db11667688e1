"""Hostile uploads made on the spot: files that try to make ffmpeg or PyAV read elsewhere, or run forever.

Each maker writes one file and returns its path; the corpus in tests/security runs them all through
the real upload and processing path. `ConnectionSentinel` stands for any network address.
"""
from __future__ import annotations

import socket
import struct
import threading
import zlib
from pathlib import Path

from tests.media.clips import AAC, FAST_X264, TONE, avi_with_gab2, encode, hls_playlist_text, lavfi, video

SILENT = "anullsrc=r=8000:cl=mono"
TEN_HOURS = 10 * 3600


class ConnectionSentinel:
    """A TCP listener on a free local port that records every connection made to it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/lecture.ts"
        self.connected = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        """Note and close every connection until closed."""
        while not self.stopping:
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            self.connected.set()
            conn.close()

    def close(self) -> None:
        self.stopping = True
        self.thread.join(timeout=5)
        self.server.close()


def ffconcat(out: Path, *targets: str) -> Path:
    """An ffconcat script naming local files and URLs."""
    out.write_text("ffconcat version 1.0\n" + "".join(f"file '{t}'\n" for t in targets))
    return out


def avi_with_playlist(out: Path, *targets: str) -> Path:
    """An AVI whose GAB2 subtitle embeds an HLS playlist of the targets."""
    return avi_with_gab2(out, hls_playlist_text(*targets))


def png_bomb(out: Path, side: int = 65535) -> Path:
    """A tiny PNG that declares side × side pixels (gigabytes once decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (side * 3 + 1) * 16)  # a few rows; the rest is missing
    out.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return out


def huge_frame(binary: str, out: Path) -> Path:
    """One H.264 frame of 4352x2448 (above the pixel limit) with a second of sound."""
    return encode(binary, out, *video("4352x2448", 0.04, 25), *lavfi(TONE.format(d=1)), *FAST_X264,
                  "-frames:v", "1", *AAC)


def absurd_rate(binary: str, out: Path) -> Path:
    """A 1000 fps video (a fifth of a second) with sound."""
    return encode(binary, out, *video("64x64", 0.2, 1000), *lavfi(TONE.format(d=0.2)), *FAST_X264, *AAC)


def ten_hours_of_silence(binary: str, out: Path) -> Path:
    """Silence lasting ten hours in a few KB: two seconds of packets, the second after a ten-hour gap."""
    gap = f"asetpts='if(gte(T,1),PTS+{TEN_HOURS}/TB,PTS)'"
    return encode(binary, out, *lavfi(f"{SILENT}:d=2"), "-af", gap, "-c:a", "libopus", "-b:a", "6k")


def ten_hours_behind_a_short_header(binary: str, out: Path) -> Path:
    """The ten hours of silence, with a Matroska header that claims ten seconds."""
    data = ten_hours_of_silence(binary, out).read_bytes()
    at = data.index(b"\x44\x89\x88") + 3  # Segment Duration: an 8-byte float of milliseconds
    out.write_bytes(data[:at] + struct.pack(">d", 10_000.0) + data[at + 8:])
    return out


def big_frame_mid_stream(binary: str, out: Path) -> Path:
    """A small MPEG-TS clip followed by one frame above the pixel limit: the probe sees only the first size."""
    small = encode(binary, out.with_name("small.ts"), *video("320x180", 1, 10), *lavfi(TONE.format(d=1)),
                   *FAST_X264, *AAC, "-shortest")
    out.write_bytes(small.read_bytes() + huge_frame(binary, out.with_name("big.ts")).read_bytes())
    return out
