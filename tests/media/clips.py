"""Small media fixtures made with ffmpeg's lavfi sources, plus hand-made hostile files."""

from __future__ import annotations

import os
import struct
import threading
import uuid
from pathlib import Path
from typing import Callable

from media.ffmpeg import run

TONE = "sine=frequency=440:sample_rate=44100:duration={d}"
NOISE = "anoisesrc=color=pink:amplitude=0.3:sample_rate=48000:duration={d}"
LOCATION = "+42.8746+074.5698/"  # a phone's GPS tag, which must not reach what we serve
FAST_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "64k"]


def lavfi(source: str) -> list[str]:
    """argv for one lavfi input."""
    return ["-f", "lavfi", "-i", source]


def video(size: str, d: float, rate: int = 30) -> list[str]:
    """argv for a testsrc2 input."""
    return lavfi(f"testsrc2=size={size}:rate={rate}:duration={d}")


def encode(binary: str, out: Path, *args: str) -> Path:
    """Run ffmpeg to write out (overwriting) and return it."""
    run(["-y", *args, str(out)], binary=binary)
    return out


def lecture_mp4(binary: str, out: Path, d: float = 4, size: str = "640x360") -> Path:
    """640x360 (unless told) 30 fps H.264 + AAC with moving audio noise (a typical upload)."""
    return encode(binary, out, *video(size, d), *lavfi(NOISE.format(d=d)),
                  *FAST_X264, *AAC, "-movflags", "+faststart", "-shortest",
                  "-metadata", f"location={LOCATION}", "-metadata", "title=Phone upload")


def noisy_mp4(binary: str, out: Path) -> Path:
    """The lecture's picture under sensor-like noise that changes every frame (a phone in a dim room)."""
    return encode(binary, out, *lavfi("testsrc2=size=640x360:rate=25:duration=4,noise=alls=8:allf=t"),
                  *lavfi(NOISE.format(d=4)), *FAST_X264, "-crf", "23", *AAC, "-shortest")


def long_mp4(binary: str, out: Path) -> Path:
    """10 s at 320x180, 10 fps: long enough for several HLS segments."""
    return encode(binary, out, *video("320x180", 10, 10), *lavfi(TONE.format(d=10)),
                  *FAST_X264, *AAC, "-shortest")


def portrait_mp4(binary: str, out: Path) -> Path:
    """1080x1920 phone-style clip, 2 s, cheap to make."""
    return encode(binary, out, *video("1080x1920", 2, 10), *lavfi(TONE.format(d=2)),
                  *FAST_X264, "-b:v", "300k", *AAC, "-shortest")


def odd_mkv(binary: str, out: Path) -> Path:
    """853x479 (odd size; 4:4:4 allows it) in Matroska with Opus audio."""
    return encode(binary, out, *video("854x480", 2, 25), *lavfi(TONE.format(d=2)),
                  "-vf", "format=yuv444p,crop=853:479:0:0", "-c:v", "libx264",
                  "-preset", "ultrafast", "-c:a", "libopus", "-shortest")


def live_webm(binary: str, out: Path) -> Path:
    """VP8 + Opus WebM written as a live stream (no duration, like MediaRecorder output)."""
    return encode(binary, out, *video("320x240", 2, 15), *lavfi(TONE.format(d=2)),
                  "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
                  "-c:a", "libopus", "-f", "webm", "-live", "1", "-shortest")


def ffv1_mkv(binary: str, out: Path) -> Path:
    """A video codec outside the whitelist (FFV1) with AAC audio."""
    return encode(binary, out, *video("160x120", 1), *lavfi(TONE.format(d=1)),
                  "-c:v", "ffv1", *AAC, "-shortest")


def vfr_mp4(binary: str, out: Path) -> Path:
    """Variable frame rate: irregular gaps between frames."""
    return encode(binary, out, *video("320x240", 3), *lavfi(TONE.format(d=3)),
                  "-vf", "select='lt(mod(n\\,10)\\,6)'", "-fps_mode", "passthrough",
                  *FAST_X264, *AAC, "-shortest")


