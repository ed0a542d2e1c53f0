"""What the supervision desk counts from the scan events: per node and China-time day, the
parcels accepted (收寄, an outlet's pickups), delivered (妥投) and arrived (到达) there.

A parcel is its carrier's waybill; each is counted once per node, day and kind of event however
often it was scanned so (a re-scan is not a second parcel). Days are China Standard Time, as
everywhere in the KPIs (:func:`peakguard.analytics.parcels.china_day`).
"""

from __future__ import annotations

import ibis.expr.types as ir

from peakguard.analytics.parcels import china_day, seconds, within_cutoff
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType

COUNTED = {
    "accepted": EventType.accept.value,
    "delivered": EventType.deliver.value,
    "arrived": EventType.arrive.value,
}
"""The columns of :func:`node_day_counts` and the event each counts."""


def node_day_counts(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """One row per (carrier, node, China day) with any counted event: ``carrier, node_id,
    day, accepted, delivered, arrived`` (distinct parcels)."""
    scans = within_cutoff(events, settings)
    scans = scans.filter(scans.event.isin(tuple(COUNTED.values())))
    once = scans.select(
        "carrier", "node_id", "waybill", "event", day=china_day(scans.time)
    ).distinct()
    counts = once.group_by(["carrier", "node_id", "day"]).aggregate(
        **{name: once.waybill.count(where=once.event == event) for name, event in COUNTED.items()}
    )
    return counts.select(
        "carrier",
        "node_id",
        "day",
        *[counts[name].cast("int64").name(name) for name in COUNTED],
    )


def origin_day_pickups(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """The parcels picked up (accepted) per origin and day: ``carrier, origin, day,
    picked_up``, origins that accepted nothing that day left out."""
    counts = node_day_counts(events, settings)
    counts = counts.filter(counts.accepted > 0)
    return counts.select(
        "carrier", origin=counts.node_id, day=counts.day, picked_up=counts.accepted
    )


SECONDS_PER_DAY = 86_400
CHINA_OFFSET_SECONDS = 8 * 3_600


def up_to_time_of_day(events: ir.Table, seconds_of_day: int) -> ir.Table:
    """The events of every day up to the same China clock time (``seconds_of_day`` after
    midnight, inclusive): today so far measured against the same hours of the days before."""
    clock = (seconds(events.time) + CHINA_OFFSET_SECONDS) % SECONDS_PER_DAY
    return events.filter(clock <= seconds_of_day)
