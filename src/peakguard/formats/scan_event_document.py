"""Scan events in: CSV (also ``.csv.gz``), Parquet and JSON lines, or JSON records from the API.

Every file becomes one pyarrow table with :data:`~peakguard.domain.scans.SCAN_EVENT_SCHEMA`,
or an :class:`~peakguard.errors.InvalidInputError` that lists every bad cell with its place
(``events.csv row 3, column time``), up to :data:`MAX_LISTED_PROBLEMS` listed and all counted.
The format is documented in ``docs/reference/scan-events.md``.

The checks run column by column with ``pyarrow.compute`` and numpy, never row by row in Python
(except to turn JSON records into columns), so a million-row file validates in seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from peakguard.domain.scans import (
    SCAN_EVENT_SCHEMA,
    SECURITY_FLAGS,
    EventType,
    ExceptionReason,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _

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
DEFAULT_PRODUCT = "standard"
MAX_LISTED_PROBLEMS = 200
"""Problems listed in one error; the rest are counted in a final "and N more" problem."""
SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl", ".ndjson")

_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"  # date and time of day
_OFFSET = r"([Zz]|[+-]\d{2}(:?\d{2})?)$"
_REGION = r"^[1-8]\d{5}$"
_CARRIER = r"^[A-Za-z0-9_-]{1,32}$"
_TRUE = ("true", "yes", "y", "1", "t", "是")
_FALSE = ("false", "no", "n", "0", "f", "否")
_EXAMPLE_TIME = "2026-11-11T08:00:00+08:00"

BoolArray = npt.NDArray[np.bool_]
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


@dataclass
class _Check:
    """The rows of one column that fail one rule, and what to tell the user about each."""

    column: str
    failing: BoolArray
    message: Callable[[str | None], Message]


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
        return None, findings
    if count == 0:
        findings.add((file_order, -1, 3), Problem(source, _("the file has no scan events")))
        return None, findings

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
                return None, findings
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
                return None, findings

    keep = np.ones(count, dtype=bool) if skip is None else ~skip
    if drop_blank:
        blank = np.ones(count, dtype=bool)
        for array in text.values():
            blank &= _is_empty(array)
        for array in typed.values():
            blank &= _null(array)
        keep &= ~blank

    checks, values = _rules(text, typed, count, keep)
    _conditional_columns(columns, values["event"], keep, source, file_order, findings)
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
    if findings.total:
        return None, findings

    kept = None if keep.all() else pa.array(keep)
    arrays = [
        values[name] if kept is None else values[name].filter(kept) for name in SCAN_EVENT_COLUMNS
    ]
    return pa.Table.from_arrays(arrays, schema=SCAN_EVENT_SCHEMA), findings


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
        rows = int((_equals(events, event) & keep).sum())
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


def _rules(
    text: dict[str, pa.Array], typed: dict[str, pa.Array], count: int, keep: BoolArray
) -> tuple[list[_Check], dict[str, pa.Array]]:
    """Every rule of docs/reference/scan-events.md as a mask of failing rows, and the columns
    converted to their stored types."""
    empty_column = pa.nulls(count, pa.string())
    checks: list[_Check] = []
    values: dict[str, pa.Array] = {}

    def cells(name: str) -> pa.Array:
        return text.get(name, empty_column)

    for name in ("waybill", "node_id"):
        values[name] = cells(name)
        checks.append(_Check(name, _null(values[name]), lambda _value: _("is required")))

    carrier = cells("carrier")
    values["carrier"] = pc.utf8_upper(carrier)
    checks.append(_Check("carrier", _null(carrier), lambda _value: _("is required")))
    checks.append(
        _Check(
            "carrier",
            _not_matching(carrier, _CARRIER),
            lambda value: _(
                "{value!r} is not a carrier code: letters, digits, - and _ only, e.g. ZTO",
                value=value,
            ),
        )
    )

    event = pc.utf8_lower(cells("event"))
    values["event"] = event
    event_choices = ", ".join(item.value for item in EventType)
    known_event = _in(event, [item.value for item in EventType])
    checks.append(_Check("event", _null(event), lambda _value: _("is required")))
    checks.append(
        _Check(
            "event",
            ~_null(event) & ~known_event,
            lambda value: _(
                "{value!r} is not one of {expected}", value=value, expected=event_choices
            ),
        )
    )
    is_exception = _equals(event, EventType.exception.value)
    is_accept = _equals(event, EventType.accept.value)
    is_depart = _equals(event, EventType.depart.value)

    reason = pc.utf8_lower(cells("reason"))
    values["reason"] = reason
    reason_choices = ", ".join(item.value for item in ExceptionReason)
    checks.append(
        _Check(
            "reason",
            is_exception & _null(reason) & ("reason" in text),
            lambda _value: _(
                "is required on exception events: one of {expected}", expected=reason_choices
            ),
        )
    )
    checks.append(
        _Check(
            "reason",
            is_exception & ~_null(reason) & ~_in(reason, [item.value for item in ExceptionReason]),
            lambda value: _(
                "{value!r} is not one of {expected}", value=value, expected=reason_choices
            ),
        )
    )
    checks.append(
        _Check(
            "reason",
            known_event & ~is_exception & ~_null(reason),
            lambda _value: _("only exception events have a reason: leave it empty"),
        )
    )

    time, time_checks = _times(text, typed, count, keep)
    values["time"] = time
    checks.extend(time_checks)

    values["next_node_id"] = cells("next_node_id")
    checks.append(
        _Check(
            "next_node_id",
            is_depart & _null(values["next_node_id"]) & ("next_node_id" in text),
            lambda _value: _("is required on depart events: the node the parcel left for"),
        )
    )

    for name in ("origin_region", "destination_region"):
        region = cells(name)
        values[name] = region
        checks.append(_Check(name, _null(region), lambda _value: _("is required")))
        checks.append(
            _Check(
                name,
                ~_null(region) & _not_matching(region, _REGION),
                lambda value: _(
                    "{value!r} is not {expected}",
                    value=value,
                    expected=_("a six-digit GB/T 2260 region code such as 510100"),
                ),
            )
        )

    product = cells("product")
    values["product"] = pc.fill_null(product, DEFAULT_PRODUCT)

    for name in SECURITY_FLAGS:
        if name in typed:
            flag = typed[name]
            unreadable = np.zeros(count, dtype=bool)
        else:
            raw = pc.utf8_lower(cells(name))
            truthy, falsy = _in(raw, list(_TRUE)), _in(raw, list(_FALSE))
            unreadable = ~_null(raw) & ~truthy & ~falsy
            flag = pc.if_else(
                pa.array(truthy),
                pa.scalar(True),
                pc.if_else(pa.array(falsy), pa.scalar(False), pa.scalar(None, pa.bool_())),
            )
        values[name] = flag
        missing = _null(flag) & ~unreadable
        checks.append(
            _Check(
                name,
                is_accept & missing & (name in text or name in typed),
                lambda _value: _("is required on accept events: true or false"),
            )
        )
        checks.append(
            _Check(
                name,
                unreadable,
                lambda value: _("must be true or false, not {value!r}", value=value),
            )
        )
        checks.append(
            _Check(
                name,
                known_event & ~is_accept & ~_null(flag),
                lambda _value: _("only accept events carry the security flags: leave it empty"),
            )
        )
    return checks, values


def _times(
    text: dict[str, pa.Array], typed: dict[str, pa.Array], count: int, keep: BoolArray
) -> tuple[pa.Array, list[_Check]]:
    """ISO 8601 times with an offset → UTC microseconds; naive times are refused."""
    if "time" in typed:
        time = typed["time"]
        return time, [_Check("time", _null(time), lambda _value: _("is required"))]
    raw = text.get("time", pa.nulls(count, pa.string()))
    present = ~_null(raw)
    shaped = _matching(raw, _TIME + _OFFSET)
    odd = present & ~shaped
    naive = odd & _matching(raw, _TIME + "$") if odd.any() else odd
    malformed = odd & ~naive
    usable = shaped & keep
    candidates = raw if (usable == present).all() else pc.if_else(pa.array(usable), raw, None)
    try:  # the common case: every time in a form arrow reads directly
        time, unparsable = pc.cast(candidates, pa.timestamp("us", tz="UTC")), odd & False
    except pa.ArrowInvalid:
        candidates = pc.replace_substring_regex(candidates, r"(\.\d{6})\d+", r"\1")
        candidates = pc.replace_substring_regex(candidates, r"z$", "Z")
        time, unparsable = _cast_times(candidates)
    example = _EXAMPLE_TIME
    checks = [
        _Check("time", ~present, lambda _value: _("is required")),
        _Check(
            "time",
            naive,
            lambda _value: _("needs a time zone, e.g. {example}", example=example),
        ),
        _Check(
            "time",
            malformed | (unparsable & usable),
            lambda value: _(
                "{value!r} is not a time: use ISO 8601 with a time zone, e.g. {example}",
                value=value,
                example=example,
            ),
        ),
    ]
    return time, checks


def _cast_times(strings: pa.Array) -> tuple[pa.Array, BoolArray]:
    """Cast to UTC timestamps; a string arrow cannot parse (a 30 February) becomes null and is
    marked. Whole blocks are cast at once and only failing blocks are halved."""
    target = pa.timestamp("us", tz="UTC")
    bad = np.zeros(len(strings), dtype=bool)

    def cast(start: int, length: int) -> list[pa.Array]:
        piece = strings.slice(start, length)
        try:
            return [pc.cast(piece, target)]
        except pa.ArrowInvalid:
            if length == 1:
                bad[start] = True
                return [pa.nulls(1, target)]
            half = length // 2
            return cast(start, half) + cast(start + half, length - half)

    parts = cast(0, len(strings)) if len(strings) else [pa.array([], target)]
    return pa.concat_arrays(parts), bad


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


def _mask(values: pa.Array | pa.ChunkedArray) -> BoolArray:
    filled = pc.fill_null(values, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _null(array: pa.Array) -> BoolArray:
    return _mask(pc.is_null(array))


def _is_empty(array: pa.Array) -> BoolArray:
    return _null(array)


def _in(array: pa.Array, choices: Iterable[str]) -> BoolArray:
    return _mask(pc.is_in(array, value_set=pa.array(list(choices), pa.string())))


def _equals(array: pa.Array, value: str) -> BoolArray:
    return _mask(pc.equal(array, value))


def _matching(array: pa.Array, pattern: str) -> BoolArray:
    return _mask(pc.match_substring_regex(array, pattern))


def _not_matching(array: pa.Array, pattern: str) -> BoolArray:
    return ~_null(array) & ~_matching(array, pattern)
