"""Writing a simulation's results: node-hour Parquet, summary and warnings as JSON and CSV,
blockage report drafts, gridlocks, and (optionally) parcel-level scan events as Parquet."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peakguard.domain.scans import CHINA_STANDARD_TIME, SCAN_EVENT_SCHEMA
from peakguard.i18n import Message, _, render
from peakguard.parameters import parameters_document
from peakguard.simulate.events import ScanEvent, ScanEvents
from peakguard.simulate.gridlock import Gridlock, find_gridlocks
from peakguard.simulate.run import SimulationResult
from peakguard.simulate.warning_rules import level_label

TIME_ZONE = "Asia/Shanghai"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
COLOUR = {1: "red", 2: "orange", 3: "yellow", 4: "blue"}


def _timestamps(result: SimulationResult, hours: np.ndarray) -> pa.Array:
    """Scenario hours as instants: the scenario's clock is China's local time (UTC+8)."""
    start = np.datetime64(result.scenario.start, "s")
    local = pa.array((start + hours.astype("timedelta64[h]")).astype("datetime64[s]"))
    return pc.assume_timezone(local, timezone=TIME_ZONE)


def node_hour_table(result: SimulationResult) -> pa.Table:
    run = result.run
    nodes, hours = run.backlog.shape
    network = result.network
    node_index = np.repeat(np.arange(nodes), hours)
    hour = np.tile(np.arange(hours), nodes)
    capacity = run.capacity.reshape(-1)
    storage = np.repeat(run.plan.storage_capacity, hours)
    processed = run.processed.reshape(-1)
    backlog = run.backlog.reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(capacity > 0, processed / capacity, 0.0)
    ids = np.array([node.id for node in network.nodes], dtype=object)
    return pa.table(
        {
            "node_id": pa.array(ids[node_index]),
            "kind": pa.array(
                np.array([n.kind.value for n in network.nodes], dtype=object)[node_index]
            ).dictionary_encode(),
            "carrier": pa.array(
                np.array([n.carrier for n in network.nodes], dtype=object)[node_index]
            ).dictionary_encode(),
            "hour": pa.array(hour, type=pa.int32()),
            "time": _timestamps(result, hour),
            "arrived": run.arrived.reshape(-1),
            "processed": processed,
            "backlog": backlog,
            "queued": run.queued.reshape(-1),
            "capacity": capacity,
            "utilisation": utilisation,
            "storage_capacity": storage,
            "storage_utilisation": backlog / storage,
            "overflow": np.maximum(0.0, backlog - storage),
            "blocked": run.blocked.reshape(-1),
        }
    )


def warning_rows(result: SimulationResult) -> list[dict[str, Any]]:
    names = {node.id: node.name for node in result.network.nodes}
    scenario = result.scenario
    rows = []
    for warning in result.warnings:
        rows.append(
            {
                "node_id": warning.node_id,
                "node_name": names.get(warning.node_id, warning.node_id),
                "level": ROMAN[int(warning.level)],
                "colour": COLOUR[int(warning.level)],
                "level_zh": render(level_label(warning.level), "zh_CN"),
                "start": scenario.moment(warning.start_hour).isoformat(),
                "end": (
                    scenario.moment(warning.end_hour).isoformat()
                    if warning.end_hour is not None
                    else None
                ),
                "reason_zh": render(warning.reason, "zh_CN"),
                "reason_en": render(warning.reason, "en"),
                "peak_backlog": round(warning.peak_backlog, 1),
                "peak_storage_utilisation": round(warning.peak_storage_utilisation, 4),
            }
        )
    return rows


def summary_document(result: SimulationResult) -> dict[str, Any]:
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "network": result.network.name,
        "first_day": scenario.first_day.isoformat(),
        "days": scenario.days,
        "drain_days": scenario.drain_days,
        "storage_policy": scenario.storage_policy.value,
        "summary": asdict(result.summary),
        "warning_thresholds": scenario.warnings.model_dump(),
        "settings": {"warnings": parameters_document(scenario.warnings)},
        "warning_thresholds_note": (
            "Local policy, not official figures: no official backlog thresholds exist. "
            "本地政策，非官方标准：目前没有官方的积压预警阈值。"
        ),
        "blockage_reports": [
            asdict(report)
            | {
                "start": scenario.moment(report.start_hour).isoformat(),
                "end": scenario.moment(report.end_hour).isoformat(),
                "due": scenario.moment(report.due_hour).isoformat(),
            }
            for report in result.blockages
        ],
        "gridlocks": gridlock_rows(result),
    }


def gridlock_rows(result: SimulationResult) -> list[dict[str, Any]]:
    """The run's gridlocks (hubs full and refusing each other under the ``block`` policy, see
    :mod:`peakguard.simulate.gridlock`), longest first: the hubs, who waited for room at whom
    and how many parcels were held back at most, from when to when, and a sentence in both
    languages."""
    names = {node.id: node.name for node in result.network.nodes}
    scenario = result.scenario
    rows = []
    for gridlock in sorted(find_gridlocks(result.run), key=lambda g: (-g.hours, g.start_hour)):
        sentence = gridlock_sentence(gridlock, names, scenario.moment(gridlock.start_hour))
        rows.append(
            {
                "hubs": [
                    {"node_id": hub, "node_name": names.get(hub, hub)} for hub in gridlock.hubs
                ],
                "start": scenario.moment(gridlock.start_hour).isoformat(),
                "end": (
                    None if gridlock.to_the_end else scenario.moment(gridlock.end_hour).isoformat()
                ),
                "hours": gridlock.hours,
                "knot": gridlock.knot,
                "waits": [
                    {
                        "node_id": wait.hub,
                        "node_name": names.get(wait.hub, wait.hub),
                        "waits_for_node_id": wait.waits_for,
                        "waits_for_node_name": names.get(wait.waits_for, wait.waits_for),
                        "parcels_held_back": round(wait.parcels, 1),
                    }
                    for wait in gridlock.waits
                ],
                "summary_zh": render(sentence, "zh_CN"),
                "summary_en": render(sentence, "en"),
            }
        )
    return rows


def gridlock_sentence(gridlock: Gridlock, names: dict[str, str], start: datetime) -> Message:
    """One gridlock in words: which hubs, from when, for how long."""
    hubs = ", ".join(names.get(hub, hub) for hub in gridlock.hubs)
    moment = start.strftime("%Y-%m-%d %H:%M")
    if gridlock.to_the_end:
        return _(
            "Gridlock: {hubs} refuse each other's parcels for want of room from {start} until "
            "the end of the run ({hours} h).",
            hubs=hubs,
            start=moment,
            hours=gridlock.hours,
        )
    return _(
        "Gridlock: {hubs} refuse each other's parcels for want of room from {start} for {hours} h.",
        hubs=hubs,
        start=moment,
        hours=gridlock.hours,
    )


DELIVERY_STAMP = np.timedelta64(-1, "s")
"""A ``deliver`` is stamped one second before the end of the hour the station delivers in, so
it falls inside that hour as the node's backlog counts it (hours are half-open: an event at
10:00:00 belongs to 10:00–11:00). ``deliver − accept`` is then the run's delivery time less a
second, which changes no whole-hour time limit."""


def events_table(result: SimulationResult, events: ScanEvents) -> pa.Table:
    """The scan events in the contract's form (:data:`~peakguard.domain.scans.SCAN_EVENT_SCHEMA`):
    times in UTC, ``next_node_id`` on departures, the cohort's origin and destination regions,
    product ``standard``, the three security flags set on acceptance.

    Every text column is a node's (or event's) attribute looked up by index, so each is built
    as Arrow's dictionary of the few distinct values decoded once, not as an array of Python
    or NumPy strings per event (the demo's 2.4 M events took 0.9 GB that way)."""
    network = result.network
    plan = result.run.plan
    carriers = pa.array([node.carrier for node in network.nodes], type=pa.string())
    ids = pa.array([node.id for node in network.nodes], type=pa.string())
    regions = pa.array([node.region for node in network.nodes], type=pa.string())
    names = pa.array([event.name for event in ScanEvent], type=pa.string())
    origin = plan.cohort_origin[events.cohort]
    destination = plan.cohort_destination[events.cohort]
    carrier = _looked_up(carriers, origin)
    number = pc.utf8_lpad(pc.cast(pa.array(events.parcel), pa.string()), width=12, padding="0")
    clock = result.scenario.start.replace(tzinfo=CHINA_STANDARD_TIME).astimezone(UTC)
    start = np.datetime64(clock.replace(tzinfo=None), "s")
    moments = start + events.hour.astype("timedelta64[h]")
    delivered = events.event == ScanEvent.deliver
    moments = np.where(delivered, moments + DELIVERY_STAMP, moments).astype("datetime64[us]")
    accepted = events.event == ScanEvent.accept
    flags = pa.array(np.ones(len(events), dtype=bool), mask=~accepted)
    count = len(events)
    departs = events.next_node >= 0
    return pa.table(
        {
            "waybill": pc.binary_join_element_wise(carrier, number, ""),
            "carrier": carrier,
            "event": _looked_up(names, events.event),
            "reason": pa.nulls(count, type=pa.string()),
            "node_id": _looked_up(ids, events.node),
            "time": pa.array(moments, type=pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
            "next_node_id": _looked_up(ids, np.maximum(events.next_node, 0), valid=departs),
            "origin_region": _looked_up(regions, origin),
            "destination_region": _looked_up(regions, destination),
            "product": _looked_up(pa.array(["standard"]), np.zeros(count, dtype=np.int64)),
            "real_name_verified": flags,
            "inspected": flags,
            "x_rayed": flags,
        },
        schema=SCAN_EVENT_SCHEMA,
    )


def _looked_up(values: pa.Array, index: np.ndarray, *, valid: np.ndarray | None = None) -> pa.Array:
    """``values[index]`` as a plain string array (null where ``valid`` is false)."""
    indices = pa.array(index.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.DictionaryArray.from_arrays(indices, values).cast(values.type)


def write_simulation(
    result: SimulationResult, folder: Path, *, events: ScanEvents | None = None
) -> list[Path]:
    """Write every output into ``folder`` (created if needed); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    path = folder / "node_hours.parquet"
    pq.write_table(node_hour_table(result), path, compression="zstd")
    written.append(path)
    path = folder / "summary.json"
    path.write_text(
        json.dumps(summary_document(result), ensure_ascii=False, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    written.append(path)
    rows = warning_rows(result)
    path = folder / "warnings.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    path = folder / "warnings.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        fields = list(rows[0]) if rows else ["node_id", "level", "start", "end"]
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    written.append(path)
    if events is not None:
        path = folder / "scan_events.parquet"
        pq.write_table(events_table(result, events), path, compression="zstd")
        written.append(path)
    return written
