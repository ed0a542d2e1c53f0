"""Forecasts and capacity reserves written out (CSV and Excel), and forecasts read back.

Forecast files (docs/reference/forecast-files.md): ``forecasts.csv`` (one row per series and
day: the point and the 80 % and 95 % intervals, whole parcels, and the model), ``series.csv``
(the model of each series and the models that failed before it), ``fallbacks.csv``,
``forecasts.xlsx`` (the same, a ``points`` sheet of node points by day, and what each column
means) and ``forecast.json`` (the run's totals).

Capacity files: ``requirements.csv`` (per node and day), ``gaps.csv`` (per node and resource
short), ``capacity.xlsx`` and ``capacity.json``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.forecast.history import ForecastResult, Level, SeriesKey
from peakguard.forecast.orchestrator import ForecastRun
from peakguard.forecast.scoped import ScopedForecast
from peakguard.formats.history_document import clean_cell, day_message, read_table
from peakguard.i18n import Message, _, render
from peakguard.parameters import parameters_document
from peakguard.reserve.parameters import ReserveParameters
from peakguard.reserve.requirements import NodeRequirement, ReserveGap

KEY_COLUMNS = ("level", "carrier", "region", "node")
FORECAST_COLUMNS = (
    *KEY_COLUMNS,
    "day",
    "point",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "model",
)
SERIES_COLUMNS = (*KEY_COLUMNS, "model", "failed_models")
FALLBACK_COLUMNS = (*KEY_COLUMNS, "failed_model", "reason")
BOUNDS = ("point", "upper_80", "upper_95")
"""The forecast columns a capacity plan may be sized to."""

REQUIREMENT_COLUMNS = (
    "node",
    "kind",
    "day",
    "volume",
    "backlog",
    "sorting_hours",
    "staff",
    "staff_by_shift",
    "departures",
    "vehicles",
    "floor_area_m2",
    "sorting_shortfall",
)
GAP_COLUMNS = (
    "node",
    "kind",
    "resource",
    "on_hand",
    "required",
    "add",
    "first_short_day",
    "in_place_by",
    "decide_by",
    "short_days",
    "unsorted_parcels_if_not_added",
)


def _key_cells(key: SeriesKey) -> list[Any]:
    return [key.level.value, key.carrier, key.region, key.node]


def forecast_rows(result: ForecastResult) -> list[list[Any]]:
    """One row per series and day, in :data:`FORECAST_COLUMNS` order."""
    rows: list[list[Any]] = []
    for series in result.series:
        cells = _key_cells(series.key)
        for offset, day in enumerate(series.days):
            rows.append(
                [
                    *cells,
                    day.isoformat(),
                    int(series.point[offset]),
                    int(series.lower_80[offset]),
                    int(series.upper_80[offset]),
                    int(series.lower_95[offset]),
                    int(series.upper_95[offset]),
                    series.model,
                ]
            )
    return rows


def series_rows(run: ForecastRun) -> list[list[Any]]:
    failed: dict[SeriesKey, list[str]] = {}
    for fallback in run.fallbacks:
        failed.setdefault(fallback.series, []).append(fallback.model)
    return [
        [*_key_cells(series.key), series.model, ";".join(failed.get(series.key, []))]
        for series in run.result.series
    ]


def fallback_rows(run: ForecastRun) -> list[list[Any]]:
    return [
        [*_key_cells(fallback.series), fallback.model, fallback.reason]
        for fallback in run.fallbacks
    ]


def forecast_document(
    run: ForecastRun,
    *,
    origin: date,
    announced: Sequence[Mapping[str, Any]] = (),
    events: Sequence[str] = (),
    reconciliation_note: str = "",
) -> dict[str, Any]:
    """The run's totals as JSON-ready data."""
    series = run.result.series
    first = series[0].first_day
    horizon = len(series[0].point)
    levels = Counter(item.key.level.value for item in series)
    models = Counter(item.model for item in series)
    document: dict[str, Any] = {
        "origin": origin.isoformat(),
        "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=horizon - 1)).isoformat(),
        "horizon_days": horizon,
        "reconciliation": run.result.reconciliation,
        "series": dict(sorted(levels.items())),
        "models": dict(sorted(models.items())),
        "fallbacks": len(run.fallbacks),
        "events": list(events),
        "announced": list(announced),
    }
    if reconciliation_note:
        document["reconciliation_note"] = reconciliation_note
    return document


