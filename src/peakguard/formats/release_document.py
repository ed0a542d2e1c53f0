"""Order releases in (CSV or Excel) and pickup quotas out (CSV and Excel).

Releases file (docs/reference/staggering-files.md): one row per release with the columns
``origin, carrier, release_day, latest_day, parcels`` (days as YYYY-MM-DD). Every bad cell is
reported with its file, row and column, and nothing is planned until the file is clean.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _, render
from peakguard.optimize.loads import check_releases, origin_mixes
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.stagger import PickupPlan
from peakguard.simulate.scenario import Scenario

RELEASE_COLUMNS = ("origin", "carrier", "release_day", "latest_day", "parcels")


class _ReleaseRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    origin: str = Field(min_length=1)
    carrier: str = Field(min_length=1)
    release_day: date
    latest_day: date
    parcels: float = Field(ge=0)


def read_releases(
    path: Path, *, network: Network | None = None, scenario: Scenario | None = None
) -> tuple[list[OrderRelease], list[str]]:
    """Releases and, for each, where it came from (``releases.csv row 3``). With the network
    and the scenario, the rows that parse are also checked against them (known outlet of its
    carrier, days within the scenario), so every mistake is reported in one go."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, header = _csv_rows(path)
    elif suffix == ".xlsx":
        rows, header = _workbook_rows(path)
    else:
        raise InvalidInputError(
            _("cannot read {path}", path=str(path)),
            [Problem(path.name, _("use a .csv or .xlsx file of order releases"))],
        )
    problems: list[Problem] = []
    missing = [column for column in RELEASE_COLUMNS if column not in header]
    if missing:
        problems.append(
            Problem(path.name, _("missing columns: {columns}", columns=", ".join(missing)))
        )
        raise InvalidInputError(_("The order releases have mistakes."), problems)
    unknown = [column for column in header if column and column not in RELEASE_COLUMNS]
    if unknown:
        problems.append(
            Problem(path.name, _("unknown columns: {columns}", columns=", ".join(unknown)))
        )
    releases: list[OrderRelease] = []
    places: list[str] = []
    for number, row in rows:
        place = f"{path.name} row {number}"
        record = {key: value for key, value in row.items() if key in RELEASE_COLUMNS}
        record = {
            key: (value.isoformat()[:10] if isinstance(value, datetime) else value)
            for key, value in record.items()
            if value not in (None, "")
        }
        try:
            parsed = _ReleaseRow.model_validate(record)
        except ValidationError as error:
            for item in error.errors():
                column = ".".join(str(part) for part in item["loc"]) or "row"
                problems.append(Problem(f"{place}, column {column}", message_for(item)))
            continue
        releases.append(
            OrderRelease(
                origin=parsed.origin,
                carrier=parsed.carrier,
                release_day=parsed.release_day,
                latest_day=parsed.latest_day,
                parcels=parsed.parcels,
            )
        )
        places.append(place)
    if not rows:
        problems.append(Problem(path.name, _("the file has no releases")))
    elif network is not None and scenario is not None and releases:
        try:
            check_releases(network, scenario, releases, origin_mixes(network, scenario), places)
        except InvalidInputError as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidInputError(_("The order releases have mistakes."), problems)
    return releases, places


def parse_releases(records: object, *, source: str = "releases") -> list[OrderRelease]:
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
        try:
            parsed = _ReleaseRow.model_validate(record)
        except ValidationError as error:
            for item in error.errors():
                field = ".".join(str(part) for part in item["loc"])
                where = f"{source}[{index}].{field}" if field else f"{source}[{index}]"
                problems.append(Problem(where, message_for(item)))
            continue
        releases.append(
            OrderRelease(
                parsed.origin, parsed.carrier, parsed.release_day, parsed.latest_day, parsed.parcels
            )
        )
    if problems:
        raise InvalidInputError(_("The order releases have mistakes."), problems)
    return releases


def _csv_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInputError(
            _("cannot read {path}", path=str(path)), [Problem(str(path), _("no such file"))]
        ) from None
    except UnicodeDecodeError:
        raise InvalidInputError(
            _("cannot read {path}", path=str(path)),
            [Problem(path.name, _("the file is not UTF-8 text: save it as UTF-8 and retry"))],
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip() for column in reader.fieldnames or []]
    rows = [
        (index + 2, {(key or "").strip(): value for key, value in row.items()})
        for index, row in enumerate(reader)
        if any((value or "").strip() for value in row.values() if isinstance(value, str))
    ]
    return rows, header


def _workbook_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InvalidInputError(
            _("cannot read {path}", path=str(path)), [Problem(str(path), _("no such file"))]
        ) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise InvalidInputError(
            _("cannot read {path}", path=str(path)),
            [Problem(path.name, _("not an Excel .xlsx workbook: save it as .xlsx and retry"))],
        ) from None
    try:
        sheet = workbook["releases"] if "releases" in workbook.sheetnames else workbook.active
        values = list(sheet.iter_rows(values_only=True)) if sheet is not None else []
    finally:
        workbook.close()
    header = [str(cell).strip() if cell is not None else "" for cell in values[0]] if values else []
    rows = [
        (index + 2, dict(zip(header, row, strict=False)))
        for index, row in enumerate(values[1:])
        if any(cell not in (None, "") for cell in row)
    ]
    return rows, header


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
