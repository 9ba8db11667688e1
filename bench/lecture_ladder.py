"""Lecture ladder: wall time, bytes per hour and VMAF of our ladder next to PeerTube's defaults, and slides.

On a generated 1280x720 30 fps lecture (slides with small text changes, a noisy moving camera inset,
a voice), side by side in one run:

- wall time of our ladder (phase 1 `transcode_audio` feeding the slide detector, phase 2
  `transcode_video` for every rung), of PeerTube's default VOD settings (one ffmpeg per height, each
  decoding the source) and of plain decoding (the floor);
- bytes per hour of every tier and the VMAF of every video tier against the source, next to
  PeerTube's for the same height;
- slide-change precision and recall on this clip and on shorter lectures with other seeds.

PeerTube's settings come from its sources (packages/ffmpeg/src/ffmpeg-default-transcoding-profile.ts,
shared/encoder-options.ts, packages/core-utils/src/videos/bitrate.ts): libx264 `-preset veryfast`,
crf left at x264's default (23), `-maxrate` = getTargetBitrate() = the average bits-per-pixel times
height x (height x ratio) x fps (capped at the input bitrate + 30%), `-bufsize` 2 x maxrate,
`-b_strategy 1 -bf 16`, `-r fps`, `-g 2 x fps`, `-pix_fmt yuv420p`, `-map_metadata -1`, an MP4 with
`-movflags faststart`; an AAC source under 384 kbps is copied, not re-encoded (getMaxAudioKBitrate).
Threads: config/default.yaml sets `transcoding.threads: 1`, which PeerTube passes as the output option
`-threads 1` (x264 on one thread; decoding still uses both cores). The goal is judged against that
default; a second run with the thread count left to ffmpeg (both cores) is printed beside it.

Generated clips are cached in bench/.cache/ (keyed by their parameters and the generator's source).
Progress goes to stderr, the tables to stdout. `--minutes 1` for a quick check; `--breakdown` adds
where phase 2's time goes (its filters alone, every rung with x264 ultrafast, the top rung alone so).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402

from media import transcode  # noqa: E402
from media.ffmpeg import ffmpeg_binary, input_args, run  # noqa: E402
from media.hls import media_files, offline_mp4  # noqa: E402
from media.ladder import AUDIO_AAC, AUDIO_OPUS, VideoRendition, renditions_for  # noqa: E402
from media.probe import SourceInfo, probe  # noqa: E402
from media.slides import ANALYSIS_FPS, Slide, SlideDetector, write_stills  # noqa: E402
from tests.media import lecture_clip  # noqa: E402
from tests.media.lecture_clip import irregular_times, make_lecture  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
SIZE, FPS = (1280, 720), 30
MAIN_SEED = 0
SLIDE_SEEDS = (1, 2, 3)
SLIDE_SECONDS = 120.0
SLIDE_GAPS = (4.0, 16.0)  # s between changes in the shorter lectures: about a dozen changes each
TOLERANCE = 1.0  # s: a detection matches a true change this close
MB = 1e6  # bytes per megabyte in the tables

# PeerTube's averageBitPerPixel and minLimitBitPerPixel (packages/core-utils/src/videos/bitrate.ts).
PEERTUBE_AVG_BPP = {144: 0.19, 240: 0.17, 360: 0.15, 480: 0.12, 720: 0.11, 1080: 0.10}
PEERTUBE_MIN_BPP = 0.02
PEERTUBE_MAX_AUDIO_KBPS = 384  # an AAC stream at or below this is copied
PEERTUBE_THREADS = 1  # config/default.yaml transcoding.threads

GOAL_SPEEDUP = 3.0  # PeerTube wall time / ours, at least
GOAL_FLOOR = 2.5  # ours / plain decode, at most
GOAL_BYTES = 0.4  # ours / PeerTube bytes per tier, at most
GOAL_VMAF = -3.0  # ours - PeerTube VMAF per tier, at least
GOAL_AUDIO_MB_H = 11.0  # Opus audio tier, MB per hour, at most
GOAL_SLIDES = 0.95  # precision and recall, at least each

STARTED = time.perf_counter()


def log(message: str) -> None:
    """A progress line on stderr with the time since start."""
    print(f"[{time.perf_counter() - STARTED:6.0f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Took:
    """Wall seconds and CPU seconds (this process and the ffmpeg children it waited for, user + sys)."""

    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Took) -> Took:
        return Took(self.wall + other.wall, self.cpu + other.cpu)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its reaped children so far."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def timed(fn: Callable[[], Any]) -> tuple[Took, Any]:
    """(Took, result) of fn()."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return Took(time.perf_counter() - started, cpu_seconds() - cpu), result


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# ---------------------------------------------------------------------------------------------
# Clips


