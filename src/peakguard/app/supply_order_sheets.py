"""Reading an order requirement sheet (订单需求表) from a file, for ``peakguard supply order
open``: a YAML (or JSON) sheet with every field, or a CSV of group leaders' tallies (接龙, one
row per leader, pick-up point and bundle) with the sheet's other fields given beside it.

Every mistake is reported at once and located as ``sheet.yaml: lines[2].quantity`` or
``tallies.csv: row 4, quantity``; nothing is guessed.

YAML::

    kind: direct_purchase            # or group_buy
    region: "410105"                 # the controlled area, GB/T 2260
    supplier: youle                  # the platform organisation's code
    needed_by: 2026-11-16T18:00:00+08:00
    title: 郑州市金水区政府 直采第1批
    customer: 金水区商务局
    lines: [{bundle: vegetables, quantity: 500, source: SRC-SHOUGUANG}]
    deliveries: [{code: JS-01, name: 金水区政府指定点, region: "410105", latitude: 34.77,
                  longitude: 113.68, kind: address, quantity: 500, opens: "08:00", closes: "20:00"}]
    # a group buy gives instead: source: SRC-1 and
    # group_buy: [{leader: T-01, point: {code:, name:, region:, latitude:, longitude:},
    #              bundle: milk, quantity: 30}]

CSV columns (header row): leader, point_code, point_name, region, latitude, longitude, bundle,
quantity, and optionally source.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Mapping
from datetime import datetime, time
from pathlib import Path
from typing import Any

from peakguard.app.supply_orders import SupplyOrderDraft
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS
from peakguard.formats.structured import parse_json, parse_yaml, read_bytes
from peakguard.i18n import _
from peakguard.supply.model import DeliveryKind, DeliveryPoint, OrderKind, OrderLine, Place
from peakguard.supply.orders import GroupBuyEntry

CSV_COLUMNS = ("leader", "point_code", "point_name", "region", "latitude", "longitude",
               "bundle", "quantity")  # fmt: skip
SHEET_FIELDS = ("kind", "region", "supplier", "needed_by", "title", "customer", "lines",
                "deliveries", "group_buy", "source", "carrier", "note")  # fmt: skip


class _Reader:
    """Values taken from a mapping, each mistake noted with its location."""

    def __init__(self, where: str, problems: list[Problem]) -> None:
        self.where, self.problems = where, problems

    def fail(self, place: str, message: Any) -> None:
        self.problems.append(Problem(f"{self.where}: {place}", message))

    def text(self, table: Mapping[str, Any], key: str, place: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{place}{key}", _("is required"))
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.fail(f"{place}{key}", _("must be text"))
            return ""
        return str(value).strip()

    def number(self, table: Mapping[str, Any], key: str, place: str, *, whole: bool) -> float:
        value = table.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = int(value) if whole else float(value)
        fits = isinstance(value, int) if whole else isinstance(value, int | float)
        if not fits or isinstance(value, bool):
            self.fail(f"{place}{key}", _("must be a whole number") if whole
                      else _("must be a number"))  # fmt: skip
            return 0
        return value  # type: ignore[return-value]

    def place(self, table: Mapping[str, Any], place: str) -> Place:
        return Place(
            self.text(table, "code", place), self.text(table, "name", place),
            self.text(table, "region", place),
            self.number(table, "latitude", place, whole=False),
            self.number(table, "longitude", place, whole=False),
        )  # fmt: skip


def read_sheet_file(path: Path, **given: Any) -> SupplyOrderDraft:
    """The draft of a YAML/JSON sheet, or of a CSV of tallies with the sheet's other fields in
    ``given`` (kind is then group_buy). Values in ``given`` fill what a YAML sheet leaves out."""
    return read_sheet_bytes(read_bytes(path), path.name, **given)


def read_sheet_bytes(
    data: bytes, name: str, *, prefer_given: bool = False, **given: Any
) -> SupplyOrderDraft:
    """As :func:`read_sheet_file`, from a file's bytes and its name (an upload): ``.csv`` is a
    tallies CSV, ``.json`` JSON, anything else YAML; every mistake located in ``name``.
    ``prefer_given``: a value in ``given`` wins over the file's (a form's fields)."""
    suffix = Path(name).suffix.lower()
    if len(data) > DEFAULT_LIMITS.max_file_bytes:
        problem = Problem(name, _("is larger than {limit} bytes",
                                  limit=DEFAULT_LIMITS.max_file_bytes))  # fmt: skip
        raise InvalidInputError(_("The order requirement sheet has mistakes."), [problem])
    if suffix == ".csv":
        return _from_csv(data, name, given)
    document = parse_json(data, name) if suffix == ".json" else parse_yaml(data, name)
    if not isinstance(document, dict):
        problem = Problem(name, _("must be a mapping of the sheet's fields"))
        raise InvalidInputError(_("The order requirement sheet has mistakes."), [problem])
    stated = {key: value for key, value in given.items() if value not in (None, "")}
    merged = {**document, **stated} if prefer_given else {**stated, **document}
    return _from_mapping(merged, name)


def _from_mapping(sheet: Mapping[str, Any], where: str) -> SupplyOrderDraft:
    problems: list[Problem] = []
    read = _Reader(where, problems)
    for key in sheet:
        if key not in SHEET_FIELDS:
            read.fail(key, _("is not a field of a sheet; the fields are {fields}",
                             fields=", ".join(SHEET_FIELDS)))  # fmt: skip
    kind_text = read.text(sheet, "kind", "")
    if kind_text and kind_text not in tuple(OrderKind):
        read.fail("kind", _("must be one of {choices}", choices=", ".join(OrderKind)))
    needed = _moment(read, sheet.get("needed_by"))
    lines = tuple(
        OrderLine(read.text(row, "bundle", f"lines[{i}]."),
                  int(read.number(row, "quantity", f"lines[{i}].", whole=True)),
                  read.text(row, "source", f"lines[{i}]."))
        for i, row in enumerate(_rows(read, sheet, "lines"))
    )  # fmt: skip
    deliveries = tuple(_delivery(read, row, f"deliveries[{i}].")
                       for i, row in enumerate(_rows(read, sheet, "deliveries")))  # fmt: skip
    tallies = tuple(_tally(read, row, f"group_buy[{i}].")
                    for i, row in enumerate(_rows(read, sheet, "group_buy")))  # fmt: skip
    draft = SupplyOrderDraft(
        kind=OrderKind(kind_text) if kind_text in tuple(OrderKind) else OrderKind.direct_purchase,
        region=read.text(sheet, "region", ""), supplier=read.text(sheet, "supplier", ""),
        needed_by=needed, title=read.text(sheet, "title", ""),
        customer=read.text(sheet, "customer", "", required=False), lines=lines,
        deliveries=deliveries, group_buy=tallies,
        source=read.text(sheet, "source", "", required=False),
        carrier=read.text(sheet, "carrier", "", required=False) or None,
        note=read.text(sheet, "note", "", required=False),
    )  # fmt: skip
    if problems:
        raise InvalidInputError(_("The order requirement sheet has mistakes."), problems)
    return draft


def _rows(read: _Reader, sheet: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    rows = sheet.get(key) or []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        read.fail(key, _("must be a list of tables"))
        return []
    return rows


def _moment(read: _Reader, value: object) -> datetime:
    fallback = datetime(2000, 1, 1).astimezone()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if not isinstance(value, datetime) or value.tzinfo is None:
        read.fail("needed_by", _("write a moment with its time zone, as 2026-11-16T18:00:00+08:00"))
        return fallback
    return value


def _time(read: _Reader, row: Mapping[str, Any], key: str, place: str, default: time) -> time:
    value = row.get(key)
    if value is None:
        return default
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        read.fail(f"{place}{key}", _("write a time of day as 08:00, not {value!r}", value=value))
        return default


def _delivery(read: _Reader, row: Mapping[str, Any], place: str) -> DeliveryPoint:
    kind = str(row.get("kind", DeliveryKind.address.value))
    if kind not in tuple(DeliveryKind):
        read.fail(f"{place}kind", _("must be one of {choices}", choices=", ".join(DeliveryKind)))
        kind = DeliveryKind.address.value
    return DeliveryPoint(
        read.place(row, place), DeliveryKind(kind),
        int(read.number(row, "quantity", place, whole=True)),
        _time(read, row, "opens", place, time(8, 0)),
        _time(read, row, "closes", place, time(20, 0)),
    )  # fmt: skip


def _tally(read: _Reader, row: Mapping[str, Any], place: str) -> GroupBuyEntry:
    point = row.get("point")
    if not isinstance(point, dict):
        read.fail(f"{place}point", _("must be a table: code, name, region, latitude, longitude"))
        point = {}
    return GroupBuyEntry(
        read.text(row, "leader", place), read.place(point, f"{place}point."),
        read.text(row, "bundle", place), int(read.number(row, "quantity", place, whole=True)),
        read.text(row, "source", place, required=False),
    )  # fmt: skip


def _from_csv(data: bytes, name: str, given: Mapping[str, Any]) -> SupplyOrderDraft:
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    try:
        missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
        rows = list(reader) if not missing else []
    except csv.Error as error:
        problem = Problem(f"{name}: row {reader.line_num}",
                          _("is not a readable CSV row: {detail}", detail=str(error)))  # fmt: skip
        raise InvalidInputError(_("The order requirement sheet has mistakes."), [problem]) from None
    problems = _csv_shape(name, list(reader.fieldnames or []), rows)
    if missing:
        problems.insert(0, Problem(f"{name}: row 1", _("the header lacks the columns {columns}",
                                                       columns=", ".join(missing))))  # fmt: skip
    if problems:
        raise InvalidInputError(_("The order requirement sheet has mistakes."), problems)
    tallies = [
        {"leader": row["leader"], "bundle": row["bundle"], "quantity": row["quantity"],
         "source": row.get("source") or "",
         "point": {"code": row["point_code"], "name": row["point_name"], "region": row["region"],
                   "latitude": row["latitude"], "longitude": row["longitude"]}}
        for row in rows
    ]  # fmt: skip
    sheet = {key: value for key, value in given.items() if value is not None}
    sheet |= {"kind": OrderKind.group_buy.value, "group_buy": tallies}
    try:
        return _from_mapping(sheet, name)
    except InvalidInputError as error:
        problems = [Problem(_row_place(p.location), p.message) for p in error.problems]
        raise InvalidInputError(error.message, problems) from None


def _csv_shape(name: str, header: list[str], rows: list[dict[str, Any]]) -> list[Problem]:
    """A column named twice, and rows with more cells than the header: refused, not guessed."""
    problems = [
        Problem(f"{name}: row 1", _("the column {column} is named twice", column=column))
        for column in dict.fromkeys(c for c in header if header.count(c) > 1)
    ]
    problems += [
        Problem(f"{name}: row {index + 2}", _("has more cells than the header has columns"))
        for index, row in enumerate(rows)
        if None in row
    ][:20]
    return problems


def _row_place(location: str) -> str:
    """``tallies.csv: group_buy[3].quantity`` as ``tallies.csv: row 5, quantity`` (the header
    is row 1)."""
    if ": group_buy[" not in location:
        return location
    head, rest = location.split(": group_buy[", 1)
    index, field = rest.split("].", 1)
    return f"{head}: row {int(index) + 2}, {field.replace('point.', 'point_')}"
