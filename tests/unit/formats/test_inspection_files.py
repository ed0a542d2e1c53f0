"""Inspection files: a text never becomes a formula in the exported CSV or workbook, and an
answers file's words (English or Chinese headings and answers) are read with every bad cell
located."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from peakguard.errors import InvalidInputError
from peakguard.formats.inspection_files import read_answers, table_csv, table_workbook


def test_a_description_typed_as_a_formula_stays_text() -> None:
    """=HYPERLINK(…) is written with an apostrophe in CSV and as a string in Excel; a moment is
    China time (UTC 01:30 → 09:30)."""
    rows = [['=HYPERLINK("http://x")', datetime(2026, 11, 5, 1, 30, tzinfo=UTC)]]
    text = table_csv(["description", "found"], rows).decode("utf-8-sig")
    assert text.splitlines()[1] == '"\'=HYPERLINK(""http://x"")",2026-11-05 09:30'
    sheet = load_workbook(io.BytesIO(table_workbook(["d", "f"], rows, "findings"))).active
    assert sheet is not None
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=")
    assert sheet["B2"].value == datetime(2026, 11, 5, 9, 30)


def test_chinese_headings_and_words_are_read_and_bad_cells_located() -> None:
    """检查项/结论/说明 with 符合 and 不符合 read as compliant and not_compliant; an unknown
    answer and an empty item are each located at their row and column."""
    content = "检查项,结论,说明\nx_ray.mark,符合,\nx_ray.images_kept,不符合,仅7天\n"
    content += ",符合,\nx_ray.a,也许,\n"
    rows, problems = read_answers(content.encode("utf-8"), "answers.csv")
    assert [(row.item_key, row.answer) for row in rows[:2]] == [
        ("x_ray.mark", "compliant"),
        ("x_ray.images_kept", "not_compliant"),
    ]
    assert [problem.location for problem in problems] == [
        "answers.csv row 4, column item",
        "answers.csv row 5, column answer",
    ]


def test_a_file_without_its_columns_is_refused() -> None:
    """A file lacking the answer column names the column; an .xls name is refused outright."""
    with pytest.raises(InvalidInputError) as missing:
        read_answers(b"item,note\nx_ray.mark,\n", "a.csv")
    assert [problem.location for problem in missing.value.problems] == [
        "a.csv row 1, column answer"
    ]
    with pytest.raises(InvalidInputError):
        read_answers(b"item,answer\n", "a.xls")
