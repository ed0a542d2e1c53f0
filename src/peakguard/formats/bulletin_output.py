"""The service-quality bulletin as files: ``bulletin.xlsx`` (a sheet per table and a ``columns``
sheet saying what each column means, in the user's language) and ``bulletin.json``.

Both hold the unrounded figures of the HTML page (``docs/reference/bulletins.md``): rates as
shares between 0 and 1, changes in percentage points for rates, hours for times, per million
for per-million rates and as a relative change for parcel counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from peakguard.bulletin import Bulletin, metric
from peakguard.i18n import Message, _, render
from peakguard.parameters import parameters_document

SUMMARY_COLUMNS = ("item", "value")
HEADLINE_COLUMNS = (
    "carrier",
    "metric",
    "unit",
    "better",
    "current",
    "previous",
    "change",
)
RANKING_COLUMNS = (
    "subject",
    "metric",
    "better",
    "rank",
    "key",
    "name",
    "value",
    "previous_value",
    "change",
    "previous_rank",
    "base",
)
BACKLOG_COLUMNS = ("node_id", "carrier", "peak_backlog", "peak_hour", "arrived")
DWELL_COLUMNS = ("node_id", "carrier", "parcels", "mean_dwell_hours")
HANDOVER_COLUMNS = (
    "node_id",
    "carrier",
    "handovers",
    "late",
    "missing",
    "unmatched",
    "unmatched_rate",
)
PAIR_COLUMNS = (
    "origin_city",
    "origin_name",
    "destination_city",
    "destination_name",
    "due_72h",
    "delivered_72h",
    "rate_72h",
    "mean_journey_hours",
)

BULLETIN_NOTES: tuple[tuple[str, str, Message], ...] = (
    ("headlines", "carrier", _("the carrier's code; all: every carrier together")),
    ("headlines", "metric", _("the indicator (its meaning is in the metrics sheet)")),
    ("headlines", "unit", _("count, share (0–1), hours or per_million")),
    ("headlines", "better", _("higher or lower: which direction is better (empty: neither)")),
    ("headlines", "current", _("the figure in this period")),
    ("headlines", "previous", _("the figure in the previous period")),
    (
        "headlines",
        "change",
        _(
            "current − previous: percentage points for shares, hours, per million; "
            "a relative change (0.1 = +10 %) for counts"
        ),
    ),
    ("rankings", "subject", _("what is ranked: carrier, origin_province or origin_city")),
    ("rankings", "rank", _("1 = best; empty when the group has no figure this period")),
    ("rankings", "key", _("the carrier's code or the region's GB/T 2260 code")),
    ("rankings", "previous_rank", _("the rank in the previous period")),
    (
        "rankings",
        "base",
        _("parcels behind the figure: past 72 hours for a rate, delivered for a time"),
    ),
    ("backlog", "peak_backlog", _("the largest end-of-hour backlog at the node in the period")),
    ("backlog", "peak_hour", _("the first hour (UTC start) the peak was reached")),
    ("backlog", "arrived", _("parcels that entered the node in the period")),
    ("dwell", "mean_dwell_hours", _("mean hours at the node of the parcels that left it")),
    ("handovers", "late", _("departures matched by an arrival after the allowance")),
    ("handovers", "missing", _("departures with no arrival once the allowance ran out")),
    ("handovers", "unmatched_rate", _("late and missing, of the closed handovers")),
    ("pairs", "due_72h", _("parcels of the pair whose 72 hours had run out by the cutoff")),
    ("pairs", "delivered_72h", _("of those, delivered within 72 hours")),
)


def _number(value: Any) -> Any:
    return float(value) if isinstance(value, float) else value


def _time(moment: datetime) -> str:
    return moment.isoformat()


def headline_rows(bulletin: Bulletin) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for headline in bulletin.headlines:
        for figure in headline.figures:
            item = metric(figure.metric)
            rows.append(
                [
                    headline.carrier,
                    figure.metric,
                    item.unit.value,
                    item.better.value if item.better else "",
                    _number(figure.current),
                    _number(figure.previous),
                    _number(figure.change),
                ]
            )
    return rows


def ranking_rows(bulletin: Bulletin) -> list[list[Any]]:
    return [
        [
            ranking.subject.value,
            ranking.metric,
            ranking.better.value,
            row.rank,
            row.key,
            row.name,
            _number(row.value),
            _number(row.previous_value),
            _number(row.change),
            row.previous_rank,
            row.base,
        ]
        for ranking in bulletin.rankings
        for row in ranking.rows
    ]


def backlog_rows(bulletin: Bulletin) -> list[list[Any]]:
    return [
        [row.node_id, row.carrier, row.peak_backlog, _time(row.peak_hour), row.arrived]
        for row in bulletin.busiest_nodes
    ]


def dwell_rows(bulletin: Bulletin) -> list[list[Any]]:
    return [
        [row.node_id, row.carrier, row.parcels, row.mean_dwell_hours]
        for row in bulletin.slowest_nodes
    ]


def handover_rows(bulletin: Bulletin) -> list[list[Any]]:
    return [
        [
            row.node_id,
            row.carrier,
            row.handovers,
            row.late,
            row.missing,
            row.unmatched,
            row.unmatched_rate,
        ]
        for row in bulletin.unmatched_nodes
    ]


def pair_rows(bulletin: Bulletin) -> list[list[Any]]:
    return [
        [
            row.origin_city,
            row.origin_name,
            row.destination_city,
            row.destination_name,
            row.due_72h,
            row.delivered_72h,
            row.rate_72h,
            row.mean_journey_hours,
        ]
        for row in bulletin.worst_pairs
    ]


def summary_rows(bulletin: Bulletin) -> list[list[Any]]:
    settings = bulletin.settings
    return [
        ["kind", bulletin.period.kind.value],
        ["period", bulletin.period.label],
        ["first_day", bulletin.period.first_day.isoformat()],
        ["last_day", bulletin.period.last_day.isoformat()],
        ["previous_period", bulletin.previous.label],
        ["previous_first_day", bulletin.previous.first_day.isoformat()],
        ["previous_last_day", bulletin.previous.last_day.isoformat()],
        ["cutoff", _time(bulletin.cutoff)],
        ["handover_tolerance_hours", settings.handover_tolerance_hours],
        ["stop_hours", settings.stop_hours],
        ["min_pair_parcels", bulletin.options.min_pair_parcels],
    ]


def _records(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(header, row, strict=True)) for row in rows]


def bulletin_document(bulletin: Bulletin, language: str | None = None) -> dict[str, Any]:
    """The bulletin as JSON-ready data (the same tables as the workbook)."""
    document: dict[str, Any] = dict(summary_rows(bulletin))
    document["event_days"] = [day.isoformat() for day in bulletin.event_days]
    document["settings"] = {"kpi": parameters_document(bulletin.settings)}
    document["metrics"] = [
        {
            "metric": item.key,
            "label": render(item.label, language),
            "unit": item.unit.value,
            "better": item.better.value if item.better else None,
            "definition": render(item.note, language),
        }
        for item in bulletin.metrics
    ]
    document["headlines"] = _records(HEADLINE_COLUMNS, headline_rows(bulletin))
    document["rankings"] = _records(RANKING_COLUMNS, ranking_rows(bulletin))
    document["backlog"] = _records(BACKLOG_COLUMNS, backlog_rows(bulletin))
    document["dwell"] = _records(DWELL_COLUMNS, dwell_rows(bulletin))
    document["handovers"] = _records(HANDOVER_COLUMNS, handover_rows(bulletin))
    document["pairs"] = _records(PAIR_COLUMNS, pair_rows(bulletin))
    return document


def write_bulletin_files(
    bulletin: Bulletin, folder: Path, *, language: str | None = None
) -> list[Path]:
    """``bulletin.xlsx`` and ``bulletin.json`` in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "bulletin"
    _fill(sheet, SUMMARY_COLUMNS, summary_rows(bulletin))
    tables: list[tuple[str, Sequence[str], list[list[Any]]]] = [
        ("headlines", HEADLINE_COLUMNS, headline_rows(bulletin)),
        ("rankings", RANKING_COLUMNS, ranking_rows(bulletin)),
        ("backlog", BACKLOG_COLUMNS, backlog_rows(bulletin)),
        ("dwell", DWELL_COLUMNS, dwell_rows(bulletin)),
        ("handovers", HANDOVER_COLUMNS, handover_rows(bulletin)),
        ("pairs", PAIR_COLUMNS, pair_rows(bulletin)),
    ]
    for name, header, rows in tables:
        _fill(workbook.create_sheet(name), header, rows)
    metrics = workbook.create_sheet("metrics")
    metrics.append(["metric", "label", "unit", "better", "definition"])
    for item in bulletin.metrics:
        metrics.append(
            [
                item.key,
                render(item.label, language),
                item.unit.value,
                item.better.value if item.better else "",
                render(item.note, language),
            ]
        )
    notes = workbook.create_sheet("columns")
    notes.append(["sheet", "column", "meaning"])
    for sheet_name, column, message in BULLETIN_NOTES:
        notes.append([sheet_name, column, render(message, language)])
    workbook_path = folder / "bulletin.xlsx"
    workbook.save(workbook_path)
    json_path = folder / "bulletin.json"
    json_path.write_text(
        json.dumps(bulletin_document(bulletin, language), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return [workbook_path, json_path]


def _fill(sheet: Any, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
