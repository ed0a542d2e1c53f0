"""Order releases in (CSV or Excel) and pickup quotas out (CSV and Excel).

Releases file (docs/reference/staggering-files.md): one row per release with the columns
``origin, carrier, release_day, latest_day, parcels`` (days as YYYY-MM-DD) and, optionally,
``platform`` (the code of the platform organisation that released the orders; a file without
the column, or a row with the cell empty, names no platform). Every bad cell is reported with
its file, row and column, and nothing is planned until the file is clean.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.table_intake import cannot_read, read_table
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _, render
from peakguard.identity.checks import CODE
from peakguard.optimize.loads import check_releases, origin_mixes
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.stagger import PickupPlan
from peakguard.simulate.scenario import Scenario

RELEASE_COLUMNS = ("origin", "carrier", "release_day", "latest_day", "parcels")
"""The columns every releases file has."""
OPTIONAL_COLUMNS = ("platform",)
"""Columns a releases file may have (older files have none of them)."""
MAX_RELEASE_PARCELS = 1_000_000_000
"""More parcels than the whole country posts in a day (some 700 million at the peak): a release
beyond this is a typing mistake, not an order (1e30 parcels was once accepted)."""


class _ReleaseRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    origin: str = Field(min_length=1)
    carrier: str = Field(min_length=1)
    release_day: date
    latest_day: date
    parcels: int = Field(ge=0, le=MAX_RELEASE_PARCELS)
    platform: str | None = None


def read_releases(
    path: Path,
    *,
    network: Network | None = None,
    scenario: Scenario | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> tuple[list[OrderRelease], list[str]]:
    """Releases and, for each, where it came from (``releases.csv row 3``). With the network
    and the scenario, the rows that parse are also checked against them (known outlet of its
    carrier, days within the scenario), so every mistake is reported in one go."""
    if not path.name.lower().endswith((".csv", ".xlsx")):
        raise cannot_read(path.name, _("use a .csv or .xlsx file of order releases"), path)
    table = read_table(path, "releases", limits=limits)
    problems: list[Problem] = []
    missing = [column for column in RELEASE_COLUMNS if column not in table.header]
    if missing:
        problems.append(
            Problem(path.name, _("missing columns: {columns}", columns=", ".join(missing)))
        )
        raise InvalidInputError(_("The order releases have mistakes."), problems)
    known = (*RELEASE_COLUMNS, *OPTIONAL_COLUMNS)
    unknown = [column for column in table.header if column and column not in known]
    if unknown:
        problems.append(
            Problem(path.name, _("unknown columns: {columns}", columns=", ".join(unknown)))
        )
    releases: list[OrderRelease] = []
    places: list[str] = []
    for number, row in table.records():
        place = table.place(number)
        record = {
            key: (value.isoformat()[:10] if isinstance(value, datetime) else value)
            for key, value in row.items()
            if key in known and value not in (None, "")
        }
        release = _release(record, place, ", column ", limits)
        if isinstance(release, list):
            problems.extend(release)
            continue
        releases.append(release)
        places.append(place)
    problems.extend(table.problems)  # rows refused while reading: after the cells' mistakes
    if not table.rows and not table.problems:
        problems.append(Problem(path.name, _("the file has no releases")))
    elif network is not None and scenario is not None and releases:
        try:
            check_releases(network, scenario, releases, origin_mixes(network, scenario), places)
        except InvalidInputError as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidInputError(_("The order releases have mistakes."), problems)
    return releases, places


def parse_releases(
    records: object, *, source: str = "releases", limits: InputLimits = DEFAULT_LIMITS
) -> list[OrderRelease]:
    """Releases from JSON-like records (the API's body); every mistake located
    (``releases[3].parcels``)."""
    if not isinstance(records, list):
        raise InvalidInputError(
            _("The order releases have mistakes."),
            [Problem(source, _("must be a list of releases"))],
        )
    problems: list[Problem] = []
    releases: list[OrderRelease] = []
    for index, record in enumerate(records):
        release = _release(record, f"{source}[{index}]", ".", limits)
        if isinstance(release, list):
            problems.extend(release)
        else:
            releases.append(release)
    if problems:
        raise InvalidInputError(_("The order releases have mistakes."), problems)
    return releases


def _release(
    record: object, place: str, separator: str, limits: InputLimits
) -> OrderRelease | list[Problem]:
    """One release, or its problems located at ``place`` + ``separator`` + column."""

    def locate(column: str) -> str:
        return f"{place}{separator}{column}" if column else place

    try:
        parsed = _ReleaseRow.model_validate(record)
    except ValidationError as error:
        return [
            Problem(locate(".".join(str(part) for part in item["loc"])), message_for(item))
            for item in error.errors()
        ]
    first, last = limits.earliest_time.date(), date(limits.latest_year, 12, 31)
    problems = [
        Problem(
            locate(column),
            _("{day} is outside {first} to {last}", day=day.isoformat(), first=first, last=last),
        )
        for column, day in (("release_day", parsed.release_day), ("latest_day", parsed.latest_day))
        if not first <= day <= last
    ]
    if parsed.platform and not CODE.match(parsed.platform):
        problems.append(
            Problem(
                locate("platform"),
                _(
                    "'{code}' is not a platform code: use the platform organisation's code, "
                    "1–64 letters, digits, '.', '_' or '-' (e.g. youle), or leave it empty",
                    code=parsed.platform[:80],
                ),
            )
        )
    if problems:
        return problems
    return OrderRelease(
        origin=parsed.origin,
        carrier=parsed.carrier,
        release_day=parsed.release_day,
        latest_day=parsed.latest_day,
        parcels=float(parsed.parcels),
        platform=parsed.platform or "",
    )


QUOTA_COLUMNS = ("origin", "carrier", "day", "quota", "released")
SHORTFALL_COLUMNS = ("node", "kind", "start", "hours", "limit", "load", "excess", "unavoidable")


def quota_rows(plan: PickupPlan) -> list[list[Any]]:
    return [
        [item.origin, item.carrier, item.day.isoformat(), round(item.quota), round(item.released)]
        for item in plan.quotas
        if item.quota > 0.5 or item.released > 0.5
    ]


def shortfall_rows(plan: PickupPlan) -> list[list[Any]]:
    return [
        [
            item.node,
            item.kind,
            item.start.isoformat(timespec="minutes"),
            item.hours,
            round(item.limit),
            round(item.load),
            round(item.excess),
            item.unavoidable,
        ]
        for item in plan.shortfalls
    ]


def write_quotas(plan: PickupPlan, folder: Path, *, language: str | None = None) -> list[Path]:
    """``quotas.csv``, ``shortfalls.csv`` and ``quotas.xlsx`` (with a sheet per carrier and
    day, and the explanation of every column) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        _write_csv(folder / "quotas.csv", QUOTA_COLUMNS, quota_rows(plan)),
        _write_csv(folder / "shortfalls.csv", SHORTFALL_COLUMNS, shortfall_rows(plan)),
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "quotas"
    sheet.append(list(QUOTA_COLUMNS))
    for row in quota_rows(plan):
        sheet.append(row)
    by_carrier = workbook.create_sheet("carrier_days")
    days = sorted({day for per_day in plan.daily_pickups.values() for day in per_day})
    by_carrier.append(["carrier", *[day.isoformat() for day in days]])
    for carrier, per_day in sorted(plan.daily_pickups.items()):
        by_carrier.append([carrier, *[round(per_day.get(day, 0.0)) for day in days]])
    short = workbook.create_sheet("shortfalls")
    short.append(list(SHORTFALL_COLUMNS))
    for row in shortfall_rows(plan):
        short.append(row)
    notes = workbook.create_sheet("columns")
    for column, message in _COLUMN_NOTES:
        notes.append([column, render(message, language)])
    target = folder / "quotas.xlsx"
    workbook.save(target)
    written.append(target)
    return written


_COLUMN_NOTES: tuple[tuple[str, Message], ...] = (
    ("origin", _("the outlet where the carrier picks the parcels up")),
    ("carrier", _("the carrier")),
    ("day", _("the day of pickup")),
    ("quota", _("parcels the carrier may pick up at the origin that day (pickup quota)")),
    ("released", _("parcels the platforms released at the origin that day")),
    ("kind", _("sorting: a shift's sorting capacity; storage: parcels held at an hour")),
    ("limit", _("the capacity the plan may use (capacity × margin)")),
    ("excess", _("parcels over the limit even in the best plan")),
    ("unavoidable", _("true when parcels the plan does not move already exceed the limit")),
)


def _write_csv(path: Path, header: Iterable[str], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(header))
        writer.writerows(rows)
    return path
