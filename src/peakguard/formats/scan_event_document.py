"""Scan events in: CSV (also ``.csv.gz``), Parquet and JSON lines, or JSON records from the API.

Every file becomes one pyarrow table with :data:`~peakguard.domain.scans.SCAN_EVENT_SCHEMA`,
or an :class:`~peakguard.errors.InvalidInputError` that lists every bad cell with its place
(``events.csv row 3, column time``), up to :data:`MAX_LISTED_PROBLEMS` listed and all counted.
The format is documented in ``docs/reference/scan-events.md``.

The checks run column by column with ``pyarrow.compute`` and numpy, never row by row in Python
(except to turn JSON records into columns), so a million-row file validates in seconds. The
rules for each column are in :mod:`peakguard.formats.scan_event_rules`; this module reads the
files, checks the columns as a whole, and reports the cells that break a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peakguard.domain.scans import (
    SCAN_EVENT_SCHEMA,
    SECURITY_FLAGS,
    EventType,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.json_lines import json_cell, json_line
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.scan_event_rules import (
    DEFAULT_PRODUCT,
    BoolArray,
    ColumnCheck,
    Window,
    cleaned,
    column_rules,
    combined,
    equals,
    event_window,
    rows_kept,
)
from peakguard.formats.table_intake import CsvFile, check_size
from peakguard.i18n import Message, _

__all__ = [
    "DEFAULT_PRODUCT",
    "MAX_LISTED_PROBLEMS",
    "REQUIRED_COLUMNS",
    "SCAN_EVENT_COLUMNS",
    "SUFFIXES",
    "Findings",
    "parse_event_lines",
    "parse_events",
    "read_event_files",
    "read_events",
]

SCAN_EVENT_COLUMNS: tuple[str, ...] = tuple(SCAN_EVENT_SCHEMA.names)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "waybill",
    "carrier",
    "event",
    "node_id",
    "time",
    "origin_region",
    "destination_region",
)
"""Columns every file must have; ``reason``, ``next_node_id``, ``product`` and the security flags
may be left out when no row needs them (``product`` then reads ``standard``)."""
MAX_LISTED_PROBLEMS = 200
"""Problems listed in one error; the rest are counted in a final "and N more" problem."""
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl", ".ndjson")

Locate = Callable[[int, str | None], tuple[int, str]]
"""(0-based record index, column or None for the whole row) → (the row or line number the user
sees, used to order the problems; the place: ``events.csv row 3, column time``)."""


@dataclass
class Findings:
    """Problems found so far: the first ones in reading order, and how many in all."""

    listed: list[tuple[tuple[int, int, int], Problem]] = field(default_factory=list)
    total: int = 0

    def add(self, order: tuple[int, int, int], problem: Problem) -> None:
        self.total += 1
        self.listed.append((order, problem))

    def extend(self, other: Findings) -> None:
        self.total += other.total
        self.listed.extend(other.listed)

    def problems(self) -> list[Problem]:
        """At most :data:`MAX_LISTED_PROBLEMS` problems in reading order, plus "and N more"."""
        ordered = [problem for _order, problem in sorted(self.listed, key=lambda item: item[0])]
        shown = ordered[:MAX_LISTED_PROBLEMS]
        if self.total > len(shown):
            shown.append(
                Problem(
                    "…",
                    _("and {count} more problems", count=f"{self.total - len(shown):,}"),
                )
            )
        return shown

    def raise_if_any(self) -> None:
        if self.total:
            raise InvalidInputError(
                _("The scan events have mistakes: {count} in all.", count=f"{self.total:,}"),
                self.problems(),
                total=self.total,
            )


def read_events(
    path: Path, *, limits: InputLimits = DEFAULT_LIMITS, now: datetime | None = None
) -> pa.Table:
    """One scan-event file (chosen by suffix), validated in full."""
    return read_event_files([path], limits=limits, now=now)


def read_event_files(
    paths: Sequence[Path], *, limits: InputLimits = DEFAULT_LIMITS, now: datetime | None = None
) -> pa.Table:
    """Several files as one table; every file is read and every mistake reported at once.
    ``now`` (default: the clock) bounds how far ahead an event may be dated."""
    findings = Findings()
    tables: list[pa.Table] = []
    reading = _Reading(limits, event_window(limits, now))
    for number, path in enumerate(paths):
        table, found = _read_one(path, reading, file_order=number)
        findings.extend(found)
        if table is not None:
            tables.append(table)
    findings.raise_if_any()
    if not tables:
        return SCAN_EVENT_SCHEMA.empty_table()
    return pa.concat_tables(tables)


def parse_events(
    records: object,
    *,
    source: str = "events",
    limits: InputLimits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> pa.Table:
    """Scan events from JSON-like records (the API's body); mistakes are located as
    ``events[3].time`` (0-based, as in the request)."""
    if not isinstance(records, list) or len(records) > limits.max_rows:
        message = (
            _("must be a list of scan events")
            if not isinstance(records, list)
            else _("more than {limit} scan events in one request", limit=f"{limits.max_rows:,}")
        )
        raise InvalidInputError(
            _("The scan events have mistakes: {count} in all.", count="1"),
            [Problem(source, message)],
        )

    def locate(index: int, column: str | None) -> tuple[int, str]:
        return index, f"{source}[{index}]" + (f".{column}" if column else "")

    reading = _Reading(limits, event_window(limits, now))
    table, findings = _from_records(records, locate, source, reading, 0)
    findings.raise_if_any()
    assert table is not None
    return table


def parse_event_lines(
    text: bytes,
    *,
    source: str = "request",
    limits: InputLimits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> pa.Table:
    """Scan events from JSON lines (one object a line); mistakes are located by line number."""
    table, findings = _from_json_lines(text, source, _Reading(limits, event_window(limits, now)), 0)
    findings.raise_if_any()
    assert table is not None
    return table


@dataclass(frozen=True)
class _Reading:
    """What every file of one call is read with."""

    limits: InputLimits
    window: Window


def _read_one(
    path: Path, reading: _Reading, *, file_order: int
) -> tuple[pa.Table | None, Findings]:
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        if not path.exists():
            return None, _single(str(path), _("no such file"), file_order)
        return None, _single(
            path.name,
            _("use a .csv, .csv.gz, .parquet or .jsonl file of scan events"),
            file_order,
        )
    try:
        check_size(path, reading.limits)
        if name.endswith((".csv", ".csv.gz")):
            return _from_csv(path, reading, file_order)
        if name.endswith(".parquet"):
            return _from_parquet(path, reading, file_order)
        data = path.read_bytes()
    except InvalidInputError as error:
        return None, _refused(error, file_order)
    except OSError:
        return None, _single(path.name, _("cannot read the file"), file_order)
    return _from_json_lines(data, path.name, reading, file_order)


def _refused(error: InvalidInputError, file_order: int) -> Findings:
    """The problems of a file the table intake refused as a whole."""
    findings = Findings()
    for problem in error.problems:
        findings.add((file_order, -1, 0), problem)
    return findings


def _single(location: str, message: Message, file_order: int) -> Findings:
    findings = Findings()
    findings.add((file_order, -1, 0), Problem(location, message))
    return findings


# --- the three file forms and JSON records → columns of text ---------------------------------


def _from_csv(path: Path, reading: _Reading, file_order: int) -> tuple[pa.Table | None, Findings]:
    """Through the guarded intake, in batches turned into columns: every row keeps the line it
    starts on (blank lines and quoted newlines counted), a row of the wrong width is refused."""
    with CsvFile(path, limits=reading.limits, exact=True) as opened:
        header = opened.header
        chunks: list[list[pa.Array]] = [[] for _name in header]
        lines: list[npt.NDArray[np.int64]] = []
        for batch_lines, rows in opened.batches():
            lines.append(np.array(batch_lines, dtype=np.int64))
            # One conversion a batch (C), then each column picked out: no Python per cell.
            cells = pa.array(rows, pa.list_(pa.string(), len(header)))
            for position in range(len(header)):
                chunks[position].append(pc.list_element(cells, position))
        refused = list(zip(opened.problem_lines, opened.problems, strict=True))
    findings = Findings()
    for line, problem in refused:
        findings.add((file_order, line, 0), problem)
    numbers = np.concatenate(lines) if lines else np.zeros(0, np.int64)

    def locate(index: int, column: str | None) -> tuple[int, str]:
        row = int(numbers[index])
        return row, f"{path.name} row {row}" + (f", column {column}" if column else "")

    columns = {
        name: pa.chunked_array(chunks[position], pa.string())
        for position, name in enumerate(header)
        if name
    }
    table, found = _validate(
        columns, locate, path.name, file_order, reading, drop_blank=True, rows=len(numbers)
    )
    findings.extend(found)
    return table, findings


def _from_parquet(
    path: Path, reading: _Reading, file_order: int
) -> tuple[pa.Table | None, Findings]:
    """The schema and the row count from the file's metadata are checked before any row is
    read: names unique, no more columns and rows than the limits allow."""
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
        rows = parquet.metadata.num_rows
    except (pa.ArrowException, OSError):
        return None, _single(path.name, _("not a Parquet file"), file_order)
    limits, problems = reading.limits, Findings()
    for name in sorted({name for name in names if names.count(name) > 1}):
        place = f"{path.name}, column {name}"
        problems.add((file_order, -1, 0), Problem(place, _("appears more than once")))
    if rows > limits.max_rows or len(names) > limits.max_columns:
        sizes = {"rows": f"{rows:,}", "columns": len(names), "limit": f"{limits.max_rows:,}"}
        message = _("{rows} rows of {columns} columns; at most {limit} rows are read", **sizes)
        problems.add((file_order, -1, 0), Problem(path.name, message))
    if problems.total:
        parquet.close()
        return None, problems
    try:
        raw = parquet.read()
    except (pa.ArrowException, OSError):
        return None, _single(path.name, _("the Parquet file is damaged"), file_order)
    finally:
        parquet.close()
    columns = {name: raw.column(name) for name in raw.column_names}

    def locate(index: int, column: str | None) -> tuple[int, str]:
        return index + 1, f"{path.name} row {index + 1}" + (f", column {column}" if column else "")

    return _validate(columns, locate, path.name, file_order, reading, drop_blank=False)


def _from_json_lines(
    data: bytes, source: str, reading: _Reading, file_order: int
) -> tuple[pa.Table | None, Findings]:
    """Lines split on ``\\n`` only (``str.splitlines`` also splits on U+2028, which JSON allows
    inside a string, and so named lines that do not exist); each parsed with the guards."""
    findings = Findings()
    records: list[Any] = []
    lines: list[int] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = data.count(b"\n", 0, error.start) + 1
        return None, _single(
            f"{source} line {bad_line}",
            _("the file is not UTF-8 text: save it as UTF-8 and retry"),
            file_order,
        )
    pieces = text.split("\n")
    if len(pieces) > reading.limits.max_rows + 1:
        return None, _single(
            source,
            _("more than {limit} lines", limit=f"{reading.limits.max_rows:,}"),
            file_order,
        )
    last = len(pieces)
    for number, line in enumerate(pieces, start=1):
        if not line.strip():
            continue
        record, problem = json_line(line, reading.limits, torn=number == last)
        if problem is not None:
            findings.add((file_order, number, 0), Problem(f"{source} line {number}", problem))
            continue
        records.append(record)
        lines.append(number)

    def locate(index: int, column: str | None) -> tuple[int, str]:
        line = lines[index]
        return line, f"{source} line {line}" + (f", field {column}" if column else "")

    if not records and findings.total:
        return None, findings
    table, found = _from_records(records, locate, source, reading, file_order)
    findings.extend(found)
    return table, findings


def _from_records(
    records: list[Any],
    locate: Locate,
    source: str,
    reading: _Reading,
    file_order: int,
) -> tuple[pa.Table | None, Findings]:
    """JSON objects → columns of text (booleans and numbers as JSON writes them). A record that
    is not an object, or has none of the fields of a scan event (``{}``), is a located mistake."""
    findings = Findings()
    known = set(SCAN_EVENT_COLUMNS)
    present: set[str] = set()
    unknown: set[str] = set()
    skip = np.zeros(len(records), dtype=bool)
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not known.intersection(record):
            skip[index] = True
            order, place = locate(index, None)
            message = (
                _("must be an object of field names")
                if not isinstance(record, dict)
                else _(
                    "has none of the fields of a scan event: {columns}",
                    columns=", ".join(REQUIRED_COLUMNS),
                )
            )
            findings.add((file_order, order, 0), Problem(place, message))
            if not isinstance(record, dict):
                continue
        present.update(key for key in record if key in known)
        unknown.update(key for key in record if key not in known)
    if unknown:
        findings.add(
            (file_order, -1, 1),
            Problem(
                source,
                _("unknown columns: {columns}", columns=", ".join(sorted(unknown)[:20])),
            ),
        )
    if skip.all() and findings.total:
        return None, findings  # nothing but broken lines, non-objects or empty objects
    rows = [record if isinstance(record, dict) else {} for record in records]
    columns: dict[str, pa.Array] = {}
    for name in SCAN_EVENT_COLUMNS:
        if name not in present:
            continue
        values = [json_cell(row.get(name)) for row in rows]
        for index, value in enumerate(values):
            if isinstance(value, Message):
                order, place = locate(index, name)
                findings.add(
                    (file_order, order, 1 + SCAN_EVENT_COLUMNS.index(name)), Problem(place, value)
                )
                values[index] = None
        columns[name] = pa.array(values, type=pa.string())
    table, found = _validate(
        columns,
        locate,
        source,
        file_order,
        reading,
        drop_blank=False,
        skip=skip,
        rows=len(records),
    )
    findings.extend(found)
    return table, findings


# --- validation, column by column ------------------------------------------------------------


def _validate(
    columns: Mapping[str, pa.Array | pa.ChunkedArray],
    locate: Locate,
    source: str,
    file_order: int,
    reading: _Reading,
    *,
    drop_blank: bool,
    skip: BoolArray | None = None,
    rows: int | None = None,
) -> tuple[pa.Table | None, Findings]:
    """Turn columns of text (or typed Parquet columns) into a SCAN_EVENT_SCHEMA table."""
    findings = Findings()
    count = rows if rows is not None else (len(next(iter(columns.values()))) if columns else 0)
    if not _columns_complete(columns, count, source, file_order, findings):
        return None, findings
    converted = _text_and_typed(columns, source, file_order, findings)
    if converted is None:
        return None, findings
    text, typed = converted
    keep = rows_kept(text, typed, count, skip, drop_blank=drop_blank)
    checks, values = column_rules(text, typed, count, keep, reading.window)
    _conditional_columns(columns, values["event"], keep, source, file_order, findings)
    _report_checks(checks, text, keep, locate, file_order, findings)
    if findings.total:
        return None, findings
    kept = None if keep.all() else pa.array(keep)
    arrays = [
        values[name] if kept is None else values[name].filter(kept) for name in SCAN_EVENT_COLUMNS
    ]
    return pa.Table.from_arrays(arrays, schema=SCAN_EVENT_SCHEMA), findings


def _columns_complete(
    columns: Mapping[str, object], count: int, source: str, file_order: int, findings: Findings
) -> bool:
    """Report unknown columns, and whether the file has rows and every required column (if
    not, that is reported and the rows are not checked)."""
    unknown = [name for name in columns if name not in SCAN_EVENT_COLUMNS]
    if unknown:
        findings.add(
            (file_order, -1, 1),
            Problem(source, _("unknown columns: {columns}", columns=", ".join(unknown))),
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing and count:
        findings.add(
            (file_order, -1, 2),
            Problem(source, _("missing columns: {columns}", columns=", ".join(missing))),
        )
        return False
    if count == 0:
        findings.add((file_order, -1, 3), Problem(source, _("the file has no scan events")))
        return False
    return True


def _text_and_typed(
    columns: Mapping[str, pa.Array | pa.ChunkedArray],
    source: str,
    file_order: int,
    findings: Findings,
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]] | None:
    """The known columns as trimmed text, except times and security flags a Parquet file
    already stores typed; None (and a problem) for a column that cannot be used at all."""
    text: dict[str, pa.Array] = {}
    typed: dict[str, pa.Array] = {}
    for name in SCAN_EVENT_COLUMNS:
        if name not in columns:
            continue
        array = combined(columns[name])
        if name == "time" and pa.types.is_timestamp(array.type):
            if array.type.tz is None:
                findings.add(
                    (file_order, -1, 4),
                    Problem(
                        f"{source}, column time",
                        _(
                            "the times have no time zone: store them as timestamps with a time "
                            "zone (UTC)"
                        ),
                    ),
                )
                return None
            try:  # nanoseconds are cut to microseconds; seconds that overflow are refused
                typed[name] = pc.cast(
                    array, pa.timestamp("us", tz="UTC"), safe=array.type.unit != "ns"
                )
            except pa.ArrowInvalid:
                findings.add(
                    (file_order, -1, 4),
                    Problem(f"{source}, column time", _("holds times beyond the year 9999")),
                )
                return None
        elif name in SECURITY_FLAGS and pa.types.is_boolean(array.type):
            typed[name] = array
        else:
            try:
                text[name] = cleaned(pc.cast(array, pa.string()))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                findings.add(
                    (file_order, -1, 5),
                    Problem(f"{source}, column {name}", _("cannot be read as text")),
                )
                return None
    return text, typed


def _report_checks(
    checks: list[ColumnCheck],
    text: dict[str, pa.Array],
    keep: BoolArray,
    locate: Locate,
    file_order: int,
    findings: Findings,
) -> None:
    """Each failing cell of the rows kept, up to MAX_LISTED_PROBLEMS a rule, the rest
    counted; ordered by row, then column, then the rule's place among the checks."""
    for position, check in enumerate(checks):
        failing = check.failing & keep
        total = int(failing.sum())
        if not total:
            continue
        column_order = SCAN_EVENT_COLUMNS.index(check.column)
        shown = np.flatnonzero(failing)[:MAX_LISTED_PROBLEMS]
        cells = text.get(check.column)
        for index in shown.tolist():
            value = cells[index].as_py() if cells is not None else None
            order, place = locate(index, check.column)
            findings.add(
                (file_order, order, 100 + column_order * 100 + position),
                Problem(place, check.message(value)),
            )
        findings.total += total - len(shown)


def _conditional_columns(
    columns: Mapping[str, object],
    events: pa.Array,
    keep: BoolArray,
    source: str,
    file_order: int,
    findings: Findings,
) -> None:
    """A column left out that some rows need is reported once, not once a row."""
    needs = {
        "reason": EventType.exception.value,
        "next_node_id": EventType.depart.value,
        **dict.fromkeys(SECURITY_FLAGS, EventType.accept.value),
    }
    for column, event in needs.items():
        if column in columns:
            continue
        rows = int((equals(events, event) & keep).sum())
        if rows:
            findings.add(
                (file_order, -1, 6),
                Problem(
                    source,
                    _(
                        "missing column {column}: {rows} {event} events need it",
                        column=column,
                        rows=f"{rows:,}",
                        event=event,
                    ),
                ),
            )
