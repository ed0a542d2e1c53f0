"""A staggering plan written out: quotas (CSV, Excel), each platform's schedule, shortfalls,
hub loads and the simulator's comparison (docs/reference/staggering-files.md)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from peakguard.formats.release_document import write_quotas
from peakguard.i18n import Message, _, render
from peakguard.optimize.comparison import PlanComparison, RunFigures
from peakguard.optimize.stagger import PickupPlan
from peakguard.optimize.stagger_customers import CustomerFigures, CustomerGroup
from peakguard.optimize.stagger_platforms import PlatformQuota, PlatformSchedule
from peakguard.parameters import parameters_document

HUB_COLUMNS = (
    "node",
    "peak_sorting_before",
    "peak_sorting_after",
    "peak_storage_before",
    "peak_storage_after",
    "simulated_peak_storage_before",
    "simulated_peak_storage_after",
    "simulated_overflow_hours_before",
    "simulated_overflow_hours_after",
)


def plan_document(plan: PickupPlan, comparison: PlanComparison | None) -> dict[str, Any]:
    """The plan's figures as JSON-ready data."""
    document: dict[str, Any] = {
        "network": plan.network,
        "scenario": plan.scenario,
        "within_capacity": plan.within_capacity,
        "hubs_within_capacity": plan.hubs_within_capacity,
        "parcels": round(plan.parcels),
        "delayed_parcels": round(plan.delayed_parcels),
        "delay_parcel_days": round(plan.delay_parcel_days),
        "worst_carrier_mean_delay_days": round(plan.worst_carrier_delay_days, 3),
        "worst_origin_mean_delay_days": round(plan.worst_origin_delay_days, 3),
        "overflow_parcels": round(plan.overflow),
        "shortfalls": len(plan.shortfalls),
        "parameters": {
            "sorting_margin": plan.parameters.sorting_margin,
            "storage_margin": plan.parameters.storage_margin,
            "storage_hours_per_day": plan.parameters.storage_hours_per_day,
            "carrier_fairness": plan.parameters.carrier_fairness,
            "origin_fairness": plan.parameters.origin_fairness,
            "pickup_floor": plan.parameters.pickup_floor,
            "pickup_floor_basis": plan.parameters.pickup_floor_basis,
            "rolling_days": plan.parameters.rolling_days,
        },
        "settings": {"stagger": parameters_document(plan.parameters)},
        "solver": {
            "rows": plan.statistics.rows,
            "columns": plan.statistics.columns,
            "nonzeros": plan.statistics.nonzeros,
            "build_seconds": round(plan.statistics.build_seconds, 2),
            "solve_seconds": round(plan.statistics.solve_seconds, 2),
        },
    }
    if comparison is not None:
        document["simulated"] = {
            "unplanned": _figures(comparison.unplanned),
            "planned": _figures(comparison.planned),
            "mean_release_to_delivery_hours_unplanned": round(
                comparison.mean_release_to_delivery_hours_before, 2
            ),
            "mean_release_to_delivery_hours_planned": round(
                comparison.mean_release_to_delivery_hours_after, 2
            ),
        }
        document["customers"] = customers_document(comparison)
    return document


PLATFORM_QUOTA_COLUMNS = ("platform", "origin", "carrier", "region", "day", "quota", "released")


def _group(item: CustomerGroup) -> dict[str, Any]:
    return {
        "key": item.key,
        "parcels": round(item.parcels),
        "release_to_delivery_hours": round(item.release_to_delivery_hours, 2),
        "late_from_release": round(item.late_from_release),
        "picked_up_after_release_day": round(item.delayed),
    }


def platform_quota_rows(quotas: list[PlatformQuota]) -> list[list[Any]]:
    """One row per platform, origin and day with parcels to pick up or released. Rounded to
    whole parcels as the origins' quotas are, so a platform's rows may differ from its
    origin's quota by a parcel; ``plan.json`` keeps one decimal."""
    return [
        [
            item.platform,
            item.origin,
            item.carrier,
            item.region,
            item.day.isoformat(),
            round(item.quota),
            round(item.released),
        ]
        for item in quotas
        if item.quota > 0.5 or item.released > 0.5
    ]


def platforms_document(schedule: PlatformSchedule | None) -> dict[str, Any] | None:
    """Every platform's schedule (``platform`` empty: releases that name none) and, when
    checked by simulation, each platform's customers counted from release."""
    if schedule is None:
        return None
    return {
        "no_platform_means": "releases whose file names no platform",
        "quotas": [
            {
                "platform": item.platform,
                "origin": item.origin,
                "carrier": item.carrier,
                "region": item.region,
                "day": item.day.isoformat(),
                "quota": round(item.quota, 1),
                "released": round(item.released, 1),
            }
            for item in schedule.quotas
            if item.quota > 0.05 or item.released > 0.05
        ],
        "customers_before": [_group(item) for item in schedule.customers_before],
        "customers_after": [_group(item) for item in schedule.customers_after],
    }


