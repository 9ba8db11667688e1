"""The live HLS playlist of one tier, joined from every ffmpeg generation's own playlist.

Each generation (a part, or a restart of its ffmpeg) writes `<tier>/<generation>/index.m3u8`
listing only completed segments. The public playlist is a short sliding window over all of
them, with a discontinuity (and the generation's own init segment) where a generation begins.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_WINDOW = 5
VERSION = 7


@dataclass(frozen=True)
class Segment:
    """A completed segment: its URI relative to the tier folder, and its duration."""

    generation: str
    uri: str
    duration: float


def generation_segments(folder: Path) -> list[Segment]:
    """The completed segments ffmpeg listed in one generation folder (none if no playlist yet)."""
    try:
        text = (folder / "index.m3u8").read_text()
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    segments, duration = [], None
    for line in text.splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            if "/" not in line and (folder / line).is_file():
                segments.append(Segment(folder.name, f"{folder.name}/{line}", duration))
            duration = None
    return segments


def tier_segments(tier_dir: Path, cache: dict[Path, tuple[tuple[int, int], list[Segment]]] | None = None
                  ) -> list[Segment]:
    """Every completed segment of a tier, in stream order across generations (with a cache: a
    generation's playlist is parsed again only when ffmpeg has replaced it)."""
    if not tier_dir.is_dir():
        return []
    folders = sorted(p for p in tier_dir.iterdir() if p.is_dir())
    return [segment for folder in folders for segment in _generation(folder, cache)]


def _generation(folder: Path, cache: dict[Path, tuple[tuple[int, int], list[Segment]]] | None) -> list[Segment]:
    """generation_segments, remembered by the playlist's mtime and size."""
    if cache is None:
        return generation_segments(folder)
    try:
        stat = (folder / "index.m3u8").stat()
    except FileNotFoundError:
        return []
    stamp = (stat.st_mtime_ns, stat.st_size)
    found = cache.get(folder)
    if found is None or found[0] != stamp:
        found = cache[folder] = (stamp, generation_segments(folder))
    return found[1]


def live_playlist(segments: list[Segment], *, window: int = DEFAULT_WINDOW, ended: bool = False) -> str:
    """The media playlist: the last `window` segments, closed by ENDLIST once the session ended."""
    first = max(0, len(segments) - window)
    shown = segments[first:]
    starts = [i for i in range(1, len(segments)) if segments[i].generation != segments[i - 1].generation]
    target = max((int(s.duration + 0.5) for s in shown), default=2)
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{VERSION}", f"#EXT-X-TARGETDURATION:{target}",
             f"#EXT-X-MEDIA-SEQUENCE:{first}",
             f"#EXT-X-DISCONTINUITY-SEQUENCE:{sum(1 for i in starts if i <= first)}",
             "#EXT-X-INDEPENDENT-SEGMENTS"]
    previous = None
    for segment in shown:
        if segment.generation != previous:
            if previous is not None:
                lines.append("#EXT-X-DISCONTINUITY")
            lines.append(f'#EXT-X-MAP:URI="{segment.generation}/init.mp4"')
            previous = segment.generation
        lines += [f"#EXTINF:{segment.duration:.3f},", segment.uri]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def master_playlist(tiers: list[tuple[str, int, int, str]]) -> str:
    """The video master playlist: (tier name, bandwidth bps, height, codecs) per tier, lowest first."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for name, bandwidth, height, codecs in sorted(tiers, key=lambda t: t[1]):
        codec_attribute = f',CODECS="{codecs}"' if codecs else ""
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth}{codec_attribute}", f"{name}/index.m3u8"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Entry:
    """A segment as a stored live playlist lists it: media sequence number, URI, its init's URI."""

    sequence: int
    uri: str
    map_uri: str


def parse_live(text: str) -> tuple[list[Entry], bool]:
    """The entries of one of our live playlists, and whether it has ended (ENDLIST)."""
    entries, sequence, map_uri, ended = [], 0, "", False
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MAP:"):
            map_uri = line.split('URI="', 1)[1].split('"', 1)[0]
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line and not line.startswith("#"):
            entries.append(Entry(sequence, line, map_uri))
            sequence += 1
    return entries, ended