def scoped_forecast_document(forecast: ScopedForecast) -> dict[str, Any]:
    """The run's totals with what shaped it: the events, the announced plans (as given) and
    the note when scoped announcements changed the reconciliation."""
    return forecast_document(
        forecast.run,
        origin=forecast.origin,
        announced=[
            {
                "day": plan.day.isoformat(),
                "multiple": plan.multiple,
                "carrier": plan.carrier,
                "region": plan.region,
            }
            for plan in forecast.announced
        ],
        events=forecast.events,
        reconciliation_note=forecast.reconciliation_note,
    ) | {"settings": {"forecast": parameters_document(forecast.parameters)}}


def write_forecast(
    run: ForecastRun,
    folder: Path,
    *,
    document: Mapping[str, Any],
    language: str | None = None,
) -> list[Path]:
    """forecasts.csv, series.csv, fallbacks.csv, forecasts.xlsx and forecast.json in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = forecast_rows(run.result)
    per_series = series_rows(run)
    failures = fallback_rows(run)
    written = [
        write_csv(folder / "forecasts.csv", FORECAST_COLUMNS, rows),
        write_csv(folder / "series.csv", SERIES_COLUMNS, per_series),
        write_csv(folder / "fallbacks.csv", FALLBACK_COLUMNS, failures),
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "forecasts"
    _fill(sheet, FORECAST_COLUMNS, rows)
    points = workbook.create_sheet("points")
    nodes = run.result.at_level(Level.node) or run.result.series
    days = nodes[0].days
    points.append([*KEY_COLUMNS, *(day.isoformat() for day in days)])
    for series in nodes:
        points.append([*_key_cells(series.key), *(int(value) for value in series.point)])
    _fill(workbook.create_sheet("series"), SERIES_COLUMNS, per_series)
    _fill(workbook.create_sheet("fallbacks"), FALLBACK_COLUMNS, failures)
    _notes(workbook, FORECAST_NOTES, language)
    target = folder / "forecasts.xlsx"
    workbook.save(target)
    summary = folder / "forecast.json"
    summary.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return [*written, target, summary]


# -- reading forecasts back (the capacity command's input) ---------------------------------


@dataclass(frozen=True)
class NodeVolumes:
    """Node-level daily volumes from ``first_day``, one list per node id, all as long."""

    first_day: date
    volumes: dict[str, list[float]]


def read_node_forecasts(path: Path, bound: str = "upper_80") -> NodeVolumes:
    """The node rows of a forecasts file (as ``peakguard forecast`` writes it; .csv or
    .xlsx, sheet ``forecasts``), column ``bound``; every mistake located."""
    rows, header = read_table(path, "forecasts")
    wanted = ("node", "level", "day", bound)
    missing = [column for column in wanted if column not in header]
    if missing:
        raise InvalidInputError(
            _("the forecast file has mistakes"),
            [Problem(path.name, _("missing columns: {columns}", columns=", ".join(missing)))],
        )
    problems: list[Problem] = []
    by_node: dict[str, dict[date, float]] = {}
    for number, row in rows:
        if clean_cell(row.get("level")) != Level.node.value:
            continue
        place = f"{path.name} row {number}"
        node = str(clean_cell(row.get("node")) or "")
        day = _day(clean_cell(row.get("day")))
        if day is None:
            problems.append(
                Problem(
                    f"{place}, column day",
                    day_message(row.get("day")),
                )
            )
            continue
        volume = _volume(clean_cell(row.get(bound)))
        if volume is None:
            problems.append(
                Problem(f"{place}, column {bound}", _("must be a number of at least 0"))
            )
            continue
        if not node:
            problems.append(Problem(f"{place}, column node", _("is required")))
            continue
        days = by_node.setdefault(node, {})
        if day in days:
            problems.append(
                Problem(
                    f"{place}, column day",
                    _(
                        "{day} is already given for {series} at {place}",
                        day=day.isoformat(),
                        series=node,
                        place=path.name,
                    ),
                )
            )
            continue
        days[day] = volume
    if not by_node and not problems:
        problems.append(Problem(path.name, _("the file has no node forecasts")))
    spans = {(min(days), max(days), len(days)) for days in by_node.values()}
    if len(spans) > 1 or any((last - first).days + 1 != count for first, last, count in spans):
        problems.append(
            Problem(path.name, _("every node needs the same days, from the first to the last"))
        )
    if problems:
        raise InvalidInputError(_("the forecast file has mistakes"), problems)
    first = min(min(days) for days in by_node.values())
    return NodeVolumes(
        first,
        {node: [days[day] for day in sorted(days)] for node, days in sorted(by_node.items())},
    )


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _volume(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 and number != float("inf") else None


# -- capacity ------------------------------------------------------------------------------


def requirement_rows(network: Network, requirements: Iterable[NodeRequirement]) -> list[list[Any]]:
    nodes = network.node_index()
    return [
        [
            item.node,
            nodes[item.node].kind.value,
            item.day.isoformat(),
            round(item.volume),
            round(item.backlog),
            round(item.sorting_hours, 2),
            item.staff,
            ";".join(str(count) for count in item.staff_by_shift),
            item.departures,
            item.vehicles,
            round(item.floor_area_m2, 1),
            round(item.sorting_shortfall),
        ]
        for item in requirements
    ]


def gap_rows(network: Network, gaps: Iterable[ReserveGap]) -> list[list[Any]]:
    nodes = network.node_index()
    return [
        [
            gap.node,
            nodes[gap.node].kind.value,
            gap.resource,
            round(gap.on_hand, 1),
            round(gap.required, 1),
            round(gap.add, 1),
            gap.first_short_day.isoformat(),
            gap.in_place_by.isoformat(),
            gap.decide_by.isoformat(),
            gap.short_days,
            round(gap.unsorted_parcels_if_not_added),
        ]
        for gap in gaps
    ]


def capacity_document(
    network: Network,
    requirements: Sequence[NodeRequirement],
    gaps: Sequence[ReserveGap],
    *,
    bound: str,
    parameters: ReserveParameters,
    backlog: str,
) -> dict[str, Any]:
    days = sorted({item.day for item in requirements})
    short: dict[str, list[str]] = {}
    for gap in gaps:
        short.setdefault(gap.resource, []).append(gap.node)
    return {
        "network": network.name,
        "bound": bound,
        "backlog": backlog,
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "nodes": len({item.node for item in requirements}),
        "gaps": len(gaps),
        "short": {resource: sorted(set(nodes)) for resource, nodes in sorted(short.items())},
        "parameters": {
            "parcels_per_person_hour": {
                kind.value: value for kind, value in parameters.parcels_per_person_hour.items()
            },
            "automated_parcels_per_person_hour": parameters.automated_parcels_per_person_hour,
            "vehicle_load_parcels": {
                kind.value: value for kind, value in parameters.vehicle_load_parcels.items()
            },
            "trips_per_vehicle_per_day": {
                kind.value: value for kind, value in parameters.trips_per_vehicle_per_day.items()
            },
            "floor_m2_per_thousand_parcels": parameters.floor_m2_per_thousand_parcels,
            "floor_share_for_backlog": parameters.floor_share_for_backlog,
            "lead_days": {
                "staff": parameters.staff_lead_days,
                "vehicles": parameters.vehicle_lead_days,
                "floor_area_m2": parameters.floor_area_lead_days,
                "sorting_capacity": parameters.sorting_lead_days,
            },
            "source": "local policy (docs/explanation/forecasting.md)",
        },
        "settings": {"reserve": parameters_document(parameters)},
    }


def write_capacity(
    network: Network,
    requirements: Sequence[NodeRequirement],
    gaps: Sequence[ReserveGap],
    folder: Path,
    *,
    document: Mapping[str, Any],
    language: str | None = None,
) -> list[Path]:
    """requirements.csv, gaps.csv, capacity.xlsx and capacity.json in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    needs = requirement_rows(network, requirements)
    short = gap_rows(network, gaps)
    written = [
        write_csv(folder / "requirements.csv", REQUIREMENT_COLUMNS, needs),
        write_csv(folder / "gaps.csv", GAP_COLUMNS, short),
    ]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "gaps"
    _fill(sheet, GAP_COLUMNS, short)
    _fill(workbook.create_sheet("requirements"), REQUIREMENT_COLUMNS, needs)
    _notes(workbook, CAPACITY_NOTES, language)
    target = folder / "capacity.xlsx"
    workbook.save(target)
    summary = folder / "capacity.json"
    summary.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return [*written, target, summary]


