"""Reading a roster CSV (full name, optional e-mail, group) in whatever encoding Excel wrote."""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from email_validator import EmailNotValidError, validate_email

HEADER_NAMES = {
    "full_name": {"fullname", "name", "фио", "фамилияимяотчество", "атыжөнү", "толукаты", "студент", "имя"},
    "email": {"email", "mail", "почта", "электроннаяпочта", "электрондукпочта", "элпочта"},
    "group": {"group", "группа", "топ", "тайпа"},
}
MAX_NAME = 200
MAX_GROUP = 64


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file or one of its rows; `code` picks the translated message."""

    code: str
    line: int | None = None
    value: str = ""


@dataclass(frozen=True)
class Row:
    """One student to create."""

    line: int
    full_name: str
    email: str | None
    group: str


@dataclass
class Roster:
    """The rows read from a file, the errors that block the import and the warnings that do not."""

    rows: list[Row] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class RosterFileError(Exception):
    """The file as a whole cannot be read."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def decode(data: bytes) -> str:
    """Text of the file: UTF-8 (with or without BOM), UTF-16, or a detected legacy Cyrillic code page."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1251", "koi8_r", "cp866", "mac_cyrillic"]).best()
    if best is None:
        raise RosterFileError(Problem("encoding"))
    return str(best)


def _normalize_header(cell: str) -> str:
    return re.sub(r"[\W_]+", "", cell.casefold())


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column index of each known field if the row is a header, else None."""
    found = {}
    for index, cell in enumerate(header):
        key = _normalize_header(cell)
        for field_name, names in HEADER_NAMES.items():
            if key in names and field_name not in found:
                found[field_name] = index
    return found or None


def _read_table(text: str) -> list[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    return [[cell.strip() for cell in row] for row in rows]


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def parse(data: bytes, default_group: str = "", max_rows: int = 5000) -> Roster:
    """Read and check a roster; raises RosterFileError when the file as a whole is unusable."""
    text = decode(data)
    if not re.sub(r"[\s,;]", "", text):
        raise RosterFileError(Problem("empty"))
    table = [row for row in _read_table(text) if any(row)]
    if not table:
        raise RosterFileError(Problem("empty"))
    columns = _columns(table[0])
    first_line = 2 if columns else 1
    if columns is None:
        columns = {"full_name": 0, "email": 1, "group": 2}
        table.insert(0, [])
    if "full_name" not in columns:
        raise RosterFileError(Problem("no_name_column", value=", ".join(table[0])))
    if len(table) - 1 > max_rows:
        raise RosterFileError(Problem("too_many_rows", value=str(max_rows)))
    roster = Roster()
    for line, raw in enumerate(table[1:], start=first_line):
        _check_row(roster, line, raw, columns, default_group.strip())
    _mark_duplicates(roster)
    if not roster.rows and not roster.errors:
        raise RosterFileError(Problem("empty"))
    return roster


def _check_row(roster: Roster, line: int, raw: list[str], columns: dict[str, int], default_group: str) -> None:
    name = " ".join(_cell(raw, columns.get("full_name")).split())
    email = _cell(raw, columns.get("email")) or None
    group = _cell(raw, columns.get("group")) or default_group
    if not name:
        roster.errors.append(Problem("no_name", line))
    elif len(name) > MAX_NAME:
        roster.errors.append(Problem("name_too_long", line, name[:40]))
    elif not group:
        roster.errors.append(Problem("no_group", line, name))
    elif len(group) > MAX_GROUP:
        roster.errors.append(Problem("group_too_long", line, group[:40]))
    elif email and not _valid_email(email):
        roster.errors.append(Problem("bad_email", line, email))
    else:
        roster.rows.append(Row(line, name, email, group))


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _mark_duplicates(roster: Roster) -> None:
    """Drop exact repeats of a row; keep namesakes in one group but warn about them."""
    seen: dict[tuple, Row] = {}
    kept = []
    for row in roster.rows:
        key = (row.full_name.casefold(), row.group.casefold())
        twin = seen.get(key)
        if twin and (twin.email or "") == (row.email or ""):
            roster.warnings.append(Problem("duplicate_row", row.line, str(twin.line)))
            continue
        if twin:
            roster.warnings.append(Problem("namesake", row.line, row.full_name))
        seen[key] = row
        kept.append(row)
    roster.rows = kept