def generator_tag() -> str:
    """A short hash of the clip generator's source, so a changed generator makes new clips."""
    return hashlib.sha1(Path(lecture_clip.__file__).read_bytes()).hexdigest()[:8]


def cached_lecture(duration: float, seed: int, gaps: tuple[float, float] | None = None) -> tuple[Path, list[float]]:
    """A generated lecture and its true slide change times, made once per parameter set."""
    times = irregular_times(duration, seed=seed, gaps=gaps) if gaps else None
    key = f"{duration:g}s_{SIZE[0]}x{SIZE[1]}_{FPS}fps_seed{seed}"
    if gaps:
        key += f"_gaps{gaps[0]:g}-{gaps[1]:g}"
    stem = CACHE / f"lecture_{key}_{generator_tag()}"
    clip, truth_file = stem.with_suffix(".mp4"), stem.with_suffix(".json")
    if clip.is_file() and truth_file.is_file():
        return clip, json.loads(truth_file.read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"generating {clip.name} (cached for next runs)")
    part = stem.with_name(stem.name + ".part.mp4")
    truth = make_lecture(part, duration=duration, size=SIZE, fps=FPS, slide_times=times, seed=seed,
                         binary=ffmpeg_binary())
    os.replace(part, clip)
    truth_file.write_text(json.dumps(truth))
    return clip, truth


# ---------------------------------------------------------------------------------------------
# Our ladder


@dataclass
class Ours:
    """Timings and outputs of our ladder on one source."""

    phase1: Took = field(default_factory=Took)
    phase2: Took = field(default_factory=Took)
    stills: Took = field(default_factory=Took)
    offline: Took = field(default_factory=Took)
    audio: dict[str, int] = field(default_factory=dict)  # tier name -> bytes
    video: dict[int, Any] = field(default_factory=dict)  # height -> Output
    offline_bytes: int = 0
    slides: list[Slide] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ladder(self) -> Took:
        return self.phase1 + self.phase2


def phase1(info: SourceInfo, out: Path, binary: str) -> tuple[Took, list[Any], list[Slide], SlideDetector]:
    """transcode_audio with the slide detector fed, as LectureRun.audio_and_slides runs it."""
    detector = SlideDetector()

    def work() -> tuple[list[Any], list[Slide]]:
        outputs = transcode.transcode_audio(info, out, binary=binary, on_frame=detector.feed,
                                            frame_rate=ANALYSIS_FPS)
        return outputs, detector.finish()

    seconds, (outputs, slides) = timed(work)
    return seconds, outputs, slides, detector


def run_ours(info: SourceInfo, out: Path, binary: str) -> Ours:
    """Both phases, then (not part of the ladder's time) the stills and the offline MP4 the job also makes."""
    result = Ours()
    log("ours: phase 1 (audio tiers + frames for the slide detector)")
    result.phase1, outputs, result.slides, detector = phase1(info, out, binary)
    result.summary = detector.summary()
    result.audio = {o.name: o.bytes for o in outputs}
    log(f"ours: phase 1 took {result.phase1.wall:.1f} s; phase 2 (every video rung, one ffmpeg)")
    rungs = renditions_for(info)
    result.phase2, video = timed(lambda: transcode.transcode_video(
        info, rungs, out, binary=binary, audio_m4a=out / AUDIO_AAC.filename))
    result.video = {o.height: o for o in video}
    log(f"ours: phase 2 took {result.phase2.wall:.1f} s")
    result.stills, _ = timed(lambda: (write_stills(result.slides, out),
                                      write_stills(result.slides, out / "bundle", fmt="jpeg")))
    result.offline, offline = timed(lambda: offline_mp4(out, out / "offline.mp4", binary=binary))
    result.offline_bytes = offline.bytes
    return result


