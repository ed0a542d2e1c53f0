"""Daily volume history and platform-announced plans in (CSV or Excel, or JSON rows).

History file (docs/reference/forecast-files.md): one row per series and day with the columns
``day, carrier, region, node, volume``. A row with a ``node`` id is that node's volume; a row
without one is the total of a city (region ``xxxx00``) or a province (``xx0000``). All rows
must be at one level, each series must give every day from its first to the last once, and
all series must end on the same day (the forecast origin).

Announced-plans file: ``day, multiple`` and optionally ``carrier, region``: on ``day`` expect
``multiple`` × a normal day's volume, for every series, or only for those of ``carrier``
and/or inside ``region``.

Every bad cell is reported with its file, row and column (``history.csv row 4, column
volume``), whole-series mistakes with the series (``history.csv: node:ZTO:ZTO-CD-HUB``), and
nothing is returned until the file is clean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from peakguard.domain.network import Identifier, RegionCode
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import DailyVolume, Level, SeriesHistory, SeriesKey, group_history
from peakguard.forecast.scoped import ScopedAnnouncement
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.table_intake import Table, cannot_read
from peakguard.formats.table_intake import read_table as intake_table
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _

HISTORY_COLUMNS = ("day", "carrier", "region", "node", "volume")
HISTORY_REQUIRED = ("day", "volume")
ANNOUNCED_COLUMNS = ("day", "multiple", "carrier", "region")
ANNOUNCED_REQUIRED = ("day", "multiple")
MAX_VOLUME = 1e10
"""Parcels of one series on one day: ten times the country's yearly record, so only a typing
mistake (or 1e30) goes past it."""
MAX_MULTIPLE = 1000.0
"""An announced day's volume as a multiple of a normal day's (Singles' Day is some 3 to 5)."""

Locate = Callable[[int, str | None], str]
"""(row index, column or None) → the location a person reads."""

NodePlaces = Mapping[str, tuple[str, str]]
"""Node id → (carrier, region), from a network: fills blank cells and checks the rest."""

RowModel = TypeVar("RowModel", bound=BaseModel)


class _HistoryRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    day: date
    carrier: Identifier | None = None
    region: RegionCode | None = None
    node: Identifier | None = None
    volume: Annotated[float, Field(ge=0, le=MAX_VOLUME, allow_inf_nan=False)]


class _AnnouncedRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    day: date
    multiple: Annotated[float, Field(gt=0, le=MAX_MULTIPLE, allow_inf_nan=False)]
    carrier: Identifier | None = None
    region: RegionCode | None = None


# -- reading tables ------------------------------------------------------------------------


def read_rows(path: Path, sheet: str, *, limits: InputLimits = DEFAULT_LIMITS) -> Table:
    """A UTF-8 CSV file or an .xlsx workbook's sheet ``sheet`` (or its first sheet), through the
    guarded table intake: each row with its real line or sheet row."""
    if not path.name.lower().endswith((".csv", ".xlsx")):
        if not path.exists():
            raise cannot_read(str(path), _("no such file"))
        raise cannot_read(path.name, _("use a .csv or .xlsx file"), path)
    return intake_table(path, sheet, limits=limits)


def read_table(
    path: Path, sheet: str, *, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The rows of :func:`read_rows` as (row number, cells by column), and the header; a row
    refused while reading (extra cells) is an error here."""
    table = read_rows(path, sheet, limits=limits)
    if table.problems:
        raise InvalidInputError(_("cannot read {path}", path=str(path)), table.problems)
    return table.records(), list(table.header)


def clean_cell(value: Any) -> Any:
    """Excel's dates as YYYY-MM-DD, whole numbers read as codes where text is wanted."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _record(
    row: Mapping[str, Any], columns: tuple[str, ...], text: tuple[str, ...]
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, raw in row.items():
        if key not in columns:
            continue
        value = clean_cell(raw)
        if value in (None, ""):
            continue
        if key in text and isinstance(value, int | float) and float(value).is_integer():
            value = str(int(value))
        record[key] = value
    return record


def _header_problems(
    path: Path, header: list[str], columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[list[Problem], bool]:
    problems: list[Problem] = []
    missing = [column for column in required if column not in header]
    if missing:
        problems.append(
            Problem(path.name, _("missing columns: {columns}", columns=", ".join(missing)))
        )
    unknown = [column for column in header if column and column not in columns]
    if unknown:
        problems.append(
            Problem(path.name, _("unknown columns: {columns}", columns=", ".join(unknown)))
        )
    return problems, bool(missing)


def cell_message(item: ErrorDetails) -> Message:
    """Pydantic's error for one cell, with days said in words."""
    if item["type"].startswith("date"):
        return day_message(item.get("input"))
    return message_for(item)


def day_message(value: object) -> Message:
    """``'2024-13-01' is not a day written YYYY-MM-DD``."""
    return _(
        "{value!r} is not a day written YYYY-MM-DD",
        value=value if isinstance(value, str | int | float) else type(value).__name__,
    )


def _file_locator(table: Table) -> Locate:
    numbers = [number for number, _cells in table.rows]

    def locate(index: int, column: str | None) -> str:
        return table.place(numbers[index], column)

    return locate


def _records_locator(source: str) -> Locate:
    def locate(index: int, column: str | None) -> str:
        return f"{source}[{index}].{column}" if column else f"{source}[{index}]"

    return locate


def _validated(
    model: type[RowModel], record: Any, index: int, locate: Locate, problems: list[Problem]
) -> RowModel | None:
    """One row checked; its mistakes appended to ``problems`` (so they stay in row order)."""
    try:
        return model.model_validate(record)
    except ValidationError as error:
        for item in error.errors():
            column = ".".join(str(part) for part in item["loc"]) or None
            problems.append(Problem(locate(index, column), cell_message(item)))
    return None


def _day_within(day: date, place: str, limits: InputLimits, problems: list[Problem]) -> bool:
    """Whether ``day`` lies in the years peakguard plans for; if not, that is a problem."""
    first, last = limits.earliest_time.date(), date(limits.latest_year, 12, 31)
    if first <= day <= last:
        return True
    problems.append(
        Problem(
            place,
            _("{day} is outside {first} to {last}", day=day.isoformat(), first=first, last=last),
        )
    )
    return False


# -- history -------------------------------------------------------------------------------


def read_history(
    path: Path, *, nodes: NodePlaces | None = None, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[SeriesHistory, ...]:
    """The series of a history file (.csv or .xlsx, sheet ``history`` or the first); every
    mistake located, nothing returned on error. ``nodes`` (from a network) fills blank
    ``carrier`` and ``region`` cells of node rows and refuses unknown nodes."""
    table = read_rows(path, "history", limits=limits)
    header = list(table.header)
    problems, fatal = _header_problems(path, header, HISTORY_COLUMNS, HISTORY_REQUIRED)
    if fatal:
        raise InvalidInputError(_("the history has mistakes"), problems)
    problems.extend(table.problems)
    if not table.rows and not table.problems:
        problems.append(Problem(path.name, _("no history was given")))
    records = [
        _record(row, HISTORY_COLUMNS, ("carrier", "region", "node")) for _n, row in table.records()
    ]
    return _history(records, _file_locator(table), path.name, problems, nodes, limits)


def parse_history(
    records: object,
    *,
    source: str = "history",
    nodes: NodePlaces | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> tuple[SeriesHistory, ...]:
    """The series of JSON-like rows (the API's body); mistakes located as ``history[3].volume``."""
    if not isinstance(records, list):
        raise InvalidInputError(
            _("the history has mistakes"), [Problem(source, _("must be a list"))]
        )
    problems = [] if records else [Problem(source, _("no history was given"))]
    return _history(records, _records_locator(source), source, problems, nodes, limits)


def _history(
    records: list[Any],
    locate: Locate,
    source: str,
    problems: list[Problem],
    nodes: NodePlaces | None,
    limits: InputLimits,
) -> tuple[SeriesHistory, ...]:
    problems = list(problems)
    seen: dict[tuple[SeriesKey, date], int] = {}
    days: dict[SeriesKey, list[date]] = defaultdict(list)
    volumes: list[DailyVolume] = []
    for index, record in enumerate(records):
        row = _validated(_HistoryRow, record, index, locate, problems)
        if row is None or not _day_within(row.day, locate(index, "day"), limits, problems):
            continue
        key = _series_key(row, index, locate, nodes, problems)
        if key is None:
            continue
        earlier = seen.get((key, row.day))
        if earlier is not None:
            problems.append(
                Problem(
                    locate(index, "day"),
                    _(
                        "{day} is already given for {series} at {place}",
                        day=row.day.isoformat(),
                        series=key.label(),
                        place=locate(earlier, None),
                    ),
                )
            )
            continue
        seen[(key, row.day)] = index
        days[key].append(row.day)
        volumes.append(DailyVolume(key, row.day, row.volume))
    levels = sorted({key.level.value for key in days})
    if len(levels) > 1:
        problems.append(
            Problem(
                source,
                _("all series must be at one level; found {levels}", levels=", ".join(levels)),
            )
        )
    origin = max((max(given) for given in days.values()), default=None)
    for key in sorted(days):
        given = days[key]
        first, last = min(given), max(given)
        missing = (last - first).days + 1 - len(given)
        if missing:
            problems.append(
                Problem(
                    f"{source}: {key.label()}",
                    _(
                        "{count} days are missing between {first} and {last}",
                        count=missing,
                        first=first,
                        last=last,
                    ),
                )
            )
        if origin is not None and last != origin:
            problems.append(
                Problem(
                    f"{source}: {key.label()}",
                    _(
                        "ends on {last}, but other series go on to {origin}: every series "
                        "must end on the same day",
                        last=last,
                        origin=origin,
                    ),
                )
            )
    if problems:
        raise InvalidInputError(_("the history has mistakes"), problems)
    return group_history(volumes)


def _series_key(
    row: _HistoryRow,
    index: int,
    locate: Locate,
    nodes: NodePlaces | None,
    problems: list[Problem],
) -> SeriesKey | None:
    carrier, region = row.carrier, row.region
    if row.node is not None and nodes is not None:
        place = nodes.get(row.node)
        if place is None:
            problems.append(Problem(locate(index, "node"), _("unknown node {node}", node=row.node)))
            return None
        for column, given, expected in (
            ("carrier", carrier, place[0]),
            ("region", region, place[1]),
        ):
            if given is not None and given != expected:
                problems.append(
                    Problem(
                        locate(index, column),
                        _(
                            "the network gives {node} the {column} {expected}",
                            node=row.node,
                            column=column,
                            expected=expected,
                        ),
                    )
                )
                return None
        carrier, region = place
    located = True
    for column, value in (("carrier", carrier), ("region", region)):
        if value is None:
            problems.append(Problem(locate(index, column), _("is required")))
            located = False
    if not located or carrier is None or region is None:
        return None
    if row.node is not None:
        return SeriesKey(Level.node, carrier, region, row.node)
    if region.endswith("0000"):
        return SeriesKey(Level.province, carrier, region)
    if region.endswith("00"):
        return SeriesKey(Level.city, carrier, region)
    problems.append(
        Problem(
            locate(index, "node"),
            _(
                "a row without a node is a city (xxxx00) or province (xx0000) total; "
                "{region} is a district: give the node",
                region=region,
            ),
        )
    )
    return None


# -- announced plans -----------------------------------------------------------------------


def read_announced(
    path: Path, *, limits: InputLimits = DEFAULT_LIMITS
) -> tuple[ScopedAnnouncement, ...]:
    """The announced plans of a .csv or .xlsx file (sheet ``announced`` or the first)."""
    table = read_rows(path, "announced", limits=limits)
    problems, fatal = _header_problems(
        path, list(table.header), ANNOUNCED_COLUMNS, ANNOUNCED_REQUIRED
    )
    if fatal:
        raise InvalidInputError(_("the announced plans have mistakes"), problems)
    problems.extend(table.problems)
    records = [
        _record(row, ANNOUNCED_COLUMNS, ("carrier", "region")) for _n, row in table.records()
    ]
    return _announced(records, _file_locator(table), problems, limits)


def parse_announced(
    records: object, *, source: str = "announced", limits: InputLimits = DEFAULT_LIMITS
) -> tuple[ScopedAnnouncement, ...]:
    """Announced plans from JSON-like rows; mistakes located as ``announced[2].multiple``."""
    if not isinstance(records, list):
        raise InvalidInputError(
            _("the announced plans have mistakes"), [Problem(source, _("must be a list"))]
        )
    return _announced(records, _records_locator(source), [], limits)


def _announced(
    records: list[Any], locate: Locate, problems: list[Problem], limits: InputLimits
) -> tuple[ScopedAnnouncement, ...]:
    problems = list(problems)
    seen: dict[tuple[date, str | None, str | None], int] = {}
    result: list[ScopedAnnouncement] = []
    for index, record in enumerate(records):
        row = _validated(_AnnouncedRow, record, index, locate, problems)
        if row is None or not _day_within(row.day, locate(index, "day"), limits, problems):
            continue
        scope = (row.day, row.carrier, row.region)
        if scope in seen:
            problems.append(
                Problem(
                    locate(index, "day"),
                    _(
                        "{day} is already announced for this carrier and region at {place}",
                        day=row.day.isoformat(),
                        place=locate(seen[scope], None),
                    ),
                )
            )
            continue
        seen[scope] = index
        result.append(ScopedAnnouncement(row.day, row.multiple, row.carrier, row.region))
    if problems:
        raise InvalidInputError(_("the announced plans have mistakes"), problems)
    return tuple(result)
