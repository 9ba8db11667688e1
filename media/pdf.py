"""PDF documents as small page images for phones (webinar slides, teaching materials).

`inspect_pdf()` checks a file before any work is spent on it, and `render_pages()` turns it into
``1.webp``, ``1.jpg``, ``2.webp``, ... one page at a time (one page's pixels in memory, whatever
the page count). Both raise `PdfRejected(code, params)`; the codes are stable (the web layer
translates them):

- ``empty``: zero bytes, or a document without pages.
- ``too_large``: more than ``PdfLimits.max_bytes`` (params: size, max).
- ``not_pdf``: the content is not a PDF, whatever the file is called.
- ``damaged``: a PDF that cannot be read, or one cut short (no ``%%EOF`` at its end).
- ``encrypted``: it needs a password to open.
- ``too_many_pages``: more than ``PdfLimits.max_pages`` (params: pages, max).
- ``huge_image``: a page holds a picture over ``PdfLimits.max_image_pixels`` (params: page).
- ``too_complex``: (media/pdf_isolated.py) drawing needed more time or memory than its limits.

PDFium is not thread-safe, so every call into it holds one process-wide lock; image encoding
runs outside it.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image
from media.rejection import Rejected

log = logging.getLogger(__name__)

MAGIC = b"%PDF-"
HEAD_BYTES = 1024  # readers accept the header anywhere in the first KB, after junk
TAIL_BYTES = 1024  # ... and the %%EOF marker anywhere in the last KB
LONG_SIDE = 1280  # px: a 16:9 slide becomes 1280×720, sharp on a phone turned sideways
MAX_LONG_SIDE = 4096
QUALITY = {"webp": 70, "jpeg": 72}  # a text slide: ~23 KB WebP, ~41 KB JPEG at 1280 px (bench/pdf_pages.py)
PAGE_BUDGET = 80 * 1024  # a page over this (a photo) is encoded again at HEAVY_QUALITY
HEAVY_QUALITY = {"webp": 45, "jpeg": 50}
SUFFIXES = {"webp": "webp", "jpeg": "jpg"}
_PDFIUM = threading.RLock()


class PdfRejected(Rejected):
    """The document is refused (see media.rejection)."""


@dataclass(frozen=True)
class PdfLimits:
    """What a document may be: bytes, pages, and the largest picture on a page."""

    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 300
    max_image_pixels: int = 64_000_000  # a 24 MP camera photo is fine; a 100k×100k bomb is not


@dataclass(frozen=True)
class PdfInfo:
    """A document that passed inspection."""

    path: Path
    bytes: int
    pages: int


@dataclass(frozen=True)
class Page:
    """One rendered page: its pixel size, and a file per format with its bytes."""

    number: int
    width: int
    height: int
    files: dict[str, Path] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def size(self, fmt: str) -> int:
        """Bytes of the page's file in that format (as written, even once the file is moved)."""
        return self.sizes[fmt]