def filter_graph_only(info: SourceInfo, rungs: list[VideoRendition], binary: str) -> Took:
    """Seconds for phase 2's decode + every rung's filter chain, with no encoder."""
    assert info.video is not None
    outs: list[str] = []
    for rung in rungs:
        outs += ["-map", f"0:{info.video.index}", "-filter:v", transcode.rung_filters(rung, binary),
                 "-f", "null", "-"]
    seconds, _ = timed(lambda: run([*input_args(info.path, "mov"), *outs], binary=binary))
    return seconds


def ladder_with_preset(info: SourceInfo, rungs: list[VideoRendition], out: Path, audio_m4a: Path, binary: str,
                       preset: str) -> Took:
    """Seconds for phase 2 on these rungs with x264's preset replaced (and no tuning on top)."""
    rungs = [dataclasses.replace(r, preset=preset, x264_params="") for r in rungs]
    seconds, _ = timed(lambda: transcode.transcode_video(info, rungs, out, binary=binary, audio_m4a=audio_m4a))
    return seconds


# ---------------------------------------------------------------------------------------------
# PeerTube's defaults


@dataclass
class PeerTubeTier:
    height: int
    width: int
    maxrate: int  # bit/s
    seconds: Took
    path: Path
    bytes: int


def source_bitrates(info: SourceInfo) -> tuple[int, int, str]:
    """(video bit/s, audio bit/s, audio codec) as ffprobe would report them."""
    with av.open(str(info.path), format="mov") as container:
        video = container.streams.video[0].bit_rate or container.bit_rate or 0
        audio_stream = container.streams.audio[0]
        return int(video), int(audio_stream.bit_rate or 0), audio_stream.codec_context.name


def peertube_maxrate(height: int, ratio: float, fps: float, input_bitrate: int) -> int:
    """PeerTube's getTargetBitrate(): average bpp capped at the input bitrate + 30%, at least the minimum."""
    bpp = next(PEERTUBE_AVG_BPP[r] for r in sorted(PEERTUBE_AVG_BPP, reverse=True) if r <= height)
    average = int(height * height * ratio * fps * bpp)
    capped = min(average, int(input_bitrate * 1.3)) if input_bitrate else average
    return max(int(height * height * ratio * fps * PEERTUBE_MIN_BPP), capped)


def run_peertube(info: SourceInfo, heights: list[int], out: Path, binary: str,
                 threads: int | None = PEERTUBE_THREADS) -> list[PeerTubeTier]:
    """One ffmpeg per height with PeerTube's default VOD options, each decoding the source."""
    assert info.video is not None
    ratio = info.video.width / info.video.height
    video_bps, audio_bps, audio_codec = source_bitrates(info)
    copy_audio = audio_codec == "aac" and audio_bps and audio_bps / 1000 <= PEERTUBE_MAX_AUDIO_KBPS
    audio = ["-c:a", "copy"] if copy_audio else ["-c:a", "aac", "-channel_layout", "stereo"]
    tiers = []
    for height in heights:
        maxrate = peertube_maxrate(height, ratio, FPS, video_bps)
        path = out / f"peertube_{height}_{threads or 'auto'}.mp4"
        args = [*input_args(info.path, "mov"), "-map", "0:v:0", "-map", "0:a:0",
                "-vf", f"scale=w=-2:h={height}", "-c:v", "libx264", "-preset", "veryfast",
                "-maxrate:v", str(maxrate), "-bufsize:v", str(maxrate * 2), "-b_strategy", "1", "-bf", "16",
                "-r", str(FPS), "-g:v", str(FPS * 2), "-pix_fmt", "yuv420p", "-map_metadata", "-1",
                "-max_muxing_queue_size", "1024", *audio, *(["-threads", str(threads)] if threads else []),
                "-movflags", "faststart", "-f", "mp4", "-y",
                str(path)]
        log(f"peertube: {height}p, maxrate {maxrate // 1000} kbit/s, threads {threads or 'auto'}")
        seconds, _ = timed(lambda: run(args, binary=binary))
        with av.open(str(path), format="mov") as container:
            width = container.streams.video[0].codec_context.width
        tiers.append(PeerTubeTier(height, width, maxrate, seconds, path, path.stat().st_size))
    return tiers


def decode_floor(info: SourceInfo, binary: str) -> Took:
    """Seconds for `ffmpeg -i src -f null -`: decoding every stream and nothing else."""
    seconds, _ = timed(lambda: run([*input_args(info.path, "mov"), "-f", "null", "-"], binary=binary))
    return seconds


