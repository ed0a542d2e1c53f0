"""The security figures and the watch list as files a desk opens in Excel: CSV (UTF-8 with a
byte-order mark, so Excel reads the Chinese) or an ``.xlsx`` workbook of one sheet per table.

The rows are plain values the application gives, headings already in the reader's language.
Must hold, as for the case lists (:mod:`peakguard.formats.case_export`): a text cell never
starts a formula in the program that opens it (a leading apostrophe in CSV, a plain string in
a workbook).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

Cell = str | int | float | date | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Sheet:
    """A table: its sheet's name (at most 31 characters), headings and rows of cells."""

    name: str
    headings: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return _inert(str(cell))


def sheet_csv(sheet: Sheet) -> bytes:
    """One table as CSV: UTF-8 with a byte-order mark, CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text(heading) for heading in sheet.headings])
    for row in sheet.rows:
        writer.writerow([_text(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheets_workbook(sheets: Sequence[Sheet]) -> bytes:
    """The tables as a workbook: a sheet each, bold headings, the top row frozen."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook has its sheet
    workbook.remove(first)
    for sheet in sheets:
        page = workbook.create_sheet(sheet.name[:31])
        page.append(list(sheet.headings))
        for cell in page[1]:
            cell.font = Font(bold=True)
        for number, row in enumerate(sheet.rows, start=2):
            for position, value in enumerate(row, start=1):
                target = page.cell(row=number, column=position)
                target.value = value
                if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                    target.data_type = (
                        "s"  # openpyxl would write a text starting with = as a formula
                    )
        page.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
