"""Why a recording was refused, in the teacher's language, with what to do about it."""
from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from webinar.i18n import file_size

_REASONS = {
    "empty": _l("The file is empty (0 bytes). Check that the recording finished saving, then upload it again."),
    "too_large": _l("The file is larger than the limit of %(limit)s. Export the recording at a lower quality and upload it again."),
    "unreadable": _l("This file is not a video or audio recording we can read. Upload the original file from the phone, camera or recording program."),
    "format": _l("Files of this type (%(format)s) are not accepted. Upload an MP4, MOV, MKV, WebM, AVI, MP3, M4A, OGG or WAV file."),
    "codec": _l("The recording uses an encoding we cannot read (%(codec)s). Export it as MP4 (H.264 + AAC) and upload again."),
    "no_audio": _l("The recording has no sound track. A lecture needs the teacher's voice: check the microphone setting and record again."),
    "too_long": _l("The recording is longer than the limit of %(limit)s. Split it into parts and upload each one."),
    "frame_too_big": _l("The picture is larger than we accept (%(size)s). Export the recording at 1080p or lower."),
    "too_many_streams": _l("The file holds too many tracks. Export it with one video and one audio track."),
    "frame_rate": _l("The recording's frame rate is not usable. Export it at 25 or 30 frames per second."),
    "truncated": _l("The file is incomplete: it stops before its declared end. Copy the whole file again and upload it."),
}
_UNKNOWN = _l("Processing failed. Try again later; if it keeps failing, send the file to the administrator.")


def _shown(code: str, params: dict[str, Any]) -> dict[str, Any]:
    """The probe's numbers as people read them: sizes in MB or GB, lengths in hours, frames as WxH."""
    shown = dict(params)
    if code == "too_large":
        shown["limit"] = file_size(params["max"])
    elif code == "too_long":
        shown["limit"] = _("%(n)s h", n=format_decimal(round(params["max"] / 3600, 1)))
    elif code == "frame_too_big":
        shown["size"] = f"{params['width']}×{params['height']}"
    return shown


def describe(code: str | None, params: dict[str, Any] | None = None) -> str:
    """The translated reason for a refused recording; a generic message for unknown codes."""
    params = params or {}
    if code == "format" and params.get("format") == "unknown":
        code = "unreadable"  # nothing recognisable: say so rather than name a type
    reason = _REASONS.get(code or "")
    if reason is None:
        return str(_UNKNOWN)
    try:
        return str(reason) % _shown(code, params)
    except (KeyError, TypeError, ValueError):
        return _("This recording cannot be used.")


def worker_lost(attempts: int) -> str:
    """Why a recording whose processing was cut off on every attempt is not tried again."""
    return ngettext(
        "Processing was cut off %(num)s time before it could finish (the server restarted or ran out of memory), "
        "so it is not tried again. Upload the recording again; if it happens again, tell the administrator.",
        "Processing was cut off %(num)s times before it could finish (the server restarted or ran out of memory), "
        "so it is not tried again. Upload the recording again; if it happens again, tell the administrator.",
        attempts,
    )


def disk_full() -> str:
    """Why a recording was not processed when the server's disk was full."""
    return _("Processing stopped because the server ran out of disk space. "
             "Tell the administrator, then upload the recording again.")
