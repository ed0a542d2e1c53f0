"""A list of complaints and appeals as a file a desk opens in Excel: CSV (UTF-8 with a
byte-order mark, so Excel reads the Chinese) or an ``.xlsx`` workbook.

The rows are plain values the application gives (:class:`CaseExportRow`, one per case of the
list on screen), personal data already masked. Headings and the words of each value (kind,
state, category, channel, yes/no) are in the reader's language; moments are China time, to
the minute (in a workbook, real date-times a filter can sort).

Must hold: a cell never starts a formula in the program that opens it. A text cell beginning
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading
apostrophe in CSV and as a plain string in a workbook (OWASP's CSV-injection advice), so a
complainant's name typed as ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from peakguard.cases.model import CaseKind, Category, Intake, label, state_label
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message, _, render

Cell = str | int | float | bool | date | datetime | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MOMENT_FORMAT = "%Y-%m-%d %H:%M"
SHEET = "cases"


@dataclass(frozen=True)
class CaseExportRow:
    """One case of an exported list, as the application's view has it. ``kind``, ``state``,
    ``channel``, ``category`` and ``finding_category`` are the stored codes; the complainant's
    name and phone are masked by the application (张*, 138****5678) or empty."""

    reference: str
    kind: str
    state: str
    emergency: bool
    carrier: str
    region: str
    category: str
    channel: str
    received_at: datetime
    next_clock: str | None = None
    """The rule key of the running clock due soonest (``appeal.register``)."""
    next_due_at: datetime | None = None
    overdue: bool = False
    """A running clock is past its deadline."""
    finding_valid: bool | None = None
    finding_category: str | None = None
    waybill: str | None = None
    source_reference: str | None = None
    complainant_name: str | None = None
    complainant_phone: str | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class _Column:
    heading: Message
    value: Callable[[CaseExportRow], Cell | Message]


def _yes_no(flag: bool) -> Message:
    return _("yes") if flag else _("no")


def _finding(row: CaseExportRow) -> Message | None:
    if row.finding_valid is None:
        return None
    return _("valid") if row.finding_valid else _("not valid")


COLUMNS: tuple[_Column, ...] = (
    _Column(_("reference"), lambda row: row.reference),
    _Column(_("kind"), lambda row: label(CaseKind(row.kind))),
    _Column(_("state"), lambda row: state_label(CaseKind(row.kind), row.state)),
    _Column(_("emergency"), lambda row: _yes_no(row.emergency)),
    _Column(_("carrier"), lambda row: row.carrier),
    _Column(_("region"), lambda row: row.region),
    _Column(_("category"), lambda row: label(Category(row.category))),
    _Column(_("channel"), lambda row: label(Intake(row.channel))),
    _Column(_("received (China time)"), lambda row: row.received_at),
    _Column(_("next deadline"), lambda row: row.next_clock),
    _Column(_("due (China time)"), lambda row: row.next_due_at),
    _Column(_("overdue"), lambda row: _yes_no(row.overdue)),
    _Column(_("finding"), _finding),
    _Column(
        _("responsibility category"),
        lambda row: label(Category(row.finding_category)) if row.finding_category else None,
    ),
    _Column(_("waybill"), lambda row: row.waybill),
    _Column(_("source reference"), lambda row: row.source_reference),
    _Column(_("complainant (masked)"), lambda row: row.complainant_name),
    _Column(_("phone (masked)"), lambda row: row.complainant_phone),
    _Column(_("closed (China time)"), lambda row: row.closed_at),
)


def case_headings(language: str | None = None) -> list[str]:
    """The export's headings in ``language`` (the current language when None)."""
    return [render(column.heading, language) for column in COLUMNS]


def case_cells(row: CaseExportRow, language: str | None = None) -> list[Cell]:
    """One row's cells: words in ``language``, moments as naive China-time date-times."""
    cells: list[Cell] = []
    for column in COLUMNS:
        value = column.value(row)
        if isinstance(value, Message):
            value = render(value, language)
        elif isinstance(value, datetime):
            value = value.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None, second=0)
            value = value.replace(microsecond=0)
        cells.append(value)
    return cells


def _inert(text: str) -> str:
    """``text`` as a cell no spreadsheet reads as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def case_csv(rows: Sequence[CaseExportRow], *, language: str | None = None) -> bytes:
    """The list as CSV: UTF-8 with a byte-order mark, CRLF lines, one line per case."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(case_headings(language))
    for row in rows:
        writer.writerow([_csv_text(cell) for cell in case_cells(row, language)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime(MOMENT_FORMAT)
    if isinstance(cell, date):
        return cell.isoformat()
    return _inert(str(cell))


def case_workbook(rows: Sequence[CaseExportRow], *, language: str | None = None) -> bytes:
    """The list as an ``.xlsx`` workbook: one sheet, bold headings, moments as date-times."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = SHEET
    sheet.append(case_headings(language))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for position, value in enumerate(case_cells(row, language), start=1):
            cell = sheet.cell(row=number, column=position)
            cell.value = value
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # openpyxl would write a text starting with = as a formula
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_case_list(
    rows: Sequence[CaseExportRow], path: Path, *, language: str | None = None
) -> Path:
    """Write the list to ``path``: a workbook for ``.xlsx``, CSV otherwise."""
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(case_workbook(rows, language=language))
    else:
        path.write_bytes(case_csv(rows, language=language))
    return path
