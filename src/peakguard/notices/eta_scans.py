"""The measured times of recent parcels (:class:`~peakguard.notices.eta.Measured`) from their
scan events as a table, column by column.

:func:`peakguard.notices.eta.measure` states the rule parcel by parcel; this is the same rule
on Arrow's columns, for a lake whose look-back holds hundreds of thousands of delivered parcels
(every tracking of a parcel reads it: turning each scan into a Python object took ~10 s of CPU
on the demo's lake). For each parcel — ``(carrier, waybill)``, its regions those of its first
row as read — delivered (its earliest ``deliver``) within the look-back before ``now``:

- on its lane (origin, destination region): hours from its earliest ``accept`` to delivery;
- at each node scanned at or before the delivery (destination region): hours from the node's
  latest such scan to delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peakguard.domain.scans import EventType
from peakguard.notices.eta import EtaSettings, Measured

SCAN_COLUMNS = (
    "carrier",
    "waybill",
    "event",
    "node_id",
    "time",
    "origin_region",
    "destination_region",
)
"""The columns :func:`measure_scans` reads."""
_PARCEL = ["carrier", "waybill"]
_ROW = "__row"


def measure_scans(scans: pa.Table, now: datetime, settings: EtaSettings) -> Measured:
    """The measured times (module docstring) of the parcels whose scans are ``scans`` (every
    scan of each parcel the look-back can count, in the order read; ``time`` in UTC)."""
    if scans.num_rows == 0:
        return Measured({}, {})
    scans = scans.select(list(SCAN_COLUMNS))
    unit = scans.schema.field("time").type
    since, until = (pa.scalar(moment, type=unit) for moment in (now - settings.lookback, now))
    delivered = _earliest(scans, EventType.deliver.value, "delivered")
    in_window = pc.and_(
        pc.greater_equal(delivered.column("delivered"), since),
        pc.less_equal(delivered.column("delivered"), until),
    )
    parcels = _regions(scans).join(delivered.filter(in_window), _PARCEL, join_type="inner")
    lanes = parcels.join(_earliest(scans, EventType.accept.value, "accepted"), _PARCEL)
    lanes = lanes.filter(pc.is_valid(lanes.column("accepted")))
    on_lane = _lists(
        lanes, ["origin_region", "destination_region"], _hours(lanes, "delivered", "accepted")
    )
    reached = scans.select([*_PARCEL, "node_id", "time"]).join(
        parcels.select([*_PARCEL, "destination_region", "delivered"]),
        _PARCEL,
        join_type="inner",
    )
    reached = reached.filter(pc.less_equal(reached.column("time"), reached.column("delivered")))
    stays = reached.group_by(
        [*_PARCEL, "node_id", "destination_region", "delivered"], use_threads=False
    ).aggregate([("time", "max")])
    from_node = _lists(
        stays, ["node_id", "destination_region"], _hours(stays, "delivered", "time_max")
    )
    return Measured(from_node, on_lane)


def _earliest(scans: pa.Table, event: str, name: str) -> pa.Table:
    """Each parcel's earliest scan of ``event``, as column ``name``."""
    chosen = scans.filter(pc.equal(scans.column("event"), event))
    earliest = chosen.group_by(_PARCEL, use_threads=False).aggregate([("time", "min")])
    return earliest.rename_columns([*_PARCEL, name])


def _regions(scans: pa.Table) -> pa.Table:
    """Each parcel's origin and destination region, from its first row as read."""
    numbered = scans.append_column(_ROW, pa.array(np.arange(scans.num_rows, dtype=np.int64)))
    first = numbered.group_by(_PARCEL, use_threads=False).aggregate([(_ROW, "min")])
    rows = first.column(f"{_ROW}_min")
    return scans.select([*_PARCEL, "origin_region", "destination_region"]).take(rows)


def _hours(table: pa.Table, later: str, earlier: str) -> pa.Array:
    """``later − earlier`` in hours, as ``timedelta.total_seconds() / 3600`` rounds it."""
    gap = pc.subtract(table.column(later), table.column(earlier))
    micro = gap.cast(pa.int64()).to_numpy(zero_copy_only=False)
    return pa.array(micro / 1_000_000 / 3600)


def _lists(
    table: pa.Table, key: Sequence[str], hours: pa.Array
) -> dict[tuple[str, str], list[float]]:
    """The ``hours`` of ``table``'s rows, listed by the pair of columns ``key``."""
    if table.num_rows == 0:
        return {}
    keyed = table.select(list(key)).append_column("hours", hours)
    grouped = keyed.group_by(list(key), use_threads=False).aggregate([("hours", "list")])
    first, second = (grouped.column(name).to_pylist() for name in key)
    values = grouped.column("hours_list").to_pylist()
    return {(a, b): list(found) for a, b, found in zip(first, second, values, strict=True)}
