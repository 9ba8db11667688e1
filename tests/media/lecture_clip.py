"""Lecture-like test clips: slides with small text changes, a noisy moving camera inset, a voice."""

from __future__ import annotations

import random
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SYLLABLES = ["ka", "ra", "lo", "mi", "tu", "sen", "dor", "vel", "qua", "pli", "ron", "tes", "gam", "bi"]
BG, BAR, INK, LOGO = (246, 244, 238), (28, 62, 112), (38, 38, 46), (214, 120, 36)
MAX_LINES = 6


def ffmpeg_binary(binary: str | None = None) -> str:
    """Return the ffmpeg to use: the given one, else the one bundled with imageio-ffmpeg."""
    if binary:
        return binary
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def irregular_times(duration: float, *, seed: int = 0, gaps: tuple[float, float] = (8.0, 40.0)) -> list[float]:
    """Return seeded change times `gaps` apart, ending at least gaps[0] / 2 before the end."""
    rng = random.Random(seed)
    times: list[float] = []
    t = rng.uniform(*gaps)
    while t < duration - gaps[0] / 2:
        times.append(round(t, 2))
        t += rng.uniform(*gaps)
    return times


def _sentence(rng: random.Random) -> str:
    """Return a line of made-up words."""
    words = ("".join(rng.choices(SYLLABLES, k=rng.randint(1, 3))) for _ in range(rng.randint(3, 6)))
    return " ".join(words).capitalize()


def _deck(count: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """Return `count` slide states, each one small change (a line added/changed or a new section)."""
    states = [(_sentence(rng).upper(), [_sentence(rng)])]
    while len(states) < count:
        title, lines = states[-1]
        roll = rng.random()
        if len(lines) >= MAX_LINES or roll < 0.15:
            states.append((_sentence(rng).upper(), [_sentence(rng)]))
        elif roll < 0.3:
            states.append((title, lines[:-1] + [_sentence(rng)]))
        else:
            states.append((title, lines + [_sentence(rng)]))
    return states


def _render(state: tuple[str, list[str]], size: tuple[int, int]) -> Image.Image:
    """Draw one slide on the common template: title bar, logo box, bullets, footer."""
    w, h = size
    img = Image.new("RGB", size, BG)
    draw = ImageDraw.Draw(img)
    bar = int(h * 0.13)
    draw.rectangle((0, 0, w, bar), fill=BAR)
    draw.rectangle((w - bar, int(bar * 0.15), w - int(bar * 0.3), int(bar * 0.85)), fill=LOGO)
    draw.text((int(w * 0.05), bar // 2), state[0], font=ImageFont.load_default(size=int(h * 0.055)),
              fill="white", anchor="lm")
    body = ImageFont.load_default(size=max(10, int(h * 0.045)))
    for i, line in enumerate(state[1]):
        y = bar + int(h * 0.06) + i * int(h * 0.075)
        r = max(2, int(h * 0.008))
        dot = (int(w * 0.05), y + int(h * 0.025))
        draw.ellipse((dot[0] - r, dot[1] - r, dot[0] + r, dot[1] + r), fill=LOGO)
        draw.text((int(w * 0.07), y), line, font=body, fill=INK)
    small = ImageFont.load_default(size=max(8, int(h * 0.028)))
    draw.text((int(w * 0.05), int(h * 0.95)), "Aralyk University - Physics 101", font=small, fill=BAR)
    return img


def _concat_list(folder: Path, states: list, size: tuple[int, int], times: list[float], duration: float) -> Path:
    """Render the slide PNGs and write an ffconcat list with their durations."""
    bounds = [0.0, *times, duration]
    lines = ["ffconcat version 1.0"]
    for i, state in enumerate(states):
        name = f"s{i:04d}.png"
        _render(state, size).save(folder / name, compress_level=1)
        lines += [f"file '{name}'", f"duration {bounds[i + 1] - bounds[i]:.4f}"]
    lines.append(f"file 's{len(states) - 1:04d}.png'")
    path = folder / "slides.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _voice(duration: float) -> list[str]:
    """Return lavfi inputs for a voice-like tone (AM sine with a wobbling pitch) and some noise."""
    expr = "0.35*sin(2*PI*(140+25*sin(2*PI*0.4*t))*t)*(0.55+0.45*sin(2*PI*3.3*t))"
    return ["-f", "lavfi", "-i", f"aevalsrc=exprs='{expr}':s=22050:d={duration}",
            "-f", "lavfi", "-i", f"anoisesrc=c=pink:a=0.02:r=22050:d={duration}:seed=7"]


def _encode(cmd: list[str], path: Path, duration: float, fps: int, graph: str) -> None:
    """Append the graph and H.264/AAC MP4 output options to cmd and run it."""
    cmd += ["-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-t", f"{duration}", "-r", str(fps),
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "27", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-movflags", "+faststart", str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)


def make_lecture(path: Path | str, *, duration: float, size: tuple[int, int] = (1280, 720), fps: int = 30,
                 slide_times: list[float] | None = None, inset: bool = True, seed: int = 0,
                 binary: str | None = None) -> list[float]:
    """Write a lecture MP4 and return the true slide change times (seconds, the start at 0 excluded)."""
    times = sorted(slide_times) if slide_times is not None else irregular_times(duration, seed=seed)
    if times and not 0 < times[0] and times[-1] < duration:
        raise ValueError("slide times must lie inside the clip")
    w, h = size
    iw, ih = (int(w * 0.2) // 2 * 2, int(w * 0.2 * 9 / 16) // 2 * 2)
    with tempfile.TemporaryDirectory() as tmp:
        listing = _concat_list(Path(tmp), _deck(len(times) + 1, random.Random(seed)), size, times, duration)
        cmd = [ffmpeg_binary(binary), "-hide_banner", "-loglevel", "error", "-y",
               "-protocol_whitelist", "file,pipe", "-f", "concat", "-i", str(listing),
               "-f", "lavfi", "-i", f"testsrc2=s={iw}x{ih}:r={fps}:d={duration}", *_voice(duration)]
        graph = f"[0:v]fps={fps},format=yuv420p,setsar=1[bg];"
        if inset:
            mx, my = int(w * 0.02), int(h * 0.03)
            graph += (f"[1:v]noise=alls=20:allf=t+u:all_seed=11,hue=H=0.6*t[cam];[bg][cam]overlay="
                      f"x='W-w-{mx}-{mx}*(1+sin(0.9*t))':y='H-h-{my}-{my}*(1+cos(0.6*t))':eof_action=pass[v];")
        else:
            graph += "[bg]null[v];"
        graph += "[2:a][3:a]amix=inputs=2:duration=first[a]"
        _encode(cmd, Path(path), duration, fps, graph)
    return times


def make_talking_head(path: Path | str, duration: float, *, size: tuple[int, int] = (1280, 720), fps: int = 30,
                      seed: int = 0, binary: str | None = None) -> None:
    """Write a clip where most of the frame moves all the time (a camera on the teacher, no slides)."""
    w, h = size
    cmd = [ffmpeg_binary(binary), "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"mandelbrot=s={w}x{h}:r={fps}:end_scale=0.05,trim=duration={duration}",
           *_voice(duration)]
    graph = (f"[0:v]noise=alls=12:allf=t+u:all_seed=13,drawbox=x='{w // 3}+{w // 6}*sin(0.8*t)':"
             f"y='{h // 4}+{h // 10}*cos(1.1*t)':w={w // 3}:h={h // 2}:color=0xC08060:t=fill,"
             "format=yuv420p[v];[1:a][2:a]amix=inputs=2:duration=first[a]")
    _encode(cmd, Path(path), duration, fps, graph)
