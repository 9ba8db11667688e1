"""What an upload is for: the tus layer asks its purpose who may send it, how big, and what to do at the end."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from flask_babel import gettext as _

if TYPE_CHECKING:
    from webinar.models import User
    from webinar.models.uploads import Upload


class UploadRefused(Exception):
    """A refusal for the user: an HTTP status and a short translated message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class UploadPurpose:
    """One kind of upload (e.g. a lecture recording).

    authorize(user, metadata): raise UploadRefused when this user may not upload this
        (a student: 403, an unknown course: 404, bad metadata: 400); called at creation.
    max_bytes(): the size limit, read from current_app.config; checked at creation.
    finish(upload, staged_path): called once, inside the request that completes the upload, while
        the staged file is held; take the file (move or copy it) and return a URL for the client
        (sent back as Aralyk-Location) or None. Add rows to db.session but do not commit: the tus
        layer commits them together with the upload's "finished" mark, so a crash never finishes
        twice. Raise UploadRefused to refuse: the staged file stays and a later HEAD or PATCH calls
        finish again, so move the file last (or copy it).
    """

    authorize: Callable[[User, dict[str, str]], None]
    max_bytes: Callable[[], int]
    finish: Callable[[Upload, Path], str | None]


_registry: dict[str, UploadPurpose] = {}


def register(name: str, purpose: UploadPurpose) -> None:
    """Make a purpose available to clients under name (registering again replaces it)."""
    _registry[name] = purpose


def unregister(name: str) -> None:
    """Forget a purpose (tests)."""
    _registry.pop(name, None)


def get(name: str) -> UploadPurpose:
    """The purpose registered under name; UploadRefused(400) for an unknown one."""
    try:
        return _registry[name]
    except KeyError:
        raise UploadRefused(400, _("This kind of upload is not known. Reload the page and try again.")) from None
