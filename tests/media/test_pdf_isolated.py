"""The PDF renderer in a child process: the same pages and refusals, and limits it cannot pass."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from media.pdf import PdfRejected, render_pages
from media.pdf_isolated import render_isolated
from tests.media import pdfs


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pdfs.slides_pdf(tmp_path_factory.mktemp("deck") / "deck.pdf", pages=3)


def test_the_child_renders_the_same_pages_and_reports_progress(deck: Path, tmp_path: Path) -> None:
    progress: list[float] = []
    pages = render_isolated(deck, tmp_path / "child", on_progress=progress.append)
    here = render_pages(deck, tmp_path / "here")
    assert [(p.number, p.width, p.height, p.sizes) for p in pages] == \
           [(p.number, p.width, p.height, p.sizes) for p in here]
    assert all(p.files["webp"].read_bytes() == h.files["webp"].read_bytes() for p, h in zip(pages, here))
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_a_refusal_crosses_over_with_its_code_and_numbers(tmp_path: Path) -> None:
    with pytest.raises(PdfRejected) as refused:
        render_isolated(pdfs.blank_pages_pdf(tmp_path / "long.pdf", 500), tmp_path / "out")
    assert (refused.value.code, refused.value.params) == ("too_many_pages", {"pages": 500, "max": 300})


def test_a_pdf_that_takes_too_long_is_stopped_and_leaves_nothing(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(PdfRejected) as refused:
        render_isolated(deck, out, timeout=0.05)  # the child needs longer than that just to start
    assert refused.value.code == "too_complex"
    assert not out.exists() or list(out.iterdir()) == []


def test_a_pdf_that_needs_too_much_memory_is_refused_and_leaves_nothing(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(PdfRejected) as refused:
        render_isolated(deck, out, memory_bytes=16 << 20)  # not even one 1280×720 bitmap more fits
    assert refused.value.code == "too_complex"
    assert list(out.iterdir()) == []


def test_a_child_that_dies_is_a_damaged_pdf_and_is_logged(deck: Path, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="media.pdf_isolated"), pytest.raises(PdfRejected) as refused:
        render_isolated(deck, tmp_path / "out", long_side=0)  # the child raises on it: an unforeseen error
    assert refused.value.code == "damaged"
    assert "ValueError" in caplog.text
