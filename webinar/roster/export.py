"""CSV that opens cleanly in Excel and LibreOffice and cannot smuggle in formulas."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, with a leading quote if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM (so Excel shows Cyrillic), formula-safe cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def credentials_key(job_id: int) -> str:
    """Where an import's login list is kept until an admin deletes it."""
    return f"private/rosters/import-{job_id}.csv"


def write_credentials(rows: Iterable[tuple[str, str, str, str]]) -> io.BytesIO:
    """The login list as a raw CSV (group, full name, login, password) for storage."""
    out = io.StringIO()
    csv.writer(out).writerows(sorted(rows))
    return io.BytesIO(out.getvalue().encode("utf-8"))


def read_credentials(data: bytes) -> list[list[str]]:
    """Rows of a stored login list."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))
