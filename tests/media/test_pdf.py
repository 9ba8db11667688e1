"""PDF → page images for phones, and the PDFs refused before any page is drawn."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

from media.pdf import LONG_SIDE, PAGE_BUDGET, PdfLimits, PdfRejected, inspect_pdf, render_pages, sniff_pdf
from tests.media import pdfs


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pdfs.slides_pdf(tmp_path_factory.mktemp("deck") / "Лекция 3.pdf", pages=3)


def test_a_three_page_deck_becomes_three_webp_and_three_jpeg_sized_for_phones(deck: Path, tmp_path: Path) -> None:
    progress: list[float] = []
    pages = render_pages(deck, tmp_path, on_progress=progress.append)
    assert [p.number for p in pages] == [1, 2, 3]
    assert sorted(f.name for f in tmp_path.iterdir()) == ["1.jpg", "1.webp", "2.jpg", "2.webp", "3.jpg", "3.webp"]
    for page in pages:
        for fmt, pil_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
            with Image.open(page.files[fmt]) as image:
                assert (image.format, image.size) == (pil_format, (LONG_SIDE, 720))
        # A text slide must stay cheap on a 64 kbps link (1 KB = 1/8 s).
        assert 5_000 < page.size("webp") < 40_000, page.size("webp")
        assert page.size("webp") < page.size("jpeg") < 70_000
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_a_photo_page_is_encoded_again_to_stay_within_the_page_budget(tmp_path: Path) -> None:
    (page,) = render_pages(pdfs.photo_pdf(tmp_path / "photo.pdf"), tmp_path / "out", formats=("webp",))
    assert 40_000 < page.size("webp") <= PAGE_BUDGET  # about 100 KB at the text slides' quality


def test_inspection_counts_pages_and_ignores_the_name(deck: Path, tmp_path: Path) -> None:
    renamed = shutil.copy(deck, tmp_path / "slides.txt")
    info = inspect_pdf(renamed)
    assert (info.pages, info.bytes) == (3, deck.stat().st_size)


def test_the_long_side_is_a_setting_and_the_other_side_follows(deck: Path, tmp_path: Path) -> None:
    pages = render_pages(deck, tmp_path, long_side=960, formats=("webp",))
    assert {(p.width, p.height) for p in pages} == {(960, 540)}
    assert sorted(f.suffix for f in tmp_path.iterdir()) == [".webp"] * 3


def test_a_giant_page_is_drawn_at_the_long_side_not_at_its_own_size(tmp_path: Path) -> None:
    strip = pdfs.blank_pages_pdf(tmp_path / "strip.pdf", 1, size=(200, 14_400))  # 2 m tall at 72 dpi
    (page,) = render_pages(strip, tmp_path / "out")
    assert (page.width, page.height) == (18, LONG_SIDE)


def _text(path: Path) -> Path:
    path.write_text("Lecture notes, typed in a text editor\n", encoding="utf-8")
    return path


def _zero(path: Path) -> Path:
    path.touch()
    return path


def _truncated(path: Path) -> Path:
    whole = pdfs.slides_pdf(path.with_name("whole.pdf")).read_bytes()
    path.write_bytes(whole[: len(whole) * 2 // 3])
    return path


def _cut_before_xref(path: Path) -> Path:
    """Cut where PDFium would still open it (it rebuilds the table): the copy stopped early all the same."""
    whole = pdfs.slides_pdf(path.with_name("whole.pdf")).read_bytes()
    path.write_bytes(whole[: whole.rfind(b"xref")])
    return path


BAD: dict[str, tuple[Callable[[Path], Path], str, dict]] = {
    "text named .pdf": (_text, "not_pdf", {}),
    "encrypted": (pdfs.encrypted_pdf, "encrypted", {}),
    "500 pages": (lambda p: pdfs.blank_pages_pdf(p, 500), "too_many_pages", {"pages": 500, "max": 300}),
    "zero bytes": (_zero, "empty", {}),
    "truncated": (_truncated, "damaged", {}),
    "cut before its xref": (_cut_before_xref, "damaged", {}),
    "picture bomb on page 2": (pdfs.picture_bomb_pdf, "huge_image", {"page": 2}),
}


@pytest.mark.parametrize("make, code, params", BAD.values(), ids=BAD.keys())
def test_a_bad_pdf_is_refused_with_its_reason_and_leaves_nothing(make, code: str, params: dict,
                                                                   tmp_path: Path) -> None:
    bad = make(tmp_path / "slides.pdf")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PdfRejected) as refused:
        render_pages(bad, out)
    assert (refused.value.code, refused.value.params) == (code, params)
    assert list(out.iterdir()) == []
    assert bad.exists()  # the caller's file is theirs to keep or delete


def test_inspection_refuses_what_rendering_would(tmp_path: Path) -> None:
    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(pdfs.encrypted_pdf(tmp_path / "locked.pdf"))
    assert refused.value.code == "encrypted"


def test_the_size_limit_is_checked_before_the_file_is_opened(deck: Path) -> None:
    with pytest.raises(PdfRejected) as refused:
        sniff_pdf(deck, PdfLimits(max_bytes=1000))
    assert refused.value.code == "too_large"
    assert refused.value.params == {"size": deck.stat().st_size, "max": 1000}


def test_a_page_limit_of_the_callers_choice(deck: Path) -> None:
    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(deck, PdfLimits(max_pages=2))
    assert refused.value.params == {"pages": 3, "max": 2}


def test_a_header_after_some_junk_is_still_a_pdf(deck: Path, tmp_path: Path) -> None:
    padded = tmp_path / "mailed.pdf"
    padded.write_bytes(b"\r\n" * 20 + deck.read_bytes())  # what some mail programs do
    assert inspect_pdf(padded).pages == 3