# -- shared --------------------------------------------------------------------------------


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(header))
        writer.writerows(rows)
    return path


def _fill(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))


def _notes(workbook: Workbook, notes: Sequence[tuple[str, Message]], language: str | None) -> None:
    sheet = workbook.create_sheet("columns")
    for column, message in notes:
        sheet.append([column, render(message, language)])


def rows_as_records(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows as JSON objects keyed by column (the API's form of the same tables)."""
    return [dict(zip(header, row, strict=True)) for row in rows]


FORECAST_NOTES: tuple[tuple[str, Message], ...] = (
    ("level", _("node, city, province or national")),
    ("carrier", _("the carrier's code; all: every carrier together")),
    ("region", _("the region code of the node, city or province (000000: the nation)")),
    ("node", _("the node's id (empty above node level)")),
    ("day", _("the forecast day")),
    ("point", _("the forecast (median), whole parcels; the levels add up exactly")),
    ("lower_80", _("lower bound of the 80 % prediction interval")),
    ("upper_80", _("upper bound of the 80 % prediction interval")),
    ("lower_95", _("lower bound of the 95 % prediction interval")),
    ("upper_95", _("upper bound of the 95 % prediction interval")),
    ("model", _("the model that produced the series' forecast")),
    ("failed_models", _("models that failed on the series before it (the fallbacks taken)")),
)

CAPACITY_NOTES: tuple[tuple[str, Message], ...] = (
    ("node", _("the node's id")),
    ("kind", _("hub, outlet, station or consolidation point")),
    ("volume", _("parcels the node must handle that day (the forecast bound chosen)")),
    ("backlog", _("parcels the node cannot sort that day, carried to the next")),
    ("sorting_hours", _("hours of sorting at the node's full rate")),
    ("staff", _("people needed over all shifts; staff_by_shift splits them")),
    ("departures", _("vehicle departures needed")),
    ("vehicles", _("vehicles needed")),
    ("floor_area_m2", _("floor area the backlog needs (m²)")),
    ("sorting_shortfall", _("parcels beyond the node's daily sorting capacity")),
    ("resource", _("staff, vehicles, floor_area_m2 or sorting_capacity (parcels a day)")),
    ("on_hand", _("what the node has (floor area: the share free for backlog)")),
    ("required", _("the most needed on any day")),
    ("add", _("what to add")),
    ("first_short_day", _("the first day it falls short")),
    ("in_place_by", _("the day the addition must be in place")),
    ("decide_by", _("the last day to decide, given the lead time")),
    ("short_days", _("days it falls short")),
    (
        "unsorted_parcels_if_not_added",
        _("sorting capacity: the most parcels left unsorted if nothing is added"),
    ),
)