# ---------------------------------------------------------------------------------------------
# VMAF


def joined_rung(playlist: Path, dest: Path) -> Path:
    """One HLS rung (init + segments) as a single fragmented MP4 file."""
    init, segments = media_files(playlist)
    with dest.open("wb") as sink:
        for path in (init, *(p for p, _ in segments)):
            sink.write(path.read_bytes())
    return dest


def stream_bytes(path: Path) -> dict[str, int]:
    """Payload bytes per stream type ("video", "audio") of an MP4 / fragmented MP4, by demuxing it."""
    sizes: dict[str, int] = {}
    with av.open(str(path), format="mov") as container:
        for packet in container.demux():
            if packet.size:
                kind = packet.stream.type
                sizes[kind] = sizes.get(kind, 0) + packet.size
    return sizes


def vmaf(distorted: Path, info: SourceInfo, binary: str, work: Path, subsample: int) -> float:
    """Mean VMAF of a tier against the source: bicubic upscale to the source size, 30 fps, libvmaf."""
    assert info.video is not None
    log_path = work / f"vmaf_{distorted.stem}.json"
    w, h = info.video.width, info.video.height
    graph = (f"[0:v:0]scale={w}:{h}:flags=bicubic,fps={FPS},setpts=PTS-STARTPTS[d];"
             f"[1:v:0]setpts=PTS-STARTPTS[r];"
             f"[d][r]libvmaf=n_threads=2:n_subsample={subsample}:log_fmt=json:log_path={log_path}")
    run([*input_args(distorted, "mov"), *input_args(info.path, "mov"), "-filter_complex", graph,
         "-an", "-f", "null", "-"], binary=binary)
    return float(json.loads(log_path.read_text())["pooled_metrics"]["vmaf"]["mean"])


# ---------------------------------------------------------------------------------------------
# Slides


def score(found: list[float], truth: list[float]) -> tuple[int, float, float]:
    """(hits, precision, recall): a detection matches the nearest unused truth within TOLERANCE."""
    unused = list(truth)
    hits = 0
    for t in sorted(found):
        near = [u for u in unused if abs(u - t) <= TOLERANCE]
        if near:
            unused.remove(min(near, key=lambda u: abs(u - t)))
            hits += 1
    precision = hits / len(found) if found else (1.0 if not truth else 0.0)
    recall = hits / len(truth) if truth else 1.0
    return hits, precision, recall


def detect_only(clip: Path, binary: str) -> tuple[list[Slide], dict[str, Any]]:
    """Phase 1 on a clip with the detector fed; the stills and the detector's summary."""
    info = probe(clip)
    with tempfile.TemporaryDirectory(prefix="ladder-slides-") as tmp:
        _, _, slides, detector = phase1(info, Path(tmp), binary)
    return slides, detector.summary()


# ---------------------------------------------------------------------------------------------
# Tables


def per_hour(size: float, duration: float) -> float:
    return size / MB * 3600 / duration


def print_time_table(minutes: float, ours: Ours, peertube: list[PeerTubeTier], pt_auto: list[PeerTubeTier],
                     floor: Took, breakdown: dict[str, Took], load: tuple[float, float]) -> None:
    pt_total = sum((t.seconds for t in peertube), Took())
    auto_total = sum((t.seconds for t in pt_auto), Took())
    print(f"wall time, {minutes:g} min {SIZE[0]}x{SIZE[1]} {FPS} fps lecture, {os.cpu_count()} cores "
          f"(1-min load average {load[0]:.1f} before, {load[1]:.1f} after)")
    print(f"{'run':<48}{'wall s':>8}{'× decode':>10}{'CPU s':>8}")
    rows = [("plain decode (ffmpeg -i src -f null -)", floor),
            ("ours phase 1: audio tiers + slide detector", ours.phase1),
            ("ours phase 2: 5 rungs, one decode, x264 ladder", ours.phase2),
            ("ours ladder (phase 1 + 2)", ours.ladder)]
    rows += [(f"  job extra: {len(ours.slides)} slide stills WebP + JPEG", ours.stills),
             ("  job extra: offline MP4 remux", ours.offline)]
    rows += [(f"  breakdown: {name}", took) for name, took in breakdown.items()]
    rows += [(f"PeerTube {t.height}p ({t.width}x{t.height}, veryfast)", t.seconds) for t in peertube]
    rows.append(("PeerTube defaults, all heights (-threads 1)", pt_total))
    rows.append(("PeerTube, threads left to ffmpeg", auto_total))
    for name, took in rows:
        print(f"{name:<48}{took.wall:>8.1f}{took.wall / floor.wall:>10.1f}{took.cpu:>8.1f}")
    speedup, over_floor = pt_total.wall / ours.ladder.wall, ours.ladder.wall / floor.wall
    print(f"PeerTube / ours = {speedup:.2f}× wall, {pt_total.cpu / ours.ladder.cpu:.2f}× CPU "
          f"(goal ≥ {GOAL_SPEEDUP:g}× faster: {verdict(speedup >= GOAL_SPEEDUP)})")
    print(f"PeerTube with ffmpeg's own thread count / ours = {auto_total.wall / ours.ladder.wall:.2f}× wall")
    print(f"ours / decode   = {over_floor:.2f}× wall (goal ≤ {GOAL_FLOOR:g}×: {verdict(over_floor <= GOAL_FLOOR)})")


