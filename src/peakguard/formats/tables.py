"""Nodes and lanes as the tables carriers and regulators exchange: CSV files or one workbook.

A CSV network is a folder with ``nodes.csv`` and ``lanes.csv`` and, optionally,
``carriers.csv``, ``regions.csv``, ``service_standards.csv`` and ``routing_overrides.csv``.
An Excel network is one ``.xlsx`` workbook with sheets of the same names. Cells are turned into
the network document and validated by :func:`~peakguard.formats.network_document.parse_network`,
so mistakes are reported as ``nodes.csv row 5, column storage_capacity``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path as FilePath
from typing import Any

from openpyxl import Workbook

from peakguard.domain.carriers import known_carrier
from peakguard.domain.network import Network, Node
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.network_document import parse_network
from peakguard.formats.table_intake import Table, open_workbook, read_csv, read_sheet
from peakguard.formats.validation_messages import Path
from peakguard.i18n import Message, _

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "network": ("name", "title", "description"),
    "carriers": ("code", "name", "name_en"),
    "regions": ("code", "name", "longitude", "latitude"),
    "nodes": (
        "id",
        "name",
        "kind",
        "region",
        "carrier",
        "shifts",
        "storage_capacity",
        "staff",
        "vehicles",
        "floor_area_m2",
        "automated_sorter",
        "longitude",
        "latitude",
        "daily_volume",
    ),
    "lanes": (
        "id",
        "origin",
        "destination",
        "mode",
        "transit_hours",
        "departure_times",
        "capacity_per_departure",
        "distance_km",
    ),
    "service_standards": ("pair_class", "time_limit_hours", "carrier"),
    "routing_overrides": ("node", "destination", "next_node"),
}
OPTIONAL_COLUMNS = {"sorting_capacity_per_hour"}
REQUIRED_TABLES = ("nodes", "lanes")
_SHIFT = re.compile(
    r"^\s*(?:(?P<name>[^;]*?)\s+)?(?P<start>\d{1,2})-(?P<end>\d{1,2})\s+"
    r"(?P<capacity>\S+)\s*$"
)
_TRUE = {"true", "yes", "y", "1", "是", "有"}
_FALSE = {"false", "no", "n", "0", "否", "无"}

Rows = list[dict[str, Any]]


def read_csv_folder(
    folder: FilePath, name: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> Network:
    """Load a network from a folder of CSV files."""
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for table in TABLE_COLUMNS:
        path = folder / f"{table}.csv"
        if not path.exists():
            if table in REQUIRED_TABLES:
                problems.append(
                    Problem(
                        str(path),
                        _("the table is missing: every CSV network needs nodes.csv and lanes.csv"),
                    )
                )
            continue
        try:
            tables[table] = read_csv(path, limits=limits)
        except InvalidInputError as error:
            problems.extend(error.problems)
    return _build(tables, name or folder.name, problems, name)


def read_workbook(
    path: FilePath, name: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> Network:
    """Load a network from an Excel workbook with one sheet per table."""
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    with open_workbook(path, limits=limits) as workbook:
        for table in TABLE_COLUMNS:
            if table not in workbook.sheetnames:
                if table in REQUIRED_TABLES:
                    problems.append(
                        Problem(
                            f'{path.name}: sheet "{table}"',
                            _("the sheet is missing: every workbook needs sheets nodes and lanes"),
                        )
                    )
                continue
            try:
                tables[table] = read_sheet(workbook, path.name, table, limits=limits)
            except InvalidInputError as error:
                problems.extend(error.problems)
    return _build(tables, name or path.stem, problems, name)


def _known_columns(read: Table, table: str, problems: list[Problem]) -> Rows:
    """The rows' cells by column; an unknown column is reported once, for the header, and
    rows refused while reading (extra cells) are reported in their place."""
    allowed = set(TABLE_COLUMNS[table]) | (OPTIONAL_COLUMNS if table == "nodes" else set())
    unknown = {column for column in read.header if column and column not in allowed}
    for column in sorted(unknown):
        problems.append(
            Problem(
                f"{read.source}, column {column}",
                _(
                    "is not a known column; expected some of: {columns}",
                    columns=", ".join(TABLE_COLUMNS[table]),
                ),
            )
        )
    problems.extend(read.problems)
    return [
        {key: value for key, value in row.items() if key not in unknown}
        for _number, row in read.records()
    ]


def _build(
    tables: Mapping[str, Table],
    name: str,
    problems: list[Problem],
    name_given: str | None = None,
) -> Network:
    document: dict[str, Any] = {"name": _identifier(name)}
    numbers = {table: [number for number, _cells in read.rows] for table, read in tables.items()}
    for table, read in tables.items():
        converted = [
            _convert_row(table, row, read.place(number), problems)
            for row, number in zip(
                _known_columns(read, table, problems), numbers[table], strict=True
            )
        ]
        if table == "network":
            document.update(converted[0] if converted else {})
            if name_given:
                document["name"] = _identifier(name_given)
        else:
            document[table] = converted
    if "carriers" not in document:
        codes = sorted(
            {
                str(row.get("carrier", "")).strip()
                for row in document.get("nodes", [])
                if row.get("carrier")
            }
        )
        document["carriers"] = [
            carrier.model_dump(exclude_none=True)
            for code in codes
            if (carrier := known_carrier(code)) is not None
        ]

    def locate(path: Path) -> str:
        if len(path) >= 2 and isinstance(path[1], int) and str(path[0]) in tables:
            table, index, *rest = path
            read = tables[str(table)]
            where = read.place(numbers[str(table)][int(index)])
            if rest:
                column = str(rest[0])
                if column == "shifts" and len(rest) > 1:
                    return f"{where}, column shifts (shift {int(rest[1]) + 1})"
                return f"{where}, column {column}"
            return where
        if len(path) >= 2 and isinstance(path[1], int):
            return f"{path[0]}[{path[1]}]" + "".join(f".{part}" for part in path[2:])
        return str(path[0]) if path else name

    try:
        network = parse_network(document, locate)
    except InvalidInputError as error:
        problems.extend(error.problems)
        raise InvalidInputError(error.message, problems) from None
    if problems:
        raise InvalidInputError(_("the network file has mistakes; nothing was stored"), problems)
    return network


def _identifier(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]+", "-", name).strip("-.")
    return cleaned or "network"


def _convert_row(
    table: str, row: Mapping[str, Any], place: str, problems: list[Problem]
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None:
            continue
        value = cell.strip() if isinstance(cell, str) else cell
        if value == "":
            continue
        record[column] = value
    if table == "nodes":
        if "automated_sorter" in record:
            record["automated_sorter"] = _boolean(record["automated_sorter"])
        if "shifts" in record:
            shifts, message = parse_shifts(str(record["shifts"]))
            if message is not None:
                problems.append(Problem(f"{place}, column shifts", message))
                record.pop("shifts")
                record.setdefault("sorting_capacity_per_hour", 1)  # keep other checks running
            else:
                record["shifts"] = shifts
    if table == "lanes" and "departure_times" in record:
        record["departure_times"] = [
            part for part in re.split(r"[;,\s]+", str(record["departure_times"])) if part
        ]
    return record


def _boolean(value: object) -> object:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value


def parse_shifts(cell: str) -> tuple[list[dict[str, Any]], Message | None]:
    """``day 8-20 12000; night 20-8 15000`` → shift records (the name is optional)."""
    shifts: list[dict[str, Any]] = []
    for position, part in enumerate(piece for piece in cell.split(";") if piece.strip()):
        match = _SHIFT.match(part)
        if match is None:
            return [], _(
                "shift {position} {text!r} is not of the form 'name start-end capacity', "
                "for example 'night 20-8 15000'",
                position=position + 1,
                text=part.strip(),
            )
        start, end = int(match["start"]), int(match["end"])
        shifts.append(
            {
                "name": (match["name"] or f"{start:02d}-{end:02d}").strip(),
                "start_hour": start,
                "end_hour": end,
                "sorting_capacity_per_hour": match["capacity"],
            }
        )
    return shifts, None


def format_shifts(node: Node) -> str:
    return "; ".join(
        f"{shift.name} {shift.start_hour}-{shift.end_hour} {shift.sorting_capacity_per_hour}"
        for shift in node.shifts
    )


def table_rows(network: Network) -> dict[str, list[list[Any]]]:
    """Every table as rows of cells, header first."""

    def cells(record: Mapping[str, Any], table: str) -> list[Any]:
        row = []
        for column in TABLE_COLUMNS[table]:
            value = record.get(column)
            if isinstance(value, list):
                value = " ".join(value)
            row.append("" if value is None else value)
        return row

    out: dict[str, list[list[Any]]] = {}
    for table, columns in TABLE_COLUMNS.items():
        records: Iterable[Any] = [network] if table == "network" else getattr(network, table)
        rows: list[list[Any]] = [list(columns)]
        for record in records:
            dumped = (
                record.model_dump(mode="json", include={"name", "title", "description"})
                if table == "network"
                else record.model_dump(mode="json")
            )
            if table == "nodes":
                dumped["shifts"] = format_shifts(record)
            rows.append(cells(dumped, table))
        out[table] = rows
    return out


def write_csv_folder(network: Network, folder: FilePath) -> list[FilePath]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in table_rows(network).items():
        path = folder / f"{table}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
        written.append(path)
    return written


def write_workbook(network: Network, path: FilePath) -> None:
    workbook = Workbook()
    default = workbook.active
    if default is not None:
        workbook.remove(default)
    for table, rows in table_rows(network).items():
        sheet = workbook.create_sheet(table)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    workbook.save(path)
