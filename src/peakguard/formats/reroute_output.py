"""A reroute written out: backups and their shares, units, temporary lanes, routing
overrides, and the simulator's comparison (docs/reference/staggering-files.md#reroute)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from peakguard.optimize.reroute import ReroutePlan
from peakguard.optimize.reroute_simulate import RerouteComparison, RerouteOutcome
from peakguard.parameters import parameters_document


def reroute_document(plan: ReroutePlan, comparison: RerouteComparison | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "closed": list(plan.closure.nodes),
        "closure_start": plan.closure.start.isoformat(timespec="minutes"),
        "closure_end": plan.closure.end.isoformat(timespec="minutes"),
        "rerouted_from": plan.window_start.isoformat(timespec="minutes"),
        "parcels": round(plan.parcels),
        "absorbed_parcels": round(plan.absorbed_parcels),
        "unabsorbed_parcels": round(plan.unabsorbed_parcels),
        "settings": {"reroute": parameters_document(plan.parameters)},
        "backups": [
            {
                "hub": backup.hub,
                "carrier": backup.carrier,
                "automated_sorter": backup.automated_sorter,
                "origins": list(backup.origins),
                "destinations": list(backup.destinations),
                "parcels": round(backup.parcels),
                "origin_share": round(backup.origin_share, 4),
                "destination_share": round(backup.destination_share, 4),
                "parcel_share": round(backup.parcel_share, 4),
                "mean_added_transit_hours": round(backup.mean_added_transit_hours, 2),
                "spare_used_share": round(backup.spare_used_share, 4),
            }
            for backup in plan.backups
        ],
        "temporary_lanes": len(plan.temporary_lanes),
        "routing_overrides": len(plan.routing_overrides),
    }
    if comparison is not None:
        document["simulated"] = {
            "without_reroute": _outcome(comparison.before),
            "with_reroute": _outcome(comparison.after),
        }
    return document


def _outcome(outcome: RerouteOutcome) -> dict[str, Any]:
    return {
        "refused_departures_at_closed_nodes": round(outcome.blocked_at_closed_nodes),
        "on_time_rate": round(outcome.on_time_rate, 4),
        "mean_delivery_hours": round(outcome.mean_delivery_hours, 2),
        "delivered": round(outcome.delivered),
        "left_at_nodes": round(outcome.left_at_nodes),
        "backup_peak_storage_utilisation": {
            hub: round(value, 4) for hub, value in outcome.backup_peak_storage_utilisation.items()
        },
    }


def write_reroute(
    plan: ReroutePlan, comparison: RerouteComparison | None, folder: Path
) -> list[Path]:
    """units.csv, temporary_lanes.csv, routing_overrides.csv and reroute.json in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        _csv(
            folder / "units.csv",
            ("node", "role", "parcels", "backup", "added_transit_hours"),
            (
                [
                    unit.node,
                    str(unit.role),
                    round(unit.parcels),
                    unit.backup or "",
                    "" if unit.added_transit_hours is None else round(unit.added_transit_hours, 2),
                ]
                for unit in plan.units
            ),
        ),
        _csv(
            folder / "temporary_lanes.csv",
            (
                "id",
                "origin",
                "destination",
                "transit_hours",
                "departure_times",
                "capacity_per_departure",
                "replaces",
            ),
            (
                [
                    item.lane.id,
                    item.lane.origin,
                    item.lane.destination,
                    round(item.lane.transit_hours, 2),
                    " ".join(item.lane.departure_times),
                    item.lane.capacity_per_departure,
                    item.replaces,
                ]
                for item in plan.temporary_lanes
            ),
        ),
        _csv(
            folder / "routing_overrides.csv",
            ("node", "destination", "next_node"),
            ([item.node, item.destination, item.next_node] for item in plan.routing_overrides),
        ),
    ]
    summary = folder / "reroute.json"
    summary.write_text(
        json.dumps(reroute_document(plan, comparison), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return [*written, summary]


def _csv(path: Path, header: tuple[str, ...], rows: Iterable[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
