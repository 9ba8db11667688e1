"""Refusals and content kinds in words, in the teacher's language."""
from __future__ import annotations

from typing import Any

from babel.units import format_unit
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from webinar.i18n import file_size

KINDS = {
    "pdf": _l("a PDF document"), "doc": _l("a Word document (.doc)"), "docx": _l("a Word document (.docx)"),
    "xls": _l("an Excel spreadsheet (.xls)"), "xlsx": _l("an Excel spreadsheet (.xlsx)"),
    "ppt": _l("a PowerPoint presentation (.ppt)"), "pptx": _l("a PowerPoint presentation (.pptx)"),
    "odt": _l("an OpenDocument text (.odt)"), "odp": _l("an OpenDocument presentation (.odp)"),
    "ods": _l("an OpenDocument spreadsheet (.ods)"), "jpeg": _l("a JPEG picture"), "png": _l("a PNG picture"),
    "gif": _l("a GIF picture"), "webp": _l("a WebP picture"), "zip": _l("a ZIP archive"), "text": _l("plain text"),
}
ACCEPTED = "PDF, DOC, DOCX, PPT, PPTX, XLS, XLSX, ODT, ODP, ODS, JPG, PNG, GIF, WEBP, ZIP"

_REASONS = {
    "empty": _l("The file is empty (0 bytes). Save it again on your computer and choose the saved file."),
    "too_large": _l("The file is larger than the limit of %(limit)s. Compress it (for example, export the PDF with smaller pictures) or split it into parts."),
    "not_allowed": _l("Files of type “%(ext)s” cannot be added. Accepted: %(accepted)s."),
    "no_extension": _l("The file name has no extension, so its type is unknown. Accepted: %(accepted)s."),
    "mismatch": _l("The file is named “%(ext)s”, but it is really %(actual)s. Choose the right file, or give it the right extension."),
    "unknown": _l("The file is named “%(ext)s”, but its content is not such a file, or it is damaged. Open it on your computer, save it again and choose the saved file."),
    "damaged": _l("The PDF is damaged or incomplete. Export it again, or copy the whole file again, and add it."),
    "zip_too_many": _l("The ZIP archive holds more than %(max)s files. Split it into smaller archives."),
    "zip_too_big": _l("The ZIP archive would unpack to more than %(max)s. Split it into smaller archives."),
    "zip_unsafe": _l("The ZIP archive holds files whose paths leave the archive’s folder (“..” or a drive letter). Pack the folder again."),
    "image_too_big": _l("The picture has too many pixels to show on a phone. Make it smaller and add it again."),
    "duplicate": _l("This very file is already in this section as “%(title)s”. To update that material, use “New version, rename” beside it."),
    "same_version": _l("This file is the current version already; nothing was changed."),
}
_PAGES = {
    "encrypted": _l("The PDF is protected with a password, so its pages cannot be shown here. Download it instead."),
    "too_many_pages": _l("The PDF has too many pages to show here. Download it instead."),
}
_NO_PAGES = _l("The pages of this PDF cannot be shown here. Download it instead.")


def kind_label(kind: str) -> str:
    """What a content kind is called in words."""
    return str(KINDS.get(kind, kind))


def refusal(code: str, params: dict[str, Any] | None = None) -> str:
    """The translated reason a file was refused."""
    params = dict(params or {})
    shown = {"accepted": ACCEPTED, "ext": params.get("ext", ""), "title": params.get("title", ""),
             "actual": kind_label(params.get("actual", "")),
             "limit": shown_size(params.get("max", current_app.config["MATERIALS_MAX_BYTES"])),
             "max": format_decimal(params["max"]) if code == "zip_too_many" else shown_size(params.get("max", 0))}
    return str(_REASONS.get(code, _REASONS["unknown"])) % shown


def pages_problem(code: str | None) -> str:
    """Why a PDF version has no page images."""
    return str(_PAGES.get(code or "", _NO_PAGES))


def shown_size(count: int) -> str:
    """A file's size as "240 KB" or "3.4 MB" in the user's language (binary units, as file managers show)."""
    if count >= 2**20:
        return file_size(count)
    unit, value = ("digital-kilobyte", max(count / 2**10, 0.1)) if count >= 2**10 else ("digital-byte", count)
    return format_unit(value, unit, length="short", format="#,##0.#", locale=get_locale())
