"""Bytes and time per PDF page image (media/pdf.py), and memory for a long deck.

Three kinds of slide: text (a title bar and bullets), a diagram-heavy one, and a full-page photo
(a blurred noise field: harder to compress than most photos). At 64 kbit/s every KB costs 1/8 s.
Run: .venv/bin/python bench/pdf_pages.py
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF  # noqa: E402

from media.pdf import PdfLimits, render_pages  # noqa: E402
from tests.media import pdfs  # noqa: E402


def diagram_pdf(path: Path, pages: int = 3) -> Path:
    """Slides full of lines, boxes and labels (a circuit, a graph)."""
    pdf = FPDF(unit="pt", format=(540, 960), orientation="L")
    pdf.set_font("Helvetica", size=14)
    for _ in range(pages):
        pdf.add_page()
        for i in range(40):
            pdf.set_draw_color(30 + i * 5, 80, 200 - i * 4)
            pdf.rect(30 + (i % 8) * 115, 40 + (i // 8) * 100, 90, 60)
            pdf.text(40 + (i % 8) * 115, 75 + (i // 8) * 100, f"R{i} = {i * 47} Ohm")
            pdf.line(120 + (i % 8) * 115, 70 + (i // 8) * 100, 145 + (i % 8) * 115, 70 + (i // 8) * 100)
    pdf.output(str(path))
    return path


def measure(source: Path, work: Path, long_side: int) -> tuple[float, float, float]:
    """Mean KB per page (WebP, JPEG) and ms per page."""
    out = work / f"{source.stem}-{long_side}"
    started = time.perf_counter()
    pages = render_pages(source, out, long_side=long_side)
    ms = (time.perf_counter() - started) * 1000 / len(pages)
    webp = sum(p.size("webp") for p in pages) / len(pages) / 1024
    jpeg = sum(p.size("jpeg") for p in pages) / len(pages) / 1024
    return webp, jpeg, ms


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        decks = {"text": pdfs.slides_pdf(work / "text.pdf"), "diagram": diagram_pdf(work / "diagram.pdf"),
                 "photo": pdfs.photo_pdf(work / "photo.pdf")}
        print(f"{'slide':<8} {'long side':>9} {'WebP KB':>8} {'JPEG KB':>8} {'s at 64k':>9} {'ms/page':>8}")
        for name, source in decks.items():
            for long_side in (960, 1280):
                webp, jpeg, ms = measure(source, work, long_side)
                print(f"{name:<8} {long_side:>9} {webp:>8.1f} {jpeg:>8.1f} {webp * 8 / 64:>9.1f} {ms:>8.0f}")
        long_deck = pdfs.slides_pdf(work / "long.pdf", pages=300)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        render_pages(long_deck, work / "long", limits=PdfLimits(max_pages=300))
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"300-page text deck at 1280 px: {seconds:.1f} s, peak RSS {after / 1024:.0f} MB "
              f"(+{(after - before) / 1024:.0f} MB over the small decks)")


if __name__ == "__main__":
    main()
