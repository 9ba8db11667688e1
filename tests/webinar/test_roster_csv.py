"""Reading roster files as the university's spreadsheets write them."""
from __future__ import annotations

import pytest

from webinar.roster.csvfile import RosterFileError, parse
from webinar.roster.export import csv_bytes, safe_cell

ROWS = "ФИО;E-mail;Группа\nАсанов Айбек;aibek@example.kg;ПИ-1-23\nСыдыкова Айгерим;;ПИ-1-23\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16", "koi8-r"])
def test_reads_the_encodings_excel_writes(encoding: str) -> None:
    roster = parse(ROWS.encode(encoding))
    assert [r.full_name for r in roster.rows] == ["Асанов Айбек", "Сыдыкова Айгерим"]
    assert roster.rows[0].email == "aibek@example.kg" and roster.rows[1].email is None
    assert {r.group for r in roster.rows} == {"ПИ-1-23"}


def test_kyrgyz_headers_commas_and_kyrgyz_letters() -> None:
    data = "Аты-жөнү,Топ\nҮсөнова Гүлнара,ЭК-2-24\nМамытов Нурбек,ЭК-2-24\n".encode()
    roster = parse(data)
    assert [(r.full_name, r.group) for r in roster.rows] == [("Үсөнова Гүлнара", "ЭК-2-24"), ("Мамытов Нурбек", "ЭК-2-24")]


def test_without_a_header_columns_are_name_email_group() -> None:
    roster = parse("Асанов Айбек,,ПИ-1-23\nСыдыкова Айгерим\n".encode(), default_group="ПИ-2-23")
    assert [(r.line, r.group) for r in roster.rows] == [(1, "ПИ-1-23"), (2, "ПИ-2-23")]


@pytest.mark.parametrize("data", [b"", b"   \n\n", "ФИО;Группа\n".encode(), b";;;\n;;\n"])
def test_empty_files_are_refused(data: bytes) -> None:
    with pytest.raises(RosterFileError) as caught:
        parse(data)
    assert caught.value.problem.code == "empty"


def test_header_without_a_name_column_is_refused() -> None:
    with pytest.raises(RosterFileError) as caught:
        parse("Группа;Почта\nПИ-1-23;a@b.kg\n".encode())
    assert caught.value.problem.code == "no_name_column"
    assert "Группа" in caught.value.problem.value


def test_binary_files_are_refused() -> None:
    with pytest.raises(RosterFileError) as caught:
        parse(bytes(range(256)) * 20)
    assert caught.value.problem.code in {"encoding", "no_name_column"}


def test_row_errors_name_the_row() -> None:
    data = "ФИО;Почта;Группа\n;x@y.kg;ПИ\nАсанов Айбек;not-an-email;ПИ\nБеков Бек;;\n".encode()
    roster = parse(data)
    assert [(p.line, p.code) for p in roster.errors] == [(2, "no_name"), (3, "bad_email"), (4, "no_group")]
    assert roster.rows == []


def test_duplicates_are_dropped_and_namesakes_kept_with_a_warning() -> None:
    data = ("ФИО;Почта;Группа\nАсанов Айбек;;ПИ\nасанов  айбек;;ПИ\n"
            "Асанов Айбек;other@x.kg;ПИ\nАсанов Айбек;;ЭК\n").encode()
    roster = parse(data)
    assert [(r.line, r.group) for r in roster.rows] == [(2, "ПИ"), (4, "ПИ"), (5, "ЭК")]
    assert [(w.line, w.code) for w in roster.warnings] == [(3, "duplicate_row"), (4, "namesake")]


def test_too_many_rows_are_refused() -> None:
    data = "\n".join(f"Студент {i},,ПИ" for i in range(11)).encode()
    with pytest.raises(RosterFileError) as caught:
        parse(data, max_rows=10)
    assert caught.value.problem.code == "too_many_rows"


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\tx"])
def test_exported_cells_cannot_be_formulas(cell: str) -> None:
    assert safe_cell(cell).startswith("'")
    assert csv_bytes(["a"], [[cell]]).startswith(b"\xef\xbb\xbf")


def test_plain_cells_are_kept() -> None:
    assert safe_cell("Асанов Айбек") == "Асанов Айбек" and safe_cell(None) == ""