def customers_document(comparison: PlanComparison | None) -> dict[str, Any] | None:
    """The released parcels counted from release, before (as released) and with the plan:
    overall, per carrier and per origin; and the nodes newly over storage."""
    if comparison is None:
        return None
    group = _group

    def side(figures: CustomerFigures) -> dict[str, Any]:
        return {
            "total": group(figures.total),
            "carriers": [group(item) for item in figures.carriers],
            "origins": [group(item) for item in figures.origins],
        }

    return {
        "before_means": "the same releases picked up on their release day, on the same background",
        "customers_wait_longer": comparison.customers_wait_longer,
        "before": side(comparison.customers_before),
        "after": side(comparison.customers_after),
        "new_overflow_nodes": [
            {
                "node": item.node,
                "kind": item.kind.value,
                "peak_storage_before": round(item.peak_storage_before, 4),
                "peak_storage_after": round(item.peak_storage_after, 4),
                "overflow_hours_after": item.overflow_hours_after,
            }
            for item in comparison.new_overflow_nodes
        ],
    }


def _figures(figures: RunFigures) -> dict[str, Any]:
    return {
        "accepted": round(figures.accepted),
        "on_time_rate": round(figures.on_time_rate, 4),
        "mean_delivery_hours": round(figures.mean_delivery_hours, 2),
        "parcels_late": round(figures.parcels_late),
        "left_in_network": round(figures.left_in_network),
        "overflow_node_hours": figures.overflow_node_hours,
        "hubs_overflowing": figures.hubs_overflowing,
        "hub_overflow_hours": figures.hub_overflow_hours,
        "peak_hub_storage_utilisation": round(figures.peak_hub_storage_utilisation, 4),
    }


def hub_rows(plan: PickupPlan, comparison: PlanComparison | None) -> list[list[Any]]:
    simulated = {item.node: item for item in comparison.hubs} if comparison else {}
    rows: list[list[Any]] = []
    for load in plan.node_loads:
        if load.kind.value != "hub":
            continue
        hub = simulated.get(load.node)
        rows.append(
            [
                load.node,
                round(load.peak_sorting_before, 4),
                round(load.peak_sorting_after, 4),
                round(load.peak_storage_before, 4),
                round(load.peak_storage_after, 4),
                round(hub.peak_storage_before, 4) if hub else "",
                round(hub.peak_storage_after, 4) if hub else "",
                hub.overflow_hours_before if hub else "",
                hub.overflow_hours_after if hub else "",
            ]
        )
    return rows


def write_plan(
    plan: PickupPlan,
    comparison: PlanComparison | None,
    folder: Path,
    *,
    language: str | None = None,
    platforms: PlatformSchedule | None = None,
) -> list[Path]:
    """quotas.csv, quotas.xlsx, shortfalls.csv, hubs.csv and plan.json in ``folder``; with
    ``platforms``, also platform_quotas.csv, a ``platforms`` sheet in quotas.xlsx and the
    platforms' part of plan.json."""
    written = write_quotas(plan, folder, language=language)
    if platforms is not None:
        written.append(_write_platforms(platforms, folder, language))
    hubs = folder / "hubs.csv"
    with hubs.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HUB_COLUMNS)
        writer.writerows(hub_rows(plan, comparison))
    summary = folder / "plan.json"
    document = plan_document(plan, comparison)
    if platforms is not None:
        document["platforms"] = platforms_document(platforms)
    summary.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return [*written, hubs, summary]


def _write_platforms(schedule: PlatformSchedule, folder: Path, language: str | None) -> Path:
    """platform_quotas.csv, and the same rows as the ``platforms`` sheet of quotas.xlsx
    (its ``columns`` sheet explains them)."""
    rows = platform_quota_rows(schedule.quotas)
    target = folder / "platform_quotas.csv"
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PLATFORM_QUOTA_COLUMNS)
        writer.writerows(rows)
    workbook_path = folder / "quotas.xlsx"
    workbook = load_workbook(workbook_path)
    sheet = workbook.create_sheet("platforms", 1)
    sheet.append(list(PLATFORM_QUOTA_COLUMNS))
    for row in rows:
        sheet.append(row)
    notes = workbook["columns"]
    for column, message in _PLATFORM_NOTES:
        notes.append([column, render(message, language)])
    workbook.save(workbook_path)
    return target


_PLATFORM_NOTES: tuple[tuple[str, Message], ...] = (
    (
        "platform",
        _(
            "platforms sheet: the platform that released the orders (empty: releases naming "
            "no platform)"
        ),
    ),
    (
        "quota (platforms)",
        _(
            "platforms sheet: parcels of the platform's releases at the origin to be picked up "
            "that day (its share of the origin's pickup quota: the schedule it must follow)"
        ),
    ),
)
