"""The observed state of the network's nodes: backlog and throughput from the scan events.

Built on :func:`~peakguard.analytics.nodes.node_hours` (one row per node and hour: stays
entering — accepts and arrivals —, stays leaving — departures and deliveries —, and the backlog
at the end of the hour, the simulator's node backlog), so the watch reads the same figures the
KPIs do, on DuckDB or Spark:

- :func:`node_days`: per node and China-time day, parcels in and out, the backlog at the end of
  the day's last hour and its peak within the day;
- :func:`node_state`: per node at the cutoff's hour (the moment watched), the backlog then and
  the throughput of the ``window_hours`` before it (parcels in and out);
- :func:`parcels_on_lanes`: the parcels on the road at the cutoff (departed, not yet arrived),
  by the node they left, the node they go to and the hour they left;
- :func:`parcels_at_nodes`: the parcels at each node at the start of an hour by destination
  region, and how many of them are sorted (waiting for a vehicle) rather than still queued.

A node enters these tables from its first scan on; a node that never scanned is absent (no
figure, not zero).
"""

from __future__ import annotations

from datetime import UTC

import ibis
import ibis.expr.types as ir

from peakguard.analytics.nodes import ENTERING, LEAVING, node_hours
from peakguard.analytics.parcels import SECONDS_PER_HOUR, china_day, seconds, within_cutoff
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType


def node_days(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """``node_id, day`` (China time), ``arrived``, ``departed``, ``backlog`` (at the end of
    the day's last hour up to the cutoff) and ``peak_backlog`` (the day's largest end-of-hour
    backlog)."""
    hours = node_hours(events, settings)
    hours = hours.mutate(day=china_day(hours.hour))
    last = hours.group_by(["node_id", "day"]).aggregate(last_hour=hours.hour.max())
    days = hours.group_by(["node_id", "day"]).aggregate(
        arrived=hours.arrived.sum(),
        departed=hours.departed.sum(),
        peak_backlog=hours.backlog.max(),
    )
    closing = hours.join(last, [hours.node_id == last.node_id, hours.hour == last.last_hour])
    closing = closing.select(node_id=hours.node_id, day=hours.day, backlog=hours.backlog)
    joined = days.join(closing, ["node_id", "day"])
    return joined.select(
        "node_id",
        "day",
        arrived=joined.arrived.cast("int64"),
        departed=joined.departed.cast("int64"),
        backlog=joined.backlog.cast("int64"),
        peak_backlog=joined.peak_backlog.cast("int64"),
    )


def node_state(events: ir.Table, settings: KpiSettings, *, window_hours: int = 24) -> ir.Table:
    """Per node at the cutoff's hour: ``node_id``, ``hour`` (its start, UTC), ``backlog`` at
    the cutoff, and over the ``window_hours`` hours up to and including it ``arrived``,
    ``departed`` and ``peak_backlog``."""
    if window_hours < 1:
        raise ValueError("window_hours must be at least 1")
    hours = node_hours(events, settings)
    last = hours.group_by("node_id").aggregate(last_hour=hours.hour.max())
    joined = hours.join(last, "node_id")
    recent = joined.filter(joined.hour > joined.last_hour - ibis.interval(hours=window_hours))
    window = recent.group_by(["node_id", "last_hour"]).aggregate(
        arrived=recent.arrived.sum(),
        departed=recent.departed.sum(),
        peak_backlog=recent.backlog.max(),
    )
    now = joined.filter(joined.hour == joined.last_hour).select("node_id", "backlog")
    state = window.join(now, "node_id")
    return state.select(
        "node_id",
        hour=state.last_hour,
        backlog=state.backlog.cast("int64"),
        arrived=state.arrived.cast("int64"),
        departed=state.departed.cast("int64"),
        peak_backlog=state.peak_backlog.cast("int64"),
    )


def parcels_on_lanes(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """Parcels on the road at the cutoff: those whose last movement scan (accept, arrive,
    depart, deliver) is a departure, by ``node_id`` (where they left), ``next_node_id`` and
    ``hour`` (the departure's hour, UTC): ``parcels``."""
    scans = within_cutoff(events, settings)
    moves = scans.filter(scans.event.isin((*ENTERING, *LEAVING)))
    last = moves.group_by(["carrier", "waybill"]).aggregate(last_time=moves.time.max())
    latest = moves.join(
        last,
        [
            moves.carrier == last.carrier,
            moves.waybill == last.waybill,
            moves.time == last.last_time,
        ],
    )
    leaving = latest.filter(
        (latest.event == EventType.depart.value) & latest.next_node_id.notnull()
    )
    hour = (seconds(leaving.time) // SECONDS_PER_HOUR) * SECONDS_PER_HOUR
    leaving = leaving.mutate(hour=hour.as_timestamp("s"))
    counted = leaving.group_by(["node_id", "next_node_id", "hour"]).aggregate(
        parcels=leaving.waybill.count()
    )
    return counted.select("node_id", "next_node_id", "hour", parcels=counted.parcels.cast("int64"))


def parcels_at_nodes(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """The parcels at each node at the cutoff (the start of an hour), by ``node_id`` and
    ``destination_region``: ``parcels`` (entered before the cutoff, not departed or delivered
    before it) and ``sorted`` (of those, the ones with a sort scan at the node at or before the
    cutoff: sorted, waiting for their vehicle; the rest are queued for sorting).

    A sort scan is stamped when the sorting is done, so one at the cutoff itself is counted
    (the parcel is sorted at that moment); an accept, arrival or departure at the cutoff
    belongs to the hour that starts then (as in :func:`~peakguard.analytics.nodes.node_hours`)
    and is not. ``parcels`` per node sums to :func:`node_state`'s backlog with its cutoff just
    before this one."""
    if settings.cutoff is None:
        raise ValueError("parcels_at_nodes needs a cutoff")
    scans = within_cutoff(events, settings)
    earlier = scans.time < ibis.literal(settings.cutoff.astimezone(UTC))
    entering = scans.event.isin(ENTERING) & earlier
    leaving = scans.event.isin(LEAVING) & earlier
    stays = scans.group_by(["carrier", "waybill", "node_id"]).aggregate(
        entered_at=scans.time.min(where=entering),
        left_at=scans.time.max(where=leaving),
        sorted_at=scans.time.max(where=scans.event == EventType.sort.value),
        destination_region=scans.destination_region.max(),
    )
    here = stays.filter(stays.entered_at.notnull() & stays.left_at.isnull())
    counted = here.group_by(["node_id", "destination_region"]).aggregate(
        parcels=here.waybill.count(),
        sorted=(here.sorted_at >= here.entered_at).ifelse(1, 0).sum(),
    )
    return counted.select(
        "node_id",
        "destination_region",
        parcels=counted.parcels.cast("int64"),
        sorted=counted.sorted.cast("int64"),
    )