def print_size_table(duration: float, ours: Ours, peertube: list[PeerTubeTier], scores: dict[tuple[str, int], float],
                     streams: dict[tuple[str, int], dict[str, int]]) -> None:
    print()
    print("bytes per hour (MB = 10^6 B; a video tier includes its muxed AAC) and mean VMAF against the source")
    print(f"{'tier':<12}{'ours MB/h':>10}{'kbit/s':>8}{'PT MB/h':>9}{'ours/PT':>9}{'≤0.4':>8}{'video only':>12}"
          f"{'VMAF ours':>11}{'PT':>6}{'Δ':>6}{'≥-3':>8}")
    for name, size in ours.audio.items():
        mb_h = per_hour(size, duration)
        goal = ""
        if name == AUDIO_OPUS.name:
            goal = f"≤{GOAL_AUDIO_MB_H:g} MB/h: {verdict(mb_h <= GOAL_AUDIO_MB_H)}"
        print(f"{name:<12}{mb_h:>10.2f}{size * 8 / duration / 1000:>8.1f}   {goal}")
    pt = {t.height: t for t in peertube}
    for height, output in sorted(ours.video.items()):
        mine, theirs = output.bytes, pt[height].bytes
        ratio = mine / theirs
        video_ratio = streams[("ours", height)].get("video", 0) / max(1, streams[("peertube", height)].get("video", 0))
        v_ours, v_pt = scores[("ours", height)], scores[("peertube", height)]
        delta = v_ours - v_pt
        print(f"{output.name:<12}{per_hour(mine, duration):>10.2f}{mine * 8 / duration / 1000:>8.1f}"
              f"{per_hour(theirs, duration):>9.2f}{ratio:>9.2f}{verdict(ratio <= GOAL_BYTES):>8}{video_ratio:>12.2f}"
              f"{v_ours:>11.1f}{v_pt:>6.1f}{delta:>6.1f}{verdict(delta >= GOAL_VMAF):>8}")
    print(f"{'offline mp4':<12}{per_hour(ours.offline_bytes, duration):>10.2f}"
          f"{ours.offline_bytes * 8 / duration / 1000:>8.1f}")
    audio_pt = streams[("peertube", min(pt))].get("audio", 0)
    audio_ours = streams[("ours", min(pt))].get("audio", 0)
    print(f"muxed audio: ours AAC {audio_ours * 8 / duration / 1000:.0f} kbit/s, PeerTube (source AAC copied) "
          f"{audio_pt * 8 / duration / 1000:.0f} kbit/s; 'video only' = ours/PT of the video stream bytes")


