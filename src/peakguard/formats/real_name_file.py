"""The real-name register's files: a carrier's record of what its outlets accepted (CSV or an
Excel sheet ``register``), and waybill records to check against 快递暂行条例 art. 22.

Columns of a register file (English or Chinese headings, any order, any case):

============== ===================================== ==========================================
column         also                                  holds
============== ===================================== ==========================================
waybill        运单号                                the parcel's waybill number
carrier        快递企业, 品牌                         the carrier (code such as ZTO, or name)
sender_name    寄件人, 寄件人姓名, 姓名, 单位名称      the sender (a person or an organisation)
id_type        证件类型                              居民身份证, 护照, 统一社会信用代码 … or the
                                                     type's code (resident_id, credit_code …)
id_number      证件号码, 证件号                       the ID number or credit code
outlet         收寄网点, 网点                         the accepting outlet (its node id)
region         行政区划代码, 地区                     the outlet's 6-digit region code
accepted_at    收寄时间                              China time unless an offset is written
accepted_by    收寄人员, 收寄员工号, 工号              the accepting employee's number
============== ===================================== ==========================================

Never does a message about a cell repeat an ID number: it says which row and column and what
is wrong. Every bad cell is listed; :mod:`peakguard.app.real_name_intake` stores the file only
when there is none.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from peakguard.cases.real_name import IdType
from peakguard.errors import Problem
from peakguard.formats.case_cells import (
    RefusedCellError,
    carrier_cell,
    moment_cell,
    spelling_key,
    text_cell,
)
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.table_intake import Table, cannot_read, read_table
from peakguard.i18n import _

SHEET: Final = "register"
MAX_ROWS: Final = 100_000
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "waybill": ("运单号", "运单号码", "waybill_number"),
    "carrier": ("快递企业", "品牌", "企业"),
    "sender_name": ("寄件人", "寄件人姓名", "姓名", "单位名称", "name"),
    "id_type": ("证件类型", "type"),
    "id_number": ("证件号码", "证件号", "身份证号", "id", "number"),
    "outlet": ("收寄网点", "网点", "node"),
    "region": ("行政区划代码", "地区", "地区代码", "region_code"),
    "accepted_at": ("收寄时间", "time"),
    "accepted_by": ("收寄人员", "收寄员工号", "工号", "employee"),
}
ID_TYPE_NAMES: Final[dict[str, IdType]] = {
    **{spelling_key(kind.value): kind for kind in IdType},
    spelling_key("居民身份证"): IdType.resident_id,
    spelling_key("身份证"): IdType.resident_id,
    spelling_key("护照"): IdType.passport,
    spelling_key("港澳居民来往内地通行证"): IdType.hk_macao_permit,
    spelling_key("港澳通行证"): IdType.hk_macao_permit,
    spelling_key("台湾居民来往大陆通行证"): IdType.taiwan_permit,
    spelling_key("台胞证"): IdType.taiwan_permit,
    spelling_key("港澳台居民居住证"): IdType.residence_permit,
    spelling_key("外国人永久居留身份证"): IdType.foreign_permanent_resident,
    spelling_key("军官证"): IdType.military_id,
    spelling_key("士兵证"): IdType.military_id,
    spelling_key("统一社会信用代码"): IdType.credit_code,
}
EXCEL_DIGITS: Final = 15


@dataclass(frozen=True)
class RegisterRow:
    """One row of a register file, read but not yet checked against the rules."""

    row: int
    waybill: str
    carrier: str
    sender_name: str
    id_type: IdType
    id_number: str
    outlet: str
    region: str
    accepted_at: datetime
    accepted_by: str


@dataclass(frozen=True)
class RegisterFile:
    name: str
    source: str
    sheet: bool
    rows: tuple[RegisterRow, ...]
    problems: tuple[Problem, ...]

    def place(self, row: int, column: str) -> str:
        return Table(self.source, (), sheet=self.sheet).place(row, column)


def read_register_table(
    source: Path | bytes, file_name: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[str, Table]:
    """The table of a register or waybill file given as a path or as an upload's bytes."""
    given = (
        file_name if file_name is not None else (source.name if isinstance(source, Path) else "")
    )
    name = re.split(r"[/\\]", given.replace("\x00", ""))[-1].strip() or "register.csv"
    if not name.lower().endswith((".csv", ".xlsx", ".csv.gz")):
        raise cannot_read(name, _("use a .csv or .xlsx file"), name)
    if isinstance(source, Path):
        return name, read_table(source, SHEET, limits=limits)
    if len(source) > limits.max_file_bytes:
        raise cannot_read(
            name, _("the file is longer than {limit} bytes", limit=f"{limits.max_file_bytes:,}")
        )
    with tempfile.TemporaryDirectory(prefix="peakguard-register-") as folder:
        path = Path(folder) / name
        path.write_bytes(source)
        return name, read_table(path, SHEET, limits=limits)


