"""Daily report files (CSV or Excel) read with every bad cell located, and the roll-up written.

A file holds one line per figure (docs/reference/daily-reports.md, docs/examples/daily-report.csv)::

    day,carrier,region,item,node,value,note
    2026-11-11,ZTO,510100,picked_up,,182000,
    2026-11-11,ZTO,510100,hub_backlog,CD-HUB-1,3200,
    2026-11-11,ZTO,510100,outlet_closed,CD-OUT-7,,road works

The lines of one (day, carrier, region) are one report: ``picked_up``, ``delivered``,
``backlog``, ``staff`` and ``vehicles`` once each, any number of ``hub_backlog`` (a node and its
parcels: the parts of ``backlog``) and ``outlet_closed`` (a node and, in ``note``, why). A blank
carrier is the sender's own brand. Every mistake is located ``daily-report.csv row 7, column
value``; one mistake and the file is refused whole.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from peakguard.cases.daily_reports import (
    FIGURES,
    ClosedOutlet,
    HubBacklog,
    ReportContent,
    content_problems,
    region_problem,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.table_intake import Table, cannot_read, read_table
from peakguard.i18n import Message, _

COLUMNS = ("day", "carrier", "region", "item", "node", "value", "note")
REQUIRED = ("day", "region", "item")
ITEMS = (*FIGURES, "hub_backlog", "outlet_closed")
MAX_LISTED = 100


@dataclass(frozen=True)
class FileReport:
    """One report of a file: its key as written and its figures, with its rows."""

    day: date
    carrier: str | None
    region: str
    content: ReportContent
    rows: tuple[int, ...]

    source: str = ""
    """The file (or sheet) it was read from."""

    @property
    def where(self) -> str:
        """``daily.csv rows 2-8, `` — the start of a location inside this report."""
        rows = (
            f"row {self.rows[0]}" if len(self.rows) == 1 else f"rows {self.rows[0]}-{self.rows[-1]}"
        )
        return f"{self.source} {rows}, column ".lstrip()


def read_daily_report_file(
    source: Path | bytes, file_name: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> list[FileReport]:
    """The reports of a file (a path, or an upload's bytes named ``file_name``); raises
    :class:`InvalidInputError` with every mistake located when there is any."""
    name = file_name or (source.name if isinstance(source, Path) else "daily-report.csv")
    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "daily-report.csv"
    if not name.lower().endswith((".csv", ".xlsx")):
        raise cannot_read(name, _("use a .csv or .xlsx file"), name)
    if isinstance(source, Path):
        table = read_table(source, limits=limits)
    else:
        if len(source) > limits.max_file_bytes:
            raise cannot_read(name, _("the file is too large"), name)
        with tempfile.TemporaryDirectory(prefix="peakguard-daily-") as folder:
            path = Path(folder) / name
            path.write_bytes(source)
            table = read_table(path, limits=limits)
    return parse_daily_report_table(table)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(_text(value))


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value).replace(",", "")
    if not text.lstrip("-").isdigit():
        raise ValueError(value)
    return int(text)


@dataclass
class _Group:
    rows: list[int]
    figures: dict[str, int]
    hubs: list[HubBacklog]
    closed: list[ClosedOutlet]
    places: dict[str, tuple[int, str]]
    """A content field (``hub_backlogs[0].node``) → its row and column."""


def parse_daily_report_table(table: Table) -> list[FileReport]:
    """The reports of a table read by the intake (see :func:`read_daily_report_file`)."""
    problems: list[tuple[int, Problem]] = [(0, problem) for problem in table.problems]
    missing = [column for column in REQUIRED if column not in table.header]
    if missing or "value" not in table.header:
        raise cannot_read(
            table.source,
            _(
                "the header needs the columns {columns}",
                columns=", ".join(c for c in COLUMNS if c != "note"),
            ),
        )
    groups: dict[tuple[date, str, str], _Group] = {}
    for number, record in table.records():
        found = _row(table, number, record, groups)
        problems += [(number, problem) for problem in found]
    reports: list[FileReport] = []
    for (day, carrier, region), group in groups.items():
        reports.append(_report(table, day, carrier, region, group, problems))
    if not table.rows and not problems:
        problems.append((0, Problem(table.source, _("the file holds no reports"))))
    if problems:
        ordered = sorted(problems, key=lambda item: item[0])
        raise InvalidInputError(
            _("{file} has {count} mistakes", file=table.source, count=len(ordered)),
            [problem for _row, problem in ordered[:MAX_LISTED]],
            total=len(ordered),
        )
    return reports


def _row(
    table: Table,
    number: int,
    record: dict[str, Any],
    groups: dict[tuple[date, str, str], _Group],
) -> list[Problem]:
    problems: list[Problem] = []

    def refuse(column: str, message: Message) -> None:
        problems.append(Problem(table.place(number, column), message))

    try:
        day = _day(record.get("day"))
    except (TypeError, ValueError):
        refuse("day", _("{value!r} is not a day (YYYY-MM-DD)", value=_text(record.get("day"))))
    region = _text(record.get("region"))
    wrong_region = region_problem(region)
    if wrong_region is not None:
        refuse("region", wrong_region)
    item = _text(record.get("item"))
    if item not in ITEMS:
        refuse("item", _("{item!r} is not one of {items}", item=item, items=", ".join(ITEMS)))
    node = _text(record.get("node"))
    note = _text(record.get("note"))
    value: int | None = None
    if item != "outlet_closed":
        try:
            value = _count(record.get("value"))
        except ValueError:
            refuse("value", _("{value!r} is not a whole number", value=_text(record.get("value"))))
    if problems:
        return problems
    group = groups.setdefault(
        (day, _text(record.get("carrier")), region), _Group([], {}, [], [], {})
    )
    group.rows.append(number)
    if item in FIGURES:
        if item in group.figures:
            refuse("item", _("{item} is given twice for this report", item=item))
        else:
            assert value is not None
            group.figures[item] = value
            group.places[item] = (number, "value")
    elif item == "hub_backlog":
        assert value is not None
        index = len(group.hubs)
        group.hubs.append(HubBacklog(node, value))
        group.places[f"hub_backlogs[{index}].node"] = (number, "node")
        group.places[f"hub_backlogs[{index}].parcels"] = (number, "value")
    else:
        index = len(group.closed)
        group.closed.append(ClosedOutlet(node, note))
        group.places[f"closed_outlets[{index}].node"] = (number, "node")
        group.places[f"closed_outlets[{index}].reason"] = (number, "note")
    return problems


def _report(
    table: Table,
    day: date,
    carrier: str,
    region: str,
    group: _Group,
    problems: list[tuple[int, Problem]],
) -> FileReport:
    first = group.rows[0]
    for figure in FIGURES:
        if figure not in group.figures:
            problems.append(
                (
                    first,
                    Problem(
                        table.place(first, "item"),
                        _(
                            "the report of {carrier} {region} on {day} lacks its {item} line",
                            carrier=carrier or "-",
                            region=region,
                            day=day.isoformat(),
                            item=figure,
                        ),
                    ),
                )
            )
    content = ReportContent(
        **{figure: group.figures.get(figure, 0) for figure in FIGURES},
        hub_backlogs=tuple(group.hubs),
        closed_outlets=tuple(group.closed),
    )
    for field, message in content_problems(content):
        row, column = group.places.get(field, (first, "value"))
        problems.append((row, Problem(table.place(row, column), message)))
    return FileReport(day, carrier or None, region, content, tuple(group.rows), table.source)


# -- the roll-up written ------------------------------------------------------------------------

ROLLUP_COLUMNS = (
    "section",
    "name",
    "reports",
    "picked_up",
    "delivered",
    "backlog",
    "staff",
    "vehicles",
    "closed_outlets",
)
FLAG_COLUMNS = ("day", "carrier", "region", "kind", "version", "reason", "threshold")


def rollup_csv(lines: Iterable[Sequence[Any]], flags: Iterable[Sequence[Any]]) -> str:
    """The roll-up's totals, then its flags (and missing reports), as CSV text."""
    handle = io.StringIO()
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(ROLLUP_COLUMNS)
    writer.writerows(lines)
    writer.writerow(())
    writer.writerow(FLAG_COLUMNS)
    writer.writerows(flags)
    return handle.getvalue()


def rollup_workbook(
    lines: Iterable[Sequence[Any]], flags: Iterable[Sequence[Any]], target: Path | io.BytesIO
) -> None:
    """The roll-up as a workbook: its totals on ``rollup``, its flags on ``flags``."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "rollup"
    sheet.append(list(ROLLUP_COLUMNS))
    for line in lines:
        sheet.append(list(line))
    flagged = workbook.create_sheet("flags")
    flagged.append(list(FLAG_COLUMNS))
    for flag in flags:
        flagged.append(list(flag))
    workbook.save(target)