def sniff_pdf(path: Path | str, limits: PdfLimits = PdfLimits()) -> int:
    """Cheap checks without opening the document (size, header, end marker); returns the size."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise PdfRejected("not_pdf") from None
    if size == 0:
        raise PdfRejected("empty")
    if size > limits.max_bytes:
        raise PdfRejected("too_large", {"size": size, "max": limits.max_bytes})
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read(TAIL_BYTES)
    if MAGIC not in head:
        raise PdfRejected("not_pdf")
    if b"%%EOF" not in tail:
        raise PdfRejected("damaged")  # cut short: the pages it still has would be silently missing
    return size


def inspect_pdf(path: Path | str, limits: PdfLimits = PdfLimits()) -> PdfInfo:
    """Check the document opens without a password and has 1..max_pages pages."""
    size = sniff_pdf(path, limits)
    with _opened(Path(path)) as document:
        with _PDFIUM:
            pages = len(document)
    if pages == 0:
        raise PdfRejected("empty")
    if pages > limits.max_pages:
        raise PdfRejected("too_many_pages", {"pages": pages, "max": limits.max_pages})
    return PdfInfo(Path(path), size, pages)


def render_pages(path: Path | str, out_dir: Path | str, *, long_side: int = LONG_SIDE,
                 formats: tuple[str, ...] = ("webp", "jpeg"), limits: PdfLimits = PdfLimits(),
                 on_progress: Callable[[float], None] | None = None) -> list[Page]:
    """Write every page as ``<n>.webp`` / ``<n>.jpg`` into out_dir; on a refusal nothing is left there."""
    if not 16 <= long_side <= MAX_LONG_SIDE or not formats or set(formats) - set(SUFFIXES):
        raise ValueError(f"bad render settings: {long_side} px, {formats}")
    inspect_pdf(path, limits)  # the same refusals as before any work, whoever calls
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done: list[Page] = []
    try:
        with _opened(Path(path)) as document:
            with _PDFIUM:
                count = len(document)
            for index in range(count):
                image = _render(document, index, long_side, limits)
                done.append(_save(image, index + 1, out_dir, formats))
                if on_progress:
                    on_progress((index + 1) / count)
    except BaseException:
        for number in range(1, len(done) + 2):  # the pages done, and the one being written
            for fmt in formats:
                (out_dir / f"{number}.{SUFFIXES[fmt]}").unlink(missing_ok=True)
        raise
    return done


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[pdfium.PdfDocument]:
    """The document open under the PDFium lock, closed afterwards; load errors as PdfRejected."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(str(path.absolute()))
        except pdfium.PdfiumError as exc:
            code = "encrypted" if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD else "damaged"
            raise PdfRejected(code) from None
    try:
        yield document
    finally:
        with _PDFIUM:
            document.close()


def _render(document: pdfium.PdfDocument, index: int, long_side: int, limits: PdfLimits) -> Image.Image:
    """One page scaled so its long side is long_side px, as an RGB image of its own."""
    with _PDFIUM:
        try:
            page = document[index]
        except pdfium.PdfiumError:
            raise PdfRejected("damaged") from None
        try:
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise PdfRejected("damaged")
            _check_images(page, index + 1, limits)
            bitmap = page.render(scale=long_side / max(width, height), may_draw_forms=False,
                                 fill_color=(255, 255, 255, 255))
            try:
                return bitmap.to_pil().convert("RGB")  # a copy: the bitmap's buffer is freed below
            finally:
                bitmap.close()
        except pdfium.PdfiumError:
            raise PdfRejected("damaged") from None
        finally:
            page.close()


def _check_images(page: pdfium.PdfPage, number: int, limits: PdfLimits) -> None:
    """Refuse a page whose embedded pictures would decode into more pixels than allowed."""
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        width, height = obj.get_px_size()
        if width * height > limits.max_image_pixels:
            raise PdfRejected("huge_image", {"page": number})


def _save(image: Image.Image, number: int, out_dir: Path, formats: tuple[str, ...]) -> Page:
    """Encode one page in every format; a heavy page (a photo) again at a lower quality."""
    files: dict[str, Path] = {}
    for fmt in formats:
        target = out_dir / f"{number}.{SUFFIXES[fmt]}"
        _encode(image, target, fmt, QUALITY[fmt])
        if target.stat().st_size > PAGE_BUDGET:
            _encode(image, target, fmt, HEAVY_QUALITY[fmt])
        files[fmt] = target
    return Page(number, image.width, image.height, files, {fmt: path.stat().st_size for fmt, path in files.items()})


def _encode(image: Image.Image, target: Path, fmt: str, quality: int) -> None:
    """Write the image as WebP or progressive JPEG."""
    if fmt == "webp":
        image.save(target, "WEBP", quality=quality, method=4)
    else:
        image.save(target, "JPEG", quality=quality, optimize=True, progressive=True)