def parse_register(
    table: Table, name: str, *, latest: datetime | None, limits: InputLimits = DEFAULT_LIMITS
) -> RegisterFile:
    """The rows of a register table; every bad cell a located problem (``latest``: a later
    acceptance time is in the future)."""
    positions = _positions(table, name)
    if len(table.rows) > MAX_ROWS:
        message = _(
            "the file has {count} rows; at most {limit} are read at once: split it",
            count=f"{len(table.rows):,}",
            limit=f"{MAX_ROWS:,}",
        )
        raise cannot_read(table.source, message, name)
    problems: list[Problem] = list(table.problems)
    rows: list[RegisterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        values = {column: cells[position] for column, position in positions.items()}
        row = _row(table, number, values, problems, limits, latest)
        if row is None:
            continue
        key = (row.carrier, row.waybill)
        if key in seen:
            problems.append(
                Problem(
                    table.place(number, "waybill"),
                    _("the waybill is also in row {row}: each parcel once", row=seen[key]),
                )
            )
            continue
        seen[key] = number
        rows.append(row)
    if not table.rows and not table.problems:
        problems.append(Problem(table.source, _("the file holds no rows")))
    return RegisterFile(name, table.source, table.sheet, tuple(rows), tuple(problems))


def _positions(table: Table, name: str) -> dict[str, int]:
    spellings = {
        spelling_key(spelling): column
        for column, aliases in COLUMNS.items()
        for spelling in (column, *aliases)
    }
    positions: dict[str, int] = {}
    for position, heading in enumerate(table.header):
        column = spellings.get(spelling_key(heading or ""))
        if column is not None and column not in positions:
            positions[column] = position
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        raise cannot_read(
            f"{table.source}: line 1",
            _("the file lacks the column(s) {columns}", columns=", ".join(missing)),
            name,
        )
    return positions


def _row(
    table: Table,
    number: int,
    values: Mapping[str, Any],
    problems: list[Problem],
    limits: InputLimits,
    latest: datetime | None,
) -> RegisterRow | None:
    read: dict[str, Any] = {}
    readers = {
        "waybill": code_text,
        "carrier": _carrier,
        "sender_name": _name,
        "id_type": id_type_cell,
        "id_number": id_number_cell,
        "outlet": code_text,
        "region": region_code,
        "accepted_at": lambda value: _moment(value, limits, latest),
        "accepted_by": code_text,
    }
    for column, reader in readers.items():
        try:
            read[column] = reader(values[column])
        except RefusedCellError as refused:
            problems.append(Problem(table.place(number, column), refused.message))
    if len(read) != len(readers):
        return None
    return RegisterRow(row=number, **read)


def code_text(value: Any) -> str:
    """A waybill, outlet or employee number; a refusal never quotes it."""
    text = text_cell(value)
    if text is None:
        raise RefusedCellError(_("is empty; every entry needs it"))
    if len(text) > 64 or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:/-]*", text):
        raise RefusedCellError(_("must be 1 to 64 letters, digits and . _ : / -"))
    return text


def _name(value: Any) -> str:
    text = text_cell(value)
    if text is None:
        raise RefusedCellError(_("is empty: the sender's name is part of the registration"))
    if len(text) > 200:
        raise RefusedCellError(_("must be at most {limit} characters", limit=200))
    return text


def region_code(value: Any) -> str:
    """A six-digit region code; a refusal never quotes it."""
    text = text_cell(value)
    if text is None or not re.fullmatch(r"[1-8][0-9]{5}", text):
        raise RefusedCellError(_("must be a six-digit GB/T 2260 region code such as 510107"))
    return text


def _carrier(value: Any) -> str:
    """A carrier's code or name; a refusal names the known carriers, never the cell (an ID in
    the wrong column must not be repeated)."""
    try:
        return carrier_cell(value)
    except RefusedCellError:
        raise RefusedCellError(
            _("is not a carrier peakguard knows; give its code, such as ZTO, or its name")
        ) from None


def _moment(value: Any, limits: InputLimits, latest: datetime | None) -> datetime:
    if text_cell(value) is None:
        raise RefusedCellError(_("is empty; every entry needs it"))
    try:
        moment = moment_cell(value, limits, None)
    except RefusedCellError:  # its message quotes the cell: an ID in the wrong column must not be
        raise RefusedCellError(
            _(
                "is not a time peakguard reads: write it as 2026-11-11 09:30 (China time) or "
                "with its offset, from {first} to {last}",
                first=limits.earliest_time.date(),
                last=f"{limits.latest_year}-12-31",
            )
        ) from None
    if latest is not None and moment > latest:
        raise RefusedCellError(_("is in the future: record a parcel once it is accepted"))
    return moment


def id_type_cell(value: Any) -> IdType:
    """An ID type from its code or its Chinese name."""
    text = text_cell(value)
    if text is None:
        raise RefusedCellError(_("is empty: give the ID's type, such as 居民身份证"))
    found = ID_TYPE_NAMES.get(spelling_key(text))
    if found is None:
        raise RefusedCellError(
            _(
                "is not an ID type peakguard knows; use one of: {names}",
                names="居民身份证, 护照, 港澳居民来往内地通行证, 台湾居民来往大陆通行证, "
                "港澳台居民居住证, 外国人永久居留身份证, 军官证, 统一社会信用代码",
            )
        )
    return found


def id_number_cell(value: Any) -> str:
    """An ID number as text. Never repeats the cell in a refusal."""
    if isinstance(value, bool) or value is None:
        raise RefusedCellError(_("is empty: the ID number is part of the registration"))
    if isinstance(value, float):
        if not value.is_integer():
            raise RefusedCellError(_("is a number with a fraction, not an ID number"))
        value = int(value)
    if isinstance(value, int):
        if len(str(abs(value))) > EXCEL_DIGITS:
            raise RefusedCellError(
                _(
                    "Excel keeps a number to {digits} digits, so this ID has lost its last: "
                    "format the column as text and type it again",
                    digits=EXCEL_DIGITS,
                )
            )
        value = str(value)
    text = str(value).strip()
    if not text:
        raise RefusedCellError(_("is empty: the ID number is part of the registration"))
    if len(text) > 64:
        raise RefusedCellError(_("must be at most {limit} characters", limit=64))
    return text
