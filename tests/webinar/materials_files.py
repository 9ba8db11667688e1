"""Small real files of every kind the materials take, and forged ones, made on the spot."""
from __future__ import annotations

import io
import zipfile

from fpdf import FPDF
from PIL import Image

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")


def pdf(pages: int = 2, text: str = "Syllabus") -> bytes:
    """A small A4 PDF with a line of text per page."""
    document = FPDF()
    for number in range(1, pages + 1):
        document.add_page()
        document.set_font("Helvetica", size=24)
        document.cell(0, 20, f"{text}, page {number}")
    return bytes(document.output())


def _zip(members: dict[str, bytes], stored_first: str | None = None) -> bytes:
    """A ZIP archive of the members (the first one stored uncompressed, as ODF wants)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            method = zipfile.ZIP_STORED if name == stored_first else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


def ooxml(folder: str) -> bytes:
    """A minimal .docx (folder 'word'), .pptx ('ppt') or .xlsx ('xl') package."""
    return _zip({"[Content_Types].xml": b'<?xml version="1.0"?><Types/>', "_rels/.rels": b"<Relationships/>",
                 f"{folder}/document.xml": b"<document/>"})


def odf(kind: str) -> bytes:
    """A minimal OpenDocument file: 'text', 'presentation' or 'spreadsheet'."""
    return _zip({"mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
                 "content.xml": b"<office:document-content/>"}, stored_first="mimetype")


def ole2(stream: str) -> bytes:
    """An OLE2 compound file header with a directory entry named stream ('WordDocument', 'Workbook', ...)."""
    return OLE2 + bytes(504) + stream.encode("utf-16-le") + bytes(1024)


def picture(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real picture."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt)
    return out.getvalue()


def archive(members: dict[str, bytes] | None = None) -> bytes:
    """A plain ZIP archive."""
    return _zip(members or {"lab1/task.txt": "Тапшырма 1".encode(), "lab1/data.csv": b"x,y\n1,2\n"})
