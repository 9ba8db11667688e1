"""A refusal of an uploaded file, with a stable code and the numbers its translated message needs."""
from __future__ import annotations

from typing import Any


class Rejected(Exception):
    """The file is refused; `code` is stable, `params` fill the translated message."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code, params or {})
        self.code = code
        self.params = params or {}

    def __str__(self) -> str:
        return f"{self.code} {self.params}" if self.params else self.code
