"""A 12305 or carrier export of complaints (投诉) and appeals (申诉), read into checked rows.

The file is a CSV table (UTF-8 with or without a byte-order mark, or GB18030/GBK, as Chinese
Excel saves "CSV") or an ``.xlsx`` workbook (the sheet ``cases``, else the first). Its columns
(docs/reference/case-files.md) are named in English or by one of their Chinese headings
(申诉编号, 受理时间, 快递企业 …); columns it does not know are left out and listed, so a full
export of the 12305 system reads without editing. Labels are turned into codes: 投诉 →
``complaint``, 12305网站 → ``web_12305``, 延误 → ``delay``, 中通快递 → ``ZTO``.

Must hold: every bad cell is located as ``cases.csv row 12, column 联系电话 (phone)`` (an
Excel sheet: ``cases.xlsx: sheet "cases", row 12, column …``), every row of the file is
checked (no stop at the first mistake), and a row with any mistake is not among the rows
returned. Reading itself goes through the guarded table intake
(:mod:`peakguard.formats.table_intake`): size, NUL bytes, duplicate headings, extra cells,
zip bombs, cell length.
"""

from __future__ import annotations

import codecs
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from peakguard.cases.model import CaseKind, Category, Intake
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.case_cells import (
    CATEGORY_NAMES,
    CHANNEL_NAMES,
    KIND_NAMES,
    RefusedCellError,
    carrier_cell,
    code_cell,
    day_cell,
    flag_cell,
    moment_cell,
    named_cell,
    reference_cell,
    region_cell,
    required_text,
    spelling_key,
    text_cell,
)
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.structured import MAX_LISTED, read_bytes
from peakguard.formats.table_intake import Table, cannot_read, read_table
from peakguard.i18n import Message, _

CASE_SHEET = "cases"
"""The sheet read from a workbook (the first sheet when it has none of this name)."""
MAX_CASE_ROWS = 50_000
"""Cases in one file: all of them are stored in one transaction, or none."""
SUFFIXES = (".csv", ".xlsx")

Located = tuple[int, Problem]
"""A problem and the row it belongs to (0 for the file or its header), to keep file order."""


