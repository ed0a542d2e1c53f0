"""Tables as data, so that what a page shows is exactly what its CSV and Excel exports hold.

A page builds each of its tables as a :class:`TableView` (columns with their labels and number
formats, rows of raw values). The template draws it with the ``table`` macro, which links the
exports (``?export=csv&table=<key>`` and ``…=xlsx``) on the same URL: the page's route builds
the same views from the same query and answers :func:`export_response` instead of the page,
so the file holds the same rows, columns, headings and rounding as the screen.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _, render

Value = str | int | float | date | datetime | None
ExportKind = Literal["csv", "xlsx"]
CHINA = ZoneInfo("Asia/Shanghai")
"""Moments show in China time (stored in UTC)."""
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A column: its key in the rows, its heading, and how numbers show.

    ``digits``: decimals shown (None: as stored); ``percent``: a share shown as a percentage
    (0.953 → 95.3 % with one digit); ``link``: the row key holding the cell's URL. A moment
    shows in China time, to the minute."""

    key: str
    label: str
    digits: int | None = None
    percent: bool = False
    link: str | None = None

    @property
    def numeric(self) -> bool:
        return self.digits is not None or self.percent

    def value(self, row: Mapping[str, Value]) -> Value:
        """The cell as exported: a number rounded as shown (a percent as a percentage), a
        moment as the text shown."""
        raw = row.get(self.key)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            number = float(raw) * 100 if self.percent else raw
            if self.digits is not None:
                return round(float(number), self.digits) if self.digits else round(number)
            return number
        if isinstance(raw, datetime):
            local = raw.astimezone(CHINA) if raw.tzinfo is not None else raw
            return local.strftime("%Y-%m-%d %H:%M")
        return raw

    def text(self, row: Mapping[str, Value]) -> str:
        """The cell in a CSV file: as shown, without thousands separators or the % sign."""
        shown = self.value(row)
        if shown is None:
            return ""
        if isinstance(shown, float) and self.digits is not None:
            return f"{shown:.{self.digits}f}"
        if isinstance(shown, date):
            return shown.isoformat()
        return str(shown)

    def display(self, row: Mapping[str, Value], language: str) -> str:
        """The cell as shown."""
        shown = self.value(row)
        if shown is None:
            return "—"
        if isinstance(shown, float | int):
            digits = self.digits
            if digits is None:
                digits = 0 if isinstance(shown, int) else 2
            text = f"{shown:,.{digits}f}"
            return f"{text} %" if self.percent else text
        if isinstance(shown, date):
            return shown.isoformat()
        return str(shown)


@dataclass(frozen=True)
class TableView:
    """A table of a page: ``key`` names it in the export link; ``title`` heads it."""

    key: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Value]]
    empty: str = ""
    """What the page says when there are no rows."""
    note: str = ""
    """A line under the title (what the table counts, from when)."""
    filename: str = field(default="")
    """The export's file name without extension (default: the key)."""


def export_kind(request: Request) -> tuple[ExportKind, str] | None:
    """``(kind, table key)`` when the request asks for an export, else None."""
    kind = request.query_params.get("export")
    if kind is None:
        return None
    if kind not in ("csv", "xlsx"):
        message = _("Exports are csv or xlsx, not {kind}.", kind=kind)
        raise InvalidInputError(message, [Problem("export", message)])
    return ("csv" if kind == "csv" else "xlsx"), request.query_params.get("table", "")


def export_response(views: Sequence[TableView], request: Request, language: str) -> Response | None:
    """The export the request asks for (one of ``views``), or None when it asks for the page."""
    asked = export_kind(request)
    if asked is None:
        return None
    kind, key = asked
    view = next((view for view in views if view.key == key), None)
    if view is None:
        message = _("This page has no table {table} to export.", table=key)
        raise InvalidInputError(message, [Problem("table", message)])
    name = (view.filename or view.key) + "." + kind
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "csv":
        csv_type = "text/csv; charset=utf-8"
        return Response(table_csv(view, language), media_type=csv_type, headers=headers)
    return Response(table_xlsx(view, language), media_type=XLSX_TYPE, headers=headers)


def headings(view: TableView, language: str) -> list[str]:
    return [render(column.label, language) for column in view.columns]


def table_csv(view: TableView, language: str) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the Chinese), one line per row shown."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings(view, language))
    for row in view.rows:
        writer.writerow([column.text(row) for column in view.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(view: TableView, language: str) -> bytes:
    """One sheet: bold headings, numbers as numbers with the decimals shown on screen."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = view.key[:31]
    sheet.append(headings(view, language))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in view.rows:
        sheet.append([column.value(row) for column in view.columns])
    for index, column in enumerate(view.columns, start=1):
        if column.numeric:
            pattern = "0" if not column.digits else "0." + "0" * column.digits
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = pattern
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
