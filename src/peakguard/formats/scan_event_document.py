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

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from peakguard.domain.scans import (
    SCAN_EVENT_SCHEMA,
    SECURITY_FLAGS,
    EventType,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.scan_event_rules import (
    DEFAULT_PRODUCT,
    BoolArray,
    ColumnCheck,
    column_rules,
    equals,
    is_null,
)
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


def read_events(path: Path) -> pa.Table:
    """One scan-event file (chosen by suffix), validated in full."""
    return read_event_files([path])


def read_event_files(paths: Sequence[Path]) -> pa.Table:
    """Several files as one table; every file is read and every mistake reported at once."""
    findings = Findings()
    tables: list[pa.Table] = []
    for number, path in enumerate(paths):
        table, found = _read_one(path, file_order=number)
        findings.extend(found)
        if table is not None:
            tables.append(table)
    findings.raise_if_any()
    if not tables:
        return SCAN_EVENT_SCHEMA.empty_table()
    return pa.concat_tables(tables)


def parse_events(records: object, *, source: str = "events") -> pa.Table:
    """Scan events from JSON-like records (the API's body); mistakes are located as
    ``events[3].time`` (0-based, as in the request)."""
    if not isinstance(records, list):
        raise InvalidInputError(
            _("The scan events have mistakes: {count} in all.", count="1"),
            [Problem(source, _("must be a list of scan events"))],
        )

    def locate(index: int, column: str | None) -> tuple[int, str]:
        return index, f"{source}[{index}]" + (f".{column}" if column else "")

    table, findings = _from_records(records, locate, source, 0)
    findings.raise_if_any()
    assert table is not None
    return table


def parse_event_lines(text: bytes, *, source: str = "request") -> pa.Table:
    """Scan events from JSON lines (one object a line); mistakes are located by line number."""
    table, findings = _from_json_lines(text, source, 0)
    findings.raise_if_any()
    assert table is not None
    return table


def _read_one(path: Path, *, file_order: int) -> tuple[pa.Table | None, Findings]:
    name = path.name.lower()
    if not path.exists():
        return None, _single(str(path), _("no such file"), file_order)
    if name.endswith((".csv", ".csv.gz")):
        return _from_csv(path, file_order)
    if name.endswith(".parquet"):
        return _from_parquet(path, file_order)
    if name.endswith((".jsonl", ".ndjson")):
        try:
            data = path.read_bytes()
        except OSError:
            return None, _single(path.name, _("cannot read the file"), file_order)
        return _from_json_lines(data, path.name, file_order)
    return None, _single(
        path.name,
        _("use a .csv, .csv.gz, .parquet or .jsonl file of scan events"),
        file_order,
    )


def _single(location: str, message: Message, file_order: int) -> Findings:
    findings = Findings()
    findings.add((file_order, -1, 0), Problem(location, message))
    return findings


# --- the three file forms and JSON records → columns of text ---------------------------------


def _from_csv(path: Path, file_order: int) -> tuple[pa.Table | None, Findings]:
    skipped: list[int | None] = []

    def skip(row: Any) -> str:
        skipped.append(row.number)
        return "skip"

    def read(threads: bool) -> pa.Table:
        skipped.clear()
        return pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(use_threads=threads),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=skip),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(SCAN_EVENT_COLUMNS, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        raw = read(threads=True)
        if skipped and None in skipped:
            raw = read(threads=False)  # only a single-threaded read knows the skipped lines
    except pa.ArrowInvalid as error:
        text = str(error)
        if "UTF8" in text or "utf8" in text.lower():
            message = _("the file is not UTF-8 text: save it as UTF-8 and retry")
        else:
            message = _("not a readable CSV file: {detail}", detail=text.splitlines()[0])
        return None, _single(path.name, message, file_order)
    except OSError:
        return None, _single(path.name, _("cannot read the file"), file_order)
    findings = Findings()
    bad_lines = sorted(number for number in skipped if number is not None)
    for line in bad_lines:
        findings.add(
            (file_order, line, 0),
            Problem(
                f"{path.name} row {line}",
                _("wrong number of cells: the header has {count} columns", count=raw.num_columns),
            ),
        )
    skipped_lines = np.asarray(bad_lines, dtype=np.int64)

    def locate(index: int, column: str | None) -> tuple[int, str]:
        # Spreadsheet rows: the header is row 1; rows the reader skipped keep their numbers.
        row = index + 2
        for line in skipped_lines:
            if line <= row:
                row += 1
        return row, f"{path.name} row {row}" + (f", column {column}" if column else "")

    columns = {name: raw.column(name) for name in raw.column_names}
    table, found = _validate(columns, locate, path.name, file_order, drop_blank=True)
    findings.extend(found)
    return table, findings


def _from_parquet(path: Path, file_order: int) -> tuple[pa.Table | None, Findings]:
    try:
        raw = pq.read_table(path)
    except (pa.ArrowInvalid, OSError):
        return None, _single(path.name, _("not a Parquet file"), file_order)
    columns = {name: raw.column(name) for name in raw.column_names}

    def locate(index: int, column: str | None) -> tuple[int, str]:
        return index + 1, f"{path.name} row {index + 1}" + (f", column {column}" if column else "")

    return _validate(
        columns,
        locate,
        path.name,
        file_order,
        drop_blank=False,
    )


def _from_json_lines(data: bytes, source: str, file_order: int) -> tuple[pa.Table | None, Findings]:
    findings = Findings()
    records: list[Any] = []
    lines: list[int] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, _single(
            source, _("the file is not UTF-8 text: save it as UTF-8 and retry"), file_order
        )
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            findings.add(
                (file_order, number, 0),
                Problem(f"{source} line {number}", _("not valid JSON: {detail}", detail=error.msg)),
            )
            continue
        records.append(record)
        lines.append(number)

    def locate(index: int, column: str | None) -> tuple[int, str]:
        line = lines[index]
        return line, f"{source} line {line}" + (f", field {column}" if column else "")

    table, found = _from_records(records, locate, source, file_order)
    findings.extend(found)
    return table, findings


def _from_records(
    records: list[Any],
    locate: Locate,
    source: str,
    file_order: int,
) -> tuple[pa.Table | None, Findings]:
    """JSON objects → columns of text (booleans and numbers as JSON writes them)."""
    findings = Findings()
    known = set(SCAN_EVENT_COLUMNS)
    present: set[str] = set()
    unknown: set[str] = set()
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            order, place = locate(index, None)
            findings.add(
                (file_order, order, 0), Problem(place, _("must be an object of field names"))
            )
            continue
        keys = record.keys()
        present.update(key for key in keys if key in known)
        unknown.update(key for key in keys if key not in known)
    if unknown:
        findings.add(
            (file_order, -1, 1),
            Problem(source, _("unknown columns: {columns}", columns=", ".join(sorted(unknown)))),
        )
    if records and not present and not unknown:
        return None, findings  # nothing but broken lines or non-objects: already reported
    rows = [record if isinstance(record, dict) else {} for record in records]
    columns: dict[str, pa.Array] = {}
    for name in SCAN_EVENT_COLUMNS:
        if name not in present:
            continue
        values = [_json_cell(row.get(name)) for row in rows]
        if _NOT_SCALAR in values:
            for index, value in enumerate(values):
                if value == _NOT_SCALAR:
                    order, place = locate(index, name)
                    findings.add(
                        (file_order, order, 1 + SCAN_EVENT_COLUMNS.index(name)),
                        Problem(place, _("must be text, a number, true or false")),
                    )
        columns[name] = pa.array(
            [None if value == _NOT_SCALAR else value for value in values], type=pa.string()
        )
    skip = np.fromiter((not isinstance(record, dict) for record in records), bool, len(records))
    table, found = _validate(
        columns, locate, source, file_order, drop_blank=False, skip=skip, rows=len(records)
    )
    findings.extend(found)
    return table, findings


_NOT_SCALAR = "\x00not a scalar"


def _json_cell(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _NOT_SCALAR  # a list or an object


# --- validation, column by column ------------------------------------------------------------


def _validate(
    columns: Mapping[str, pa.Array | pa.ChunkedArray],
    locate: Locate,
    source: str,
    file_order: int,
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
    keep = _rows_kept(text, typed, count, skip, drop_blank=drop_blank)
    checks, values = column_rules(text, typed, count, keep)
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
        array = _combine(columns[name])
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
            typed[name] = pc.cast(array, pa.timestamp("us", tz="UTC"), safe=False)
        elif name in SECURITY_FLAGS and pa.types.is_boolean(array.type):
            typed[name] = array
        else:
            try:
                text[name] = _clean(pc.cast(array, pa.string()))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                findings.add(
                    (file_order, -1, 5),
                    Problem(f"{source}, column {name}", _("cannot be read as text")),
                )
                return None
    return text, typed


def _rows_kept(
    text: dict[str, pa.Array],
    typed: dict[str, pa.Array],
    count: int,
    skip: BoolArray | None,
    *,
    drop_blank: bool,
) -> BoolArray:
    """[row] checked and stored: not skipped (reported already), and with ``drop_blank``
    not blank in every column."""
    keep = np.ones(count, dtype=bool) if skip is None else ~skip
    if drop_blank:
        blank = np.ones(count, dtype=bool)
        for array in text.values():
            blank &= _is_empty(array)
        for array in typed.values():
            blank &= is_null(array)
        keep &= ~blank
    return keep


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


# --- small vectorised helpers ----------------------------------------------------------------


def _combine(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def _clean(array: pa.Array) -> pa.Array:
    """Trimmed text (ASCII spaces and tabs: ten times faster than Unicode trimming); empty
    cells become null."""
    trimmed = pc.ascii_trim_whitespace(array)
    return pc.if_else(pc.equal(pc.binary_length(trimmed), 0), None, trimmed)


def _is_empty(array: pa.Array) -> BoolArray:
    return is_null(array)