@dataclass(frozen=True)
class CaseColumn:
    """A column of a case file: its name, the headings that name it too, and whether every
    file must have it."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False


CASE_COLUMNS: tuple[CaseColumn, ...] = (
    CaseColumn(
        "source_reference", ("申诉编号", "投诉编号", "工单编号", "工单号", "受理编号"), True
    ),
    CaseColumn("kind", ("类型", "案件类型", "工单类型"), True),
    CaseColumn("received_at", ("受理时间", "申诉时间", "投诉时间", "登记时间"), True),
    CaseColumn("carrier", ("快递企业", "被申诉企业", "被投诉企业", "企业名称", "快递品牌"), True),
    CaseColumn("region", ("地区代码", "行政区划代码", "区划代码"), True),
    CaseColumn("channel", ("申诉渠道", "投诉渠道", "受理渠道", "渠道")),
    CaseColumn("category", ("问题类型", "申诉问题", "投诉问题", "问题分类"), True),
    CaseColumn("summary", ("申诉内容", "投诉内容", "问题描述", "内容"), True),
    CaseColumn("waybill", ("运单号", "快递单号", "邮件号码", "邮件号")),
    CaseColumn("name", ("申诉人", "投诉人", "姓名", "联系人")),
    CaseColumn("phone", ("联系电话", "电话", "手机号码", "手机号")),
    CaseColumn("address", ("地址", "联系地址")),
    CaseColumn("dispute_on", ("争议日期", "事发日期")),
    CaseColumn("emergency", ("紧急", "是否紧急", "紧急工单")),
)


@dataclass(frozen=True)
class CaseFileRow:
    """One case of the file, every cell read and turned into codes. ``row`` is the number a
    person finds it by (the CSV line, or the sheet's row). Personal data never shows in its
    ``repr``."""

    row: int
    source_reference: str
    kind: CaseKind
    received_at: datetime
    """Aware; a time written without an offset is China time."""
    carrier: str
    region: str
    channel: Intake
    category: Category
    summary: str
    waybill: str | None = None
    name: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    address: str | None = field(default=None, repr=False)
    dispute_on: date | None = None
    emergency: bool = False


@dataclass(frozen=True)
class CaseFile:
    """A case file as read: the rows without a mistake, and every mistake of the others.

    Must hold: each row of the file is either in ``rows`` or has a problem in ``problems``."""

    name: str
    """The file's own name."""
    source: str
    """Where its table is: ``cases.csv``, or ``cases.xlsx: sheet "cases"``."""
    sheet: bool
    headings: Mapping[str, str]
    """Column name → its heading as the file writes it."""
    rows: tuple[CaseFileRow, ...]
    problems: tuple[Located, ...]
    rows_read: int
    ignored_columns: tuple[str, ...] = ()
    """Headings of the file that name no column of a case file (left out)."""

    def place(self, row: int, column: str | None = None) -> str:
        """``cases.csv row 12, column 联系电话 (phone)``; the file itself for row 0."""
        if row == 0:
            return self.source
        table = Table(self.source, (), sheet=self.sheet)
        return table.place(row, column_label(column, self.headings) if column else None)


def column_label(column: str, headings: Mapping[str, str]) -> str:
    """``联系电话 (phone)`` when the file heads the column in its own words, else ``phone``."""
    written = headings.get(column, column)
    return column if written == column else f"{written} ({column})"


def refuse_case_file(
    case_file: CaseFile, extra: Iterable[Located] = (), message: Message | None = None
) -> None:
    """Raise :class:`InvalidInputError` when the file or ``extra`` has any problem: all of them in
    row order, the first :data:`~peakguard.formats.structured.MAX_LISTED` listed and all counted."""
    located = sorted([*case_file.problems, *extra], key=lambda item: item[0])
    if not located:
        return
    raise InvalidInputError(
        message or _("{file} has {count} mistakes", file=case_file.name, count=len(located)),
        [problem for _row, problem in located[:MAX_LISTED]],
        total=len(located),
    )


# -- reading ------------------------------------------------------------------------------------


def read_case_file(
    source: Path | bytes,
    file_name: str | None = None,
    *,
    now: datetime | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> CaseFile:
    """The rows of a case file given as a path or as its bytes (an upload, named ``file_name``).

    Raises :class:`InvalidInputError` only when the file cannot be read as a table at all (its
    type, size, encoding, a damaged workbook) or lacks a required column; every mistake of a
    cell is in the result's ``problems``. ``now``: a case received later than this (plus the
    clock drift of ``limits.future_tolerance_hours``) is a mistake."""
    name = _file_name(source, file_name)
    if not name.lower().endswith(SUFFIXES):
        message = _("use a .csv or .xlsx file (an old .xls workbook: save it as .xlsx)")
        raise cannot_read(name, message, name)
    data = source if isinstance(source, bytes) else read_bytes(source, limits=limits)
    if len(data) > limits.max_file_bytes:
        raise cannot_read(
            name,
            _("the file is longer than {limit} bytes", limit=f"{limits.max_file_bytes:,}"),
            name,
        )
    if not name.lower().endswith(".csv"):  # a workbook, or gzipped CSV: the intake reads it
        table = _read_copy(data, name, limits)
    elif _encoding(data, name) == "gb18030":
        table = _read_copy(data.decode("gb18030").encode("utf-8"), name, limits)
    elif isinstance(source, Path):
        table = read_table(source, CASE_SHEET, limits=limits)
    else:
        table = _read_copy(data, name, limits)
    return parse_case_table(table, name, now=now, limits=limits)


def _file_name(source: Path | bytes, file_name: str | None) -> str:
    """The file's own name, without any folder (an upload's name may carry a client's path)."""
    given = (
        file_name if file_name is not None else (source.name if isinstance(source, Path) else "")
    )
    base = re.split(r"[/\\]", given.replace("\x00", ""))[-1].strip()
    return base or "cases.csv"


def _encoding(data: bytes, name: str) -> str:
    """``utf-8`` (with or without a BOM) or ``gb18030``; neither is a located refusal."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"  # the intake locates any bad byte after the mark
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, utf8_error.start) + 1
            raise cannot_read(
                f"{name}: line {line}",
                _(
                    "the file is neither UTF-8 nor GB18030 (GBK) text (byte {byte}): "
                    "save it as CSV UTF-8 and retry",
                    byte=f"0x{data[utf8_error.start]:02X}",
                ),
                name,
            ) from None
        return "gb18030"


def _read_copy(data: bytes, name: str, limits: InputLimits) -> Table:
    """Read ``data`` through the table intake from a private copy named ``name`` (so its
    locations name the user's file)."""
    with tempfile.TemporaryDirectory(prefix="peakguard-cases-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_table(path, CASE_SHEET, limits=limits)


def parse_case_table(
    table: Table,
    name: str,
    *,
    now: datetime | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> CaseFile:
    """The case rows of a table read by the intake (see :func:`read_case_file`)."""
    positions, headings, ignored = _columns(table, name)
    if len(table.rows) > MAX_CASE_ROWS:
        raise cannot_read(
            table.source,
            _(
                "the file has {count} cases; at most {limit} are imported at once: "
                "split it into several files",
                count=f"{len(table.rows):,}",
                limit=f"{MAX_CASE_ROWS:,}",
            ),
            name,
        )
    case_file = CaseFile(name, table.source, table.sheet, headings, (), (), len(table.rows))
    located = _numbered(table)
    rows: list[CaseFileRow] = []
    first_seen: dict[tuple[Intake, str], int] = {}
    latest = None
    if now is not None:
        latest = now + timedelta(hours=limits.future_tolerance_hours)
    for number, cells in table.rows:
        values = {column: cells[position] for column, position in positions.items()}
        problems: list[tuple[str, Message]] = []
        row = _row(number, values, problems, limits, latest)
        if row is not None:
            key = (row.channel, row.source_reference)
            if key in first_seen:
                problems.append(
                    (
                        "source_reference",
                        _(
                            "{reference} is also in row {row}: each case once",
                            reference=row.source_reference,
                            row=first_seen[key],
                        ),
                    )
                )
            else:
                first_seen[key] = number
        located.extend((number, Problem(case_file.place(number, c), m)) for c, m in problems)
        if row is not None and not problems:
            rows.append(row)
    if not table.rows and not table.problems:
        located.append((0, Problem(table.source, _("the file holds no cases"))))
    return CaseFile(
        name,
        table.source,
        table.sheet,
        headings,
        tuple(rows),
        tuple(sorted(located, key=lambda item: item[0])),
        len(table.rows),
        ignored,
    )


def _numbered(table: Table) -> list[Located]:
    """The intake's refused rows (more cells than the header), each with its row number."""
    located: list[Located] = []
    for problem in table.problems:
        found = re.findall(r"row (\d+)", problem.location)
        located.append((int(found[-1]) if found else 0, problem))
    return located


_COLUMN_OF: dict[str, CaseColumn] = {
    spelling_key(spelling): column
    for column in CASE_COLUMNS
    for spelling in (column.name, *column.aliases)
}


def _columns(table: Table, name: str) -> tuple[dict[str, int], dict[str, str], tuple[str, ...]]:
    """Column name → position in the table, column name → heading as written, the headings
    left out. Two headings of one column, or a required column missing, refuse the file."""
    positions: dict[str, int] = {}
    headings: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for position, heading in enumerate(table.header):
        if not heading:
            continue
        column = _COLUMN_OF.get(spelling_key(heading))
        if column is None:
            ignored.append(heading)
        elif column.name in positions:
            problems.append(
                Problem(
                    f"{table.source}, column {heading}",
                    _(
                        "names the column {column} again (as {first} does): keep one",
                        column=column.name,
                        first=headings[column.name],
                    ),
                )
            )
        else:
            positions[column.name] = position
            headings[column.name] = heading
    missing = [
        column for column in CASE_COLUMNS if column.required and column.name not in positions
    ]
    if missing:
        problems.append(
            Problem(
                table.source,
                _(
                    "missing columns: {columns}",
                    columns=", ".join(f"{c.name} ({c.aliases[0]})" for c in missing),
                ),
            )
        )
    if problems:
        raise InvalidInputError(_("cannot read {path}", path=name), problems)
    return positions, headings, tuple(ignored)


# -- rows ---------------------------------------------------------------------------------------


def _row(
    number: int,
    values: Mapping[str, Any],
    problems: list[tuple[str, Message]],
    limits: InputLimits,
    latest: datetime | None,
) -> CaseFileRow | None:
    """The row's case, or None with its every mistake appended to ``problems``."""
    read: dict[str, Any] = {}
    readers = {
        "source_reference": reference_cell,
        "kind": lambda v: named_cell(v, KIND_NAMES, CaseKind, required=True),
        "received_at": lambda v: moment_cell(v, limits, latest),
        "carrier": carrier_cell,
        "region": region_cell,
        "channel": lambda v: named_cell(v, CHANNEL_NAMES, Intake) or Intake.import_file,
        "category": lambda v: named_cell(v, CATEGORY_NAMES, Category, required=True),
        "summary": lambda v: required_text(text_cell(v)),
        "waybill": code_cell,
        "name": text_cell,
        "phone": code_cell,
        "address": text_cell,
        "dispute_on": lambda v: day_cell(v, limits),
        "emergency": flag_cell,
    }
    for column, reader in readers.items():
        try:
            read[column] = reader(values.get(column))
        except RefusedCellError as refused:
            problems.append((column, refused.message))
    if problems:
        return None
    return CaseFileRow(row=number, **read)
