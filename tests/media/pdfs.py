"""Small PDFs made on the spot for the slide tests: slides, a locked one, a long one, a picture bomb."""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageFilter

SLIDE_PT = (960, 540)  # a 16:9 slide, in points
LINES = ["The first law: dU = dQ - dW", "Heat capacity at constant volume",
         "Ideal gas: pV = nRT, with R = 8.314 J/(mol K)", "Adiabatic process: pV^gamma = const",
         "Carnot efficiency: 1 - Tc/Th"]


def slides_pdf(path: Path, pages: int = 3) -> Path:
    """A lecture-like deck: a title bar, five bullet lines and a diagram on every page."""
    pdf = FPDF(unit="pt", format=(SLIDE_PT[1], SLIDE_PT[0]), orientation="L")
    pdf.set_auto_page_break(False)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_fill_color(20, 60, 120)
        pdf.rect(0, 0, SLIDE_PT[0], 90, "F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("Helvetica", "B", 36)
        pdf.set_xy(40, 25)
        pdf.cell(0, 40, f"Lecture 3. Thermodynamics, part {number}")
        pdf.set_text_color(30, 30, 30)
        pdf.set_font("Helvetica", size=24)
        for row, line in enumerate(LINES):
            pdf.set_xy(60, 130 + row * 55)
            pdf.cell(0, 30, "- " + line)
        pdf.set_draw_color(200, 40, 40)
        pdf.set_line_width(3)
        pdf.polyline([(600, 300), (600, 480), (900, 480)])
        pdf.line(600, 480, 900, 380 - number * 20)
    pdf.output(str(path))
    return path


def photo_pdf(path: Path, pages: int = 1) -> Path:
    """A full-slide photo-like picture (blurred noise: harder to compress than most photos) per page."""
    photo = Image.effect_noise((1600, 900), 64).filter(ImageFilter.GaussianBlur(1.2)).convert("RGB")
    pdf = FPDF(unit="pt", format=(SLIDE_PT[1], SLIDE_PT[0]), orientation="L")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(photo, x=0, y=0, w=SLIDE_PT[0], h=SLIDE_PT[1])
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path) -> Path:
    """A one-page PDF that opens only with its user password."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=20)
    pdf.cell(0, 10, "Exam answers")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.output(str(path))
    return path


def blank_pages_pdf(path: Path, pages: int, size: tuple[float, float] = (100, 100)) -> Path:
    """Many empty pages (cheap: 500 take a few hundredths of a second), or one odd-sized page."""
    pdf = FPDF(unit="pt", format=size)
    for _ in range(pages):
        pdf.add_page()
    pdf.output(str(path))
    return path


def picture_bomb_pdf(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """Two pages; the second draws a picture that claims width×height pixels (in a few bytes)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 5 0 R"
        b" /Resources << /XObject << /Im1 6 0 R >> >> >>",
        _stream(b"", b"q 200 0 0 100 0 0 cm /Im1 Do Q"),
        _stream(f"/Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB"
                f" /BitsPerComponent 8 /Filter /FlateDecode".encode(), b"x\x9c\x03\x00\x00\x00\x00\x01"),
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    xref += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, len(body))
    path.write_bytes(body + xref + trailer)
    return path


def _stream(entries: bytes, data: bytes) -> bytes:
    """A stream object with its length."""
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)
