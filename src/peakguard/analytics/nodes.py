"""Node KPIs by hour and day: throughput, backlog at the end of each hour, dwell.

A *stay* is a parcel's time at a node: from its first ``accept``/``arrive`` there to its last
``depart``/``deliver`` there (one grouped pass over the events by parcel — the carrier's
waybill — and node). Hours are half-open and in UTC (China's hours are the same hours): an
event at 10:00:00 belongs to the hour 10:00–11:00. A parcel is in a node's backlog at the end
of hour h when it entered in hour h or before and had not left by the end of h — the
simulator's node backlog.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from peakguard.analytics.parcels import (
    SECONDS_PER_HOUR,
    check_dimensions,
    china_day,
    cutoff_seconds,
    seconds,
    within_cutoff,
)
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType

ENTERING = (EventType.accept.value, EventType.arrive.value)
LEAVING = (EventType.depart.value, EventType.deliver.value)


def node_stays(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """One row per (parcel, node) the parcel entered: ``waybill, node_id, carrier,
    entered_at, left_at`` (empty while it is still there at the cutoff)."""
    scans = within_cutoff(events, settings)
    entering = scans.event.isin(ENTERING)
    leaving = scans.event.isin(LEAVING)
    stays = (
        scans.filter(entering | leaving)
        .group_by(["waybill", "node_id", "carrier"])
        .aggregate(
            entered_at=scans.time.min(where=entering),
            left_at=scans.time.max(where=leaving),
        )
    )
    return stays.filter(stays.entered_at.notnull())


def node_hours(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """Every hour of every node from its first entry to the cutoff's hour: ``node_id``,
    ``hour`` (its start, UTC), ``arrived`` (stays entering: accepts and arrivals), ``departed``
    (stays ending: departures and deliveries) and ``backlog`` at the end of the hour."""
    counts = stay_hour_counts(node_stays(events, settings))
    last_hour = cutoff_seconds(within_cutoff(events, settings), settings) // SECONDS_PER_HOUR
    return hour_grid(counts, last_hour)


def stay_hour_counts(stays: ir.Table) -> ir.Table:
    """``node_id``, ``hour`` (hours since 1970, UTC), ``arrived`` (stays entered in the hour)
    and ``departed`` (stays ended in it; a stay that ends before it began ends in its first
    hour), over stays with an ``entered_at`` (``left_at`` empty while still there). Counts
    of disjoint sets of stays add up: the event lake's partials keep them this way."""
    stays = stays.filter(stays.entered_at.notnull())
    entered = seconds(stays.entered_at) // SECONDS_PER_HOUR
    # greatest() skips nulls on both engines: keep a stay with no departure open.
    left = ibis.ifelse(
        stays.left_at.isnull(),
        ibis.null("int64"),
        ibis.greatest(seconds(stays.left_at) // SECONDS_PER_HOUR, entered),
    )
    hours = stays.select("node_id", entered_hour=entered, left_hour=left)
    arrived = hours.group_by(["node_id", hours.entered_hour.name("hour")]).aggregate(
        arrived=hours.node_id.count(), departed=ibis.literal(0, "int64")
    )
    leaving = hours.filter(hours.left_hour.notnull())
    departed = leaving.group_by(["node_id", leaving.left_hour.name("hour")]).aggregate(
        arrived=ibis.literal(0, "int64"), departed=leaving.node_id.count()
    )
    both = ibis.union(arrived.cast(departed.schema()), departed, distinct=False)
    return both.group_by(["node_id", "hour"]).aggregate(
        arrived=both.arrived.sum().cast("int64"), departed=both.departed.sum().cast("int64")
    )


def hour_grid(counts: ir.Table, last_hour: int) -> ir.Table:
    """The rows of :func:`node_hours` from per-hour counts (:func:`stay_hour_counts`): every
    hour of a node from its first counted hour to ``last_hour`` (hours since 1970), the
    ``backlog`` at the end of each the running sum of arrivals less departures."""
    first = counts.group_by("node_id").aggregate(first_hour=counts.hour.min())
    grid = first.select("node_id", hour=ibis.range(first.first_hour, last_hour + 1).unnest())
    grid = grid.left_join(counts, ["node_id", "hour"]).select(
        "node_id",
        "hour",
        arrived=counts.arrived.fill_null(0),
        departed=counts.departed.fill_null(0),
    )
    change = grid.arrived - grid.departed
    grid = grid.mutate(backlog=change.cumsum(group_by=grid.node_id, order_by=grid.hour))
    return grid.select(
        "node_id",
        hour=(grid.hour * SECONDS_PER_HOUR).as_timestamp("s"),
        arrived=grid.arrived.cast("int64"),
        departed=grid.departed.cast("int64"),
        backlog=grid.backlog.cast("int64"),
    )


def dwell_seconds(stays: ir.Table) -> ir.IntegerValue:
    """A stay's dwell: seconds from entering to leaving, never negative (empty while open)."""
    return ibis.greatest(seconds(stays.left_at) - seconds(stays.entered_at), 0)


def node_dwell(
    events: ir.Table, settings: KpiSettings, by: Sequence[str] = ("node_id", "day")
) -> ir.Table:
    """Hours from entering a node to leaving it, over the stays that ended, grouped by the
    node and the China-time day the parcel left: ``parcels``, ``mean_dwell_hours``,
    ``p90_dwell_hours`` (90th percentile, linear between ranks)."""
    stays = node_stays(events, settings)
    done = stays.filter(stays.left_at.notnull())
    done = done.mutate(
        day=china_day(done.left_at),
        dwell_seconds=dwell_seconds(done),
    )
    keys = check_dimensions(done, by)
    return done.aggregate(
        {
            "parcels": done.waybill.count(),
            "mean_dwell_hours": done.dwell_seconds.mean() / SECONDS_PER_HOUR,
            "p90_dwell_hours": done.dwell_seconds.quantile(0.9) / SECONDS_PER_HOUR,
        },
        by=keys,
    )