def rotated_mp4(binary: str, source: Path, out: Path) -> Path:
    """source remuxed with a 90 degree display matrix (a phone held upright)."""
    return encode(binary, out, "-display_rotation", "90", "-i", str(source), "-c", "copy")


def video_only_mp4(binary: str, out: Path) -> Path:
    """Video without any audio stream."""
    return encode(binary, out, *video("320x240", 2), *FAST_X264)


AUDIO_CODECS = {".m4a": AAC, ".mp3": ["-c:a", "libmp3lame"], ".ogg": ["-c:a", "libvorbis"],
                ".wav": ["-c:a", "pcm_s16le"], ".flac": ["-c:a", "flac"], ".mov": ["-c:a", "alac"]}


def audio_file(binary: str, out: Path, d: float = 3) -> Path:
    """Audio-only noise in the container/codec implied by out's suffix (.mov: ALAC)."""
    return encode(binary, out, *lavfi(NOISE.format(d=d)), *AUDIO_CODECS[out.suffix])


def mp3_with_cover(binary: str, source: Path, out: Path) -> Path:
    """source (an mp3) with a JPEG cover picture (an attached_pic video stream)."""
    cover = encode(binary, out.with_suffix(".jpg"), *lavfi("color=c=red:size=64x64"),
                   "-frames:v", "1")
    return encode(binary, out, "-i", str(source), "-i", str(cover), "-map", "0", "-map", "1",
                  "-c", "copy", "-disposition:v", "attached_pic")


def remux(binary: str, source: Path, out: Path) -> Path:
    """source copied into the container implied by out's suffix."""
    return encode(binary, out, "-i", str(source), "-c", "copy")


def another_copy(binary: str, source: Path, out: Path) -> Path:
    """The same recording as a different file (new metadata), as a teacher's second export would be."""
    return encode(binary, out, "-i", str(source), "-c", "copy", "-metadata", f"comment={uuid.uuid4()}")


def truncated(source: Path, out: Path, keep: float = 0.5) -> Path:
    """The first `keep` fraction of source's bytes."""
    data = source.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def hls_playlist_text(*targets: str) -> bytes:
    """A VOD HLS playlist with one 10 s segment per target URL."""
    body = "".join(f"#EXTINF:10,\n{target}\n" for target in targets)
    return ("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
            f"{body}#EXT-X-ENDLIST\n").encode()


def hls_as_mp4(out: Path, local: Path) -> Path:
    """An HLS playlist, named .mp4, pointing at /etc/passwd and a local file."""
    out.write_bytes(hls_playlist_text("file:///etc/passwd", str(local)))
    return out


