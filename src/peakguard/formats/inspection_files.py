"""Inspection files: the inspections and findings lists written as CSV (UTF-8 with a byte-order
mark, so Excel reads the Chinese) or an ``.xlsx`` workbook, and a checklist answers file read
(CSV or Excel) with every bad cell located.

An answers file has the columns ``item`` (the checklist item's key), ``answer`` (``compliant``,
``not_compliant``, ``not_applicable`` — or 符合, 不符合, 不适用) and ``note`` (what was found;
required for a "not compliant" answer); Chinese headings 检查项, 结论, 说明 are read too.

Must hold: a text cell never starts a formula in the program that opens it (a leading ``=``,
``+``, ``-``, ``@``, tab or carriage return is written with an apostrophe in CSV and as a plain
string in a workbook).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.table_intake import cannot_read, read_table
from peakguard.i18n import _

Cell = str | int | float | bool | date | datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MOMENT_FORMAT = "%Y-%m-%d %H:%M"
ANSWER_WORDS = {
    "compliant": "compliant",
    "not_compliant": "not_compliant",
    "not_applicable": "not_applicable",
    "符合": "compliant",
    "不符合": "not_compliant",
    "不适用": "not_applicable",
}
HEADINGS = {
    "item": "item",
    "检查项": "item",
    "answer": "answer",
    "结论": "answer",
    "note": "note",
    "说明": "note",
}
MAX_ANSWER_ROWS = 1000


@dataclass(frozen=True)
class AnswerRow:
    location: str
    """``answers.csv row 4`` (the cells' columns are named when a problem is located)."""
    item_key: str
    answer: str
    note: str


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.astimezone(CHINA_STANDARD_TIME).strftime(MOMENT_FORMAT)
    if isinstance(cell, date):
        return cell.isoformat()
    return _inert(str(cell))


def table_csv(headings: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The rows as CSV: UTF-8 with a byte-order mark, CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow([_csv_text(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_workbook(
    headings: Sequence[str], rows: Sequence[Sequence[Cell]], sheet_name: str
) -> bytes:
    """The rows as an ``.xlsx`` workbook: one sheet, bold headings, moments as China time."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = sheet_name
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for position, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=position)
            if isinstance(value, datetime):
                cell.value = value.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None)
                cell.number_format = "yyyy-mm-dd hh:mm"
            else:
                cell.value = value
                if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _file_name(name: str) -> str:
    return re.split(r"[/\\]", name.replace("\x00", ""))[-1].strip() or "answers.csv"


def read_answers(
    content: bytes, file_name: str, *, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[list[AnswerRow], list[Problem]]:
    """The answers of a CSV or Excel file and every bad cell, located by its row and column (a
    row whose answer is not understood has an empty ``answer``). InvalidInputError when the
    file cannot be read as a table or lacks a column."""
    name = _file_name(file_name)
    if not name.lower().endswith((".csv", ".xlsx")):
        raise cannot_read(
            name, _("use a .csv or .xlsx file (an old .xls workbook: save it as .xlsx)"), name
        )
    if len(content) > limits.max_file_bytes:
        raise cannot_read(
            name,
            _("the file is longer than {limit} bytes", limit=f"{limits.max_file_bytes:,}"),
            name,
        )
    with tempfile.TemporaryDirectory(prefix="peakguard-answers-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        table = read_table(path, "answers", limits=limits)
    columns = {
        HEADINGS.get(str(heading).strip().lower(), HEADINGS.get(str(heading).strip())): position
        for position, heading in enumerate(table.header)
    }
    missing = [column for column in ("item", "answer") if column not in columns]
    if missing:
        raise InvalidInputError(
            _("The answers file {name} lacks columns.", name=name),
            [Problem(table.place(1, column), _("add this column")) for column in missing],
        )
    if len(table.rows) > MAX_ANSWER_ROWS:
        raise cannot_read(name, _("at most {limit} rows", limit=MAX_ANSWER_ROWS), name)
    problems = list(table.problems)
    rows = []
    for number, cells in table.rows:
        item = str(cells[columns["item"]] or "").strip()
        word = str(cells[columns["answer"]] or "").strip()
        note = str(cells[columns["note"]] or "").strip() if "note" in columns else ""
        answer = ANSWER_WORDS.get(word.lower(), ANSWER_WORDS.get(word, ""))
        if not item:
            problems.append(
                Problem(table.place(number, "item"), _("give the checklist item's key"))
            )
        if not answer:
            problems.append(
                Problem(
                    table.place(number, "answer"),
                    _("give compliant, not_compliant or not_applicable (符合, 不符合, 不适用)"),
                )
            )
        rows.append(AnswerRow(table.place(number), item, answer, note))
    if not rows:
        problems.append(Problem(name, _("the file has no answers")))
    return rows, problems
