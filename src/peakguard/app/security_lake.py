"""The scan-event lake as the security figures read it: the accepts of some days (and the hub
scans of the days after, for X-ray screening at a hub), narrowed to a brand and a region
prefix, without the retracted events. Nothing is stored: each figure is computed on request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import ibis
import ibis.expr.types as ir

from peakguard.analytics import Engine, KpiSettings, security_compliance
from peakguard.analytics.security import CHECK_COUNTS, accept_checks
from peakguard.cases.security_watch import FLAGS, OutletDay, OutletKey
from peakguard.domain.scans import SCAN_EVENT_SCHEMA
from peakguard.store.event_files import BATCH, LAKE_KEY, event_paths, retracted_keys

BATCH_OF_FILE = r"part-([^/\\]+)\.parquet$"
OUTLET_DAY = ("outlet_id", "carrier", "region", "day")

Counts = dict[str, int]
"""``accepts`` and each of :data:`~peakguard.analytics.security.CHECK_COUNTS`."""


def day_span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def lake_engine(lake: Path, days: Iterable[date], carrier: str | None) -> Engine | None:
    """DuckDB over the events of ``days`` (of ``carrier``'s partitions when given), without
    the retracted ones; None when those days have no file."""
    files = event_paths(lake, days=days)
    if carrier is not None:
        files = [path for path in files if path.parent.name == f"carrier={carrier}"]
    if not files:
        return None
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET enable_progress_bar = false")
    retracted = retracted_keys(lake)
    table: ir.Table = backend.read_parquet(
        [str(path) for path in files], table_name="scan_events", filename=retracted.num_rows > 0
    )
    if retracted.num_rows:
        known = backend.create_table("retracted_events", retracted, temp=True)
        table = table.mutate(_batch=table.filename.re_extract(BATCH_OF_FILE, 1))
        keys = [table[name] == known[name] for name in LAKE_KEY]
        table = table.anti_join(known, [*keys, table["_batch"] == known[BATCH]])
    return Engine(backend, table.select(*SCAN_EVENT_SCHEMA.names))


def _narrowed(events: ir.Table, carrier: str | None, prefix: str) -> ir.Table:
    if carrier is not None:
        events = events.filter(events.carrier == carrier)
    if prefix:
        events = events.filter(events.origin_region.startswith(prefix))
    return events


def outlet_days(
    lake: Path,
    first: date,
    last: date,
    *,
    carrier: str | None,
    prefix: str,
    hub_days: int,
    cutoff: datetime | None = None,
) -> dict[OutletKey, list[tuple[date, Counts]]]:
    """Per outlet, its days from ``first`` to ``last`` with accepts, and the counts of each
    (the hub scans of ``hub_days`` more days read for screening at a hub; none after
    ``cutoff`` when given)."""
    engine = lake_engine(lake, day_span(first, last + timedelta(days=hub_days)), carrier)
    if engine is None:
        return {}
    events = _narrowed(engine.events, carrier, prefix)
    measured = KpiSettings(cutoff=cutoff)
    table = engine.compute(security_compliance(events, measured, by=OUTLET_DAY))
    found: dict[OutletKey, list[tuple[date, Counts]]] = defaultdict(list)
    for row in table.to_pylist():
        if not first <= row["day"] <= last:
            continue
        counts = {name: int(row[name]) for name in ("accepts", *CHECK_COUNTS)}
        key = OutletKey(row["carrier"], row["outlet_id"], row["region"])
        found[key].append((row["day"], counts))
    return dict(found)


def as_outlet_days(days: list[tuple[date, Counts]]) -> list[OutletDay]:
    return [
        OutletDay(
            day,
            counts["accepts"],
            counts["real_name_verified"],
            counts["inspected"],
            counts["x_rayed"],
            counts["x_rayed_at_hub"],
        )
        for day, counts in days
    ]


def lapse_samples(
    lake: Path,
    outlets: list[OutletKey],
    first: date,
    last: date,
    *,
    hub_days: int,
    per_check: int,
    cutoff: datetime | None = None,
) -> dict[OutletKey, dict[str, tuple[str, ...]]]:
    """Per outlet, per check: up to ``per_check`` waybills accepted from ``first`` to ``last``
    whose acceptance lacked it (X-ray: screened neither at the outlet nor at a hub), the
    earliest first."""
    if not outlets or per_check == 0:
        return {}
    carriers = sorted({outlet.carrier for outlet in outlets})
    engine = lake_engine(
        lake,
        day_span(first, last + timedelta(days=hub_days)),
        carriers[0] if len(carriers) == 1 else None,
    )
    if engine is None:
        return {}
    checks = accept_checks(engine.events, KpiSettings(cutoff=cutoff))
    ids = sorted({outlet.outlet_id for outlet in outlets})
    checks = checks.filter(
        checks.outlet_id.isin(ids)
        & checks.carrier.isin(carriers)
        & (checks.day >= first)
        & (checks.day <= last)
    )
    wanted = set(outlets)
    found: dict[OutletKey, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for flag in FLAGS:
        lacking = checks.filter(~checks[flag])
        ranked = lacking.mutate(
            rank=ibis.row_number().over(
                group_by=[lacking.carrier, lacking.outlet_id, lacking.region],
                order_by=[lacking.time, lacking.waybill],
            )
        )
        chosen = ranked.filter(ranked["rank"] < per_check).select(
            "carrier", "outlet_id", "region", "waybill", "time"
        )
        rows = sorted(engine.compute(chosen).to_pylist(), key=lambda row: row["time"])
        for row in rows:
            key = OutletKey(row["carrier"], row["outlet_id"], row["region"])
            if key in wanted:
                found[key][flag] = (*found[key].get(flag, ()), row["waybill"])
    return dict(found)