def print_slide_table(rows: list[tuple[str, int, int, int, float, float, dict[str, Any]]]) -> None:
    print()
    print(f"slide changes (a detection matches a true change within {TOLERANCE:g} s, each once; still at 0 ignored)")
    print(f"{'clip':<28}{'true':>6}{'found':>7}{'hits':>6}{'precision':>11}{'recall':>8}{'slide mode':>12}{'≥95%':>8}")
    for name, truth, found, hits, precision, recall, summary in rows:
        ok = precision >= GOAL_SLIDES and recall >= GOAL_SLIDES
        print(f"{name:<28}{truth:>6}{found:>7}{hits:>6}{precision:>11.1%}{recall:>8.1%}"
              f"{str(summary.get('slide_lecture')):>12}{verdict(ok):>8}")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the main clip (default 5)")
    parser.add_argument("--vmaf-subsample", type=int, default=5, help="libvmaf n_subsample (default 5)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time phase 2's filter graph alone and the ladder with x264 veryfast")
    args = parser.parse_args()
    binary = ffmpeg_binary()
    duration = args.minutes * 60

    clip, truth = cached_lecture(duration, MAIN_SEED)
    short_seconds = min(SLIDE_SECONDS, duration)
    others = [(seed, *cached_lecture(short_seconds, seed, SLIDE_GAPS)) for seed in SLIDE_SEEDS]
    info = probe(clip)
    assert info.video is not None
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory(prefix="ladder-") as tmp:
        work = Path(tmp)
        log("plain decode of the source")
        floor = decode_floor(info, binary)
        ours = run_ours(info, work / "ours", binary)
        breakdown: dict[str, Took] = {}
        if args.breakdown:
            log("breakdown: phase 2's filter graph alone")
            breakdown["phase 2 filters only, no x264"] = filter_graph_only(info, renditions_for(info), binary)
            rungs, aac = renditions_for(info), work / "ours" / AUDIO_AAC.filename
            log("breakdown: phase 2 with x264 ultrafast")
            breakdown["phase 2, every rung x264 ultrafast"] = ladder_with_preset(
                info, rungs, work / "ultrafast", aac, binary, "ultrafast")
            log("breakdown: the top rung alone with x264 ultrafast")
            breakdown[f"{rungs[-1].label} rung alone, x264 ultrafast"] = ladder_with_preset(
                info, rungs[-1:], work / "top", aac, binary, "ultrafast")
        peertube = run_peertube(info, sorted(ours.video), work, binary)
        pt_auto = run_peertube(info, sorted(ours.video), work, binary, threads=None)
        load_after = os.getloadavg()[0]

        scores: dict[tuple[str, int], float] = {}
        streams: dict[tuple[str, int], dict[str, int]] = {}
        for height, output in sorted(ours.video.items()):
            log(f"VMAF ours {output.name}")
            joined = joined_rung(work / "ours" / output.path, work / f"ours_{height}.mp4")
            streams[("ours", height)] = stream_bytes(joined)
            scores[("ours", height)] = vmaf(joined, info, binary, work, args.vmaf_subsample)
        for tier in peertube:
            log(f"VMAF PeerTube {tier.height}p")
            streams[("peertube", tier.height)] = stream_bytes(tier.path)
            scores[("peertube", tier.height)] = vmaf(tier.path, info, binary, work, args.vmaf_subsample)

    slide_rows = []
    found = [s.start for s in ours.slides[1:]]
    hits, precision, recall = score(found, truth)
    slide_rows.append((f"main {args.minutes:g} min, seed {MAIN_SEED}", len(truth), len(found), hits,
                       precision, recall, ours.summary))
    for seed, path, other_truth in others:
        log(f"slides on the {short_seconds:g} s lecture, seed {seed}")
        slides, summary = detect_only(path, binary)
        found = [s.start for s in slides[1:]]
        hits, precision, recall = score(found, other_truth)
        slide_rows.append((f"{short_seconds:g} s, seed {seed}, gaps {SLIDE_GAPS[0]:g}-{SLIDE_GAPS[1]:g} s",
                           len(other_truth), len(found), hits, precision, recall, summary))
    log("done")

    print_time_table(args.minutes, ours, peertube, pt_auto, floor, breakdown, (load_before, load_after))
    print_size_table(info.duration, ours, peertube, scores, streams)
    print_slide_table(slide_rows)
    print(f"goals: PeerTube/ours ≥ {GOAL_SPEEDUP:g}×, ours/decode ≤ {GOAL_FLOOR:g}×, bytes ours/PT ≤ {GOAL_BYTES:g}×, "
          f"VMAF Δ ≥ {GOAL_VMAF:g}, Opus ≤ {GOAL_AUDIO_MB_H:g} MB/h, slides ≥ {GOAL_SLIDES:.0%}")
    print(f"VMAF: bicubic upscale to {SIZE[0]}x{SIZE[1]}, fps={FPS}, libvmaf n_threads=2 "
          f"n_subsample={args.vmaf_subsample}; whole bench {time.perf_counter() - STARTED:.0f} s")


if __name__ == "__main__":
    main()
