"""What a teaching file really is, from its bytes: the name's extension must agree with the content.

`sniff(path, extension)` returns the content kind (``pdf``, ``docx``, ``png``, ...) or raises
`Refused(code, params)`; the codes are stable and webinar/materials/messages.py words them:

- ``empty``: zero bytes.
- ``not_allowed``: the extension is not one we take (params: ext).
- ``mismatch``: the content is another kind than the name says (params: ext, actual).
- ``unknown``: the content is none of the kinds we take, or the file is damaged (params: ext).
- ``zip_too_many`` / ``zip_too_big``: an archive over the member or unpacked-size bound (params: max).
- ``zip_unsafe``: an archive member's path would leave the folder it is unpacked into.
- ``image_too_big``: a picture over the pixel bound.
"""
from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OOXML_PARTS = {"word/": "docx", "ppt/": "pptx", "xl/": "xlsx"}
ODF_TYPES = {"application/vnd.oasis.opendocument.text": "odt",
             "application/vnd.oasis.opendocument.presentation": "odp",
             "application/vnd.oasis.opendocument.spreadsheet": "ods"}
OLE2_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book"), "ppt": ("PowerPoint Document",)}
IMAGE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# Which extensions each content kind may carry.
EXTENSIONS = {
    "pdf": (".pdf",), "doc": (".doc",), "xls": (".xls",), "ppt": (".ppt",), "docx": (".docx",),
    "pptx": (".pptx",), "xlsx": (".xlsx",), "odt": (".odt",), "odp": (".odp",), "ods": (".ods",),
    "jpeg": (".jpg", ".jpeg"), "png": (".png",), "gif": (".gif",), "webp": (".webp",), "zip": (".zip",),
}
ALLOWED = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}
CONTENT_TYPES = {
    "pdf": "application/pdf", "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    **{kind: name for name, kind in ODF_TYPES.items()},
    "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp", "zip": "application/zip",
}
SCAN_CHUNK = 1024 * 1024


class Refused(Exception):
    """The file is refused; `code` is stable, `params` fill the translated message."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code, params or {})
        self.code, self.params = code, params or {}


@dataclass(frozen=True)
class Limits:
    """Bounds on archives and pictures."""

    zip_members: int = 2000
    zip_bytes: int = 1024**3  # unpacked
    image_pixels: int = 64_000_000


def sniff(path: Path, extension: str, limits: Limits = Limits()) -> str:
    """The content kind of the file, which must be the one its extension names."""
    ext = extension.lower()
    if ext not in ALLOWED:
        raise Refused("not_allowed", {"ext": ext})
    if path.stat().st_size == 0:
        raise Refused("empty")
    actual = content_kind(path, ALLOWED[ext], limits)
    if actual is None:
        raise Refused("unknown", {"ext": ext})
    if actual != ALLOWED[ext]:
        raise Refused("mismatch", {"ext": ext, "actual": actual})
    return actual


def content_kind(path: Path, claimed: str, limits: Limits) -> str | None:
    """What the bytes are (``text`` for plain text we do not take), or None if nothing we know."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE2):
        return _ole2_kind(path)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path, claimed, limits)
    image = _image_kind(path, limits)
    if image is not None:
        return image
    return "text" if _looks_like_text(path) else None


def _ole2_kind(path: Path) -> str | None:
    """doc, xls or ppt by the name of its main stream (names are UTF-16 in the directory)."""
    wanted = {kind: [n.encode("utf-16-le") for n in names] for kind, names in OLE2_STREAMS.items()}
    overlap = max(len(n) for names in wanted.values() for n in names)
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_CHUNK):
            window = tail + chunk
            for kind, names in wanted.items():
                if any(n in window for n in names):
                    return kind
            tail = window[-overlap:]
    return None


def _zip_kind(path: Path, claimed: str, limits: Limits) -> str | None:
    """An OOXML or ODF document by its parts, else a plain archive within the bounds."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            kind = _document_kind(archive, members)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
    if kind is None or claimed == "zip":
        _check_archive(members, limits)
    return kind or "zip"


def _document_kind(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str | None:
    """docx/pptx/xlsx by [Content_Types].xml and their main folder; odt/odp/ods by the mimetype member."""
    names = {m.filename for m in members}
    if "[Content_Types].xml" in names:
        for folder, kind in OOXML_PARTS.items():
            if any(n.startswith(folder) for n in names):
                return kind
    if members and members[0].filename == "mimetype" and members[0].file_size < 200:
        return ODF_TYPES.get(archive.read(members[0]).decode("ascii", "replace").strip())
    return None


def _check_archive(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse archives with too many members, too many bytes unpacked, or paths that escape."""
    if len(members) > limits.zip_members:
        raise Refused("zip_too_many", {"max": limits.zip_members})
    if sum(m.file_size for m in members) > limits.zip_bytes:
        raise Refused("zip_too_big", {"max": limits.zip_bytes})
    for member in members:
        name = member.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or ":" in name.split("/")[0]:
            raise Refused("zip_unsafe")


def _image_kind(path: Path, limits: Limits) -> str | None:
    """jpeg/png/gif/webp if Pillow reads and verifies it; a picture bomb is refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind = IMAGE_FORMATS.get(image.format or "")
                if kind is None:
                    return None
                if image.width * image.height > limits.image_pixels:
                    raise Refused("image_too_big")
                image.verify()
    except Refused:
        raise
    except Image.DecompressionBombError:
        raise Refused("image_too_big") from None
    except Exception:  # Pillow raises many kinds for "not a picture" or "damaged"
        return None
    return kind


def _looks_like_text(path: Path) -> bool:
    """Whether the start of the file is text (for a clearer refusal of a renamed .txt)."""
    with path.open("rb") as handle:
        sample = handle.read(4096)
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # cut inside a character at the end of the sample
    return True