class FifoSentinel:
    """A named pipe that records whether any process opened it for reading."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.opened = threading.Event()
        self.closing = False
        self.thread = threading.Thread(target=self._await_reader, daemon=True)
        self.thread.start()

    def _await_reader(self) -> None:
        """Block until a reader opens the FIFO, note it, then hand it EOF."""
        fd = os.open(self.path, os.O_WRONLY)
        if not self.closing:
            self.opened.set()
        os.close(fd)

    def close(self) -> None:
        """Release the waiting writer (without counting as a reader) and join it."""
        self.closing = True
        if not self.opened.is_set():
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            self.thread.join(timeout=5)
            os.close(fd)
        self.thread.join(timeout=5)


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    """One RIFF chunk, padded to an even size."""
    return fourcc + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)


def _gab2(payload: bytes) -> bytes:
    """A GAB2 subtitle packet wrapping payload (the layout avidec's read_gab2_sub expects)."""
    name = "x".encode("utf-16-le") + b"\0\0"
    return (b"GAB2\0" + struct.pack("<H", 2) + struct.pack("<I", len(name)) + name
            + struct.pack("<H", 4) + struct.pack("<I", len(payload)) + payload)


def avi_with_gab2(out: Path, payload: bytes) -> Path:
    """A minimal AVI whose only stream is a GAB2 subtitle carrying payload."""
    avih = struct.pack("<10I4I", 40000, 0, 0, 0x10, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0)
    strh = b"txts" + b"\0\0\0\0" + struct.pack("<IHHIIIIIIII4h", 0, 0, 0, 0, 1, 1000, 0, 1,
                                                0, 0, 0, 0, 0, 0, 0)
    strl = _chunk(b"LIST", b"strl" + _chunk(b"strh", strh) + _chunk(b"strf", b"\0" * 4))
    hdrl = _chunk(b"LIST", b"hdrl" + _chunk(b"avih", avih) + strl)
    movi = _chunk(b"LIST", b"movi" + _chunk(b"00tx", _gab2(payload)))
    out.write_bytes(_chunk(b"RIFF", b"AVI " + hdrl + movi))
    return out


class Clips:
    """Make each fixture once, lazily, in one directory."""

    def __init__(self, root: Path, binary: str) -> None:
        self.root = root
        self.binary = binary
        self.made: dict[str, Path] = {}

    def get(self, name: str) -> Path:
        """Path of the named fixture, making it on first use."""
        if name not in self.made:
            self.made[name] = self._makers()[name]()
        return self.made[name]

    def _makers(self) -> dict[str, Callable[[], Path]]:
        """Fixture name → maker."""
        b, r = self.binary, self.root
        return {
            "lecture.mp4": lambda: lecture_mp4(b, r / "lecture.mp4"),
            "portrait.mp4": lambda: portrait_mp4(b, r / "portrait.mp4"),
            "noisy.mp4": lambda: noisy_mp4(b, r / "noisy.mp4"),
            "long.mp4": lambda: long_mp4(b, r / "long.mp4"),
            "odd.mkv": lambda: odd_mkv(b, r / "odd.mkv"),
            "vfr.mp4": lambda: vfr_mp4(b, r / "vfr.mp4"),
            "rotated.mp4": lambda: rotated_mp4(b, self.get("lecture.mp4"), r / "rotated.mp4"),
            "video_only.mp4": lambda: video_only_mp4(b, r / "video_only.mp4"),
            "lecture.ts": lambda: remux(b, self.get("lecture.mp4"), r / "lecture.ts"),
            "live.webm": lambda: live_webm(b, r / "live.webm"),
            "ffv1.mkv": lambda: ffv1_mkv(b, r / "ffv1.mkv"),
            "alac.mov": lambda: audio_file(b, r / "alac.mov"),
            "audio.flac": lambda: audio_file(b, r / "audio.flac"),
            "audio.m4a": lambda: audio_file(b, r / "audio.m4a"),
            "audio.mp3": lambda: audio_file(b, r / "audio.mp3"),
            "audio.ogg": lambda: audio_file(b, r / "audio.ogg"),
            "audio.wav": lambda: audio_file(b, r / "audio.wav"),
            "cover.mp3": lambda: mp3_with_cover(b, self.get("audio.mp3"), r / "cover.mp3"),
            "empty.mp4": lambda: _write(r / "empty.mp4", b""),
            "random.mp4": lambda: _write(r / "random.mp4", os.urandom(64 * 1024)),
            "text.mp4": lambda: _write(r / "text.mp4", b"Lecture notes, chapter 1.\n" * 200),
            "truncated.mp4": lambda: truncated(self.get("lecture.mp4"), r / "truncated.mp4"),
            "no_moov.mp4": lambda: _no_moov(b, r),
        }


def _write(path: Path, data: bytes) -> Path:
    """Write data to path and return it."""
    path.write_bytes(data)
    return path


def _no_moov(binary: str, root: Path) -> Path:
    """An mp4 cut before its trailing moov box."""
    full = encode(binary, root / "moov_at_end.mp4", *video("320x240", 2),
                  *lavfi(TONE.format(d=2)), *FAST_X264, *AAC, "-shortest")
    return truncated(full, root / "no_moov.mp4", 0.6)
