"""The parcels of the demo's event lake bound for the controlled city while it is controlled:
those whose destination lies in the city and whose journey overlaps the control (a first scan
before the control ends, and delivered or returned — if at all — after it began)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from peakguard.cases.controlled import code_prefix
from peakguard.domain.regions import reference_regions
from peakguard.domain.scans import EventType, china_day
from peakguard.store.event_lake import event_dataset, event_paths

LOOK_BACK_DAYS = 10
"""Parcels first scanned this many days before the control are still looked at (a journey of
the demo network is at most a few days)."""
FINISHING = [EventType.deliver.value, EventType.returned.value]


@dataclass(frozen=True)
class BoundParcel:
    """A parcel bound for the controlled city during its control."""

    carrier: str
    waybill: str
    destination_region: str
    first_scan: datetime
    finished_at: datetime | None


def bound_parcels(lake: Path, region: str, start: datetime, end: datetime) -> list[BoundParcel]:
    """Every parcel of ``lake`` bound for ``region`` (and the codes under it) whose journey
    overlaps ``start``–``end``, ordered by carrier and waybill."""
    if not event_paths(lake):
        return []
    prefix = code_prefix(region)
    codes = sorted(code for code in reference_regions() if code.startswith(prefix))
    first_day = china_day(start) - timedelta(days=LOOK_BACK_DAYS)
    wanted = ds.field("destination_region").isin(pa.array(codes, pa.string())) & (
        ds.field("day") >= pa.scalar(first_day, pa.date32())
    )
    table = event_dataset(lake).to_table(
        columns=["carrier", "waybill", "event", "time", "destination_region"], filter=wanted
    )
    if table.num_rows == 0:
        return []
    finishing = pc.is_in(table["event"], pa.array(FINISHING, pa.string()))
    table = table.append_column("finish", pc.if_else(finishing, table["time"], None))
    grouped = table.group_by(["carrier", "waybill"]).aggregate(
        [("time", "min"), ("finish", "min"), ("destination_region", "max")]
    )
    parcels = []
    for row in grouped.to_pylist():
        first, finished = row["time_min"], row["finish_min"]
        if first < end and (finished is None or finished >= start):
            parcels.append(
                BoundParcel(
                    row["carrier"], row["waybill"], row["destination_region_max"], first, finished
                )
            )
    return sorted(parcels, key=lambda parcel: (parcel.carrier, parcel.waybill))
