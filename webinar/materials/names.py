"""File names as teachers' computers send them: kept for display, never used on disk or in storage."""
from __future__ import annotations

import unicodedata
from pathlib import Path

NAME_MAX = 200


def clean_filename(raw: str | None) -> str:
    """The name without any folder part, control characters or runs of spaces; at most 200 characters."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).rstrip(" .")
    stem, ext = split_name(name)
    stem = stem.rstrip(" .") if ext else stem
    return stem[:NAME_MAX - len(ext)].rstrip() + ext


def split_name(name: str) -> tuple[str, str]:
    """Stem and extension (with its dot, as written; '' if none or implausibly long)."""
    ext = Path(name).suffix
    if not ext or len(ext) > 10:
        return name, ""
    return name[:-len(ext)], ext


def default_title(filename: str) -> str:
    """A material's title from its file name: the name without the extension."""
    stem, _ext = split_name(filename)
    return " ".join(stem.replace("_", " ").split())[:200] or filename
