"""Handover reconciliation (平衡合拢) and the information-loss rate (信息丢失率).

Every ``depart`` toward ``next_node_id`` should be matched by an ``arrive`` of the same parcel
(the same carrier's waybill) at that node within the lane's transit time plus a tolerance. No
official formula exists for the information-loss rate; the one here is the proposal in
``DOMAIN.md`` and the tolerance and the stop hours are local policy
(:class:`~peakguard.analytics.settings.KpiSettings`).

A handover's status: ``matched`` (arrived in time), ``late`` (arrived after the allowance),
``missing`` (no arrival and the allowance had run out by the cutoff), ``pending`` (no arrival
yet, allowance still running: left out of every count).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peakguard.analytics.parcels import (
    SECONDS_PER_HOUR,
    check_dimensions,
    china_day,
    cutoff_seconds,
    ratio,
    seconds,
    within_cutoff,
)
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType

UNMATCHED = ("late", "missing")
LANE_COLUMNS = ("node_id", "next_node_id", "transit_hours")


def handovers(
    events: ir.Table, settings: KpiSettings, lanes: ir.Table | pa.Table | None = None
) -> ir.Table:
    """One row per departure: ``waybill, carrier, node_id, next_node_id, departed_at, day``
    (China-time day of the departure), ``allowed_hours`` (transit + tolerance),
    ``arrived_at`` (the first arrival at the next node at or after the departure; empty if
    none) and ``status``. ``lanes`` has ``node_id, next_node_id, transit_hours``; a pair it
    lacks (or no table) takes ``settings.default_transit_hours``; of several lanes between
    two nodes the slowest counts."""
    scans = within_cutoff(events, settings)
    departs = scans.filter(scans.event == EventType.depart.value).select(
        "waybill", "carrier", "node_id", "next_node_id", departed_at=scans.time
    )
    arriving = scans.filter(scans.event == EventType.arrive.value)
    arrivals = arriving.group_by(
        [
            arriving.carrier.name("arrival_carrier"),
            arriving.waybill.name("arrival_waybill"),
            arriving.node_id.name("arrival_node_id"),
        ]
    ).aggregate(first_arrived_at=arriving.time.min(), last_arrived_at=arriving.time.max())
    joined = departs.left_join(
        arrivals,
        [
            departs.carrier == arrivals.arrival_carrier,
            departs.waybill == arrivals.arrival_waybill,
            departs.next_node_id == arrivals.arrival_node_id,
        ],
    )
    cutoff = cutoff_seconds(scans, settings)
    return handover_status(joined, settings, lanes, cutoff)


def handover_status(
    joined: ir.Table,
    settings: KpiSettings,
    lanes: ir.Table | pa.Table | None,
    cutoff: ir.IntegerValue,
) -> ir.Table:
    """:func:`handovers`' rows from departures (``waybill, carrier, node_id, next_node_id,
    departed_at``) with the parcel's ``first_arrived_at`` and ``last_arrived_at`` at the next
    node: the arrival, the allowance and the status as of ``cutoff`` (seconds since 1970) —
    the one statement of the rule, whether the rows come from the events or from the event
    lake's partial aggregates (:mod:`.partial_figures`)."""
    # A node visited twice: the first arrival if it follows the departure, else the last.
    arrived = ibis.cases(
        (joined.first_arrived_at >= joined.departed_at, joined.first_arrived_at),
        (joined.last_arrived_at >= joined.departed_at, joined.last_arrived_at),
        else_=ibis.null("timestamp"),
    )
    table = joined.select(
        "waybill", "carrier", "node_id", "next_node_id", "departed_at", arrived_at=arrived
    )
    default = float(settings.default_transit_hours)
    if lanes is not None:
        lane_table = ibis.memtable(lanes) if isinstance(lanes, pa.Table) else lanes
        lane_table = lane_table.select(*LANE_COLUMNS)
        slowest = lane_table.group_by(
            [lane_table.node_id.name("lane_origin"), lane_table.next_node_id.name("lane_target")]
        ).aggregate(transit_hours=lane_table.transit_hours.cast("float64").max())
        table = table.left_join(
            slowest,
            [table.node_id == slowest.lane_origin, table.next_node_id == slowest.lane_target],
        )
        transit = table.transit_hours.fill_null(default)
    else:
        transit = ibis.literal(default)
    allowed = transit + float(settings.handover_tolerance_hours)
    table = table.select(
        "waybill",
        "carrier",
        "node_id",
        "next_node_id",
        "departed_at",
        "arrived_at",
        allowed_hours=allowed,
    )
    due = seconds(table.departed_at).cast("float64") + table.allowed_hours * SECONDS_PER_HOUR
    arrival = seconds(table.arrived_at).cast("float64")
    status = ibis.cases(
        (arrival <= due, "matched"),
        (table.arrived_at.notnull(), "late"),
        (due <= cutoff.cast("float64"), "missing"),
        else_="pending",
    )
    return table.mutate(day=china_day(table.departed_at), status=status)


def handover_reconciliation(
    handover_table: ir.Table, by: Sequence[str] = ("carrier", "node_id", "day")
) -> ir.Table:
    """Per group of closed handovers (pending ones left out): ``handovers``, ``matched``,
    ``late``, ``missing``, ``unmatched`` (late + missing) and ``unmatched_rate``."""
    keys = check_dimensions(handover_table, by)
    closed = handover_table.filter(handover_table.status != "pending")
    table = closed.aggregate(
        {
            "handovers": closed.waybill.count(),
            "matched": closed.waybill.count(where=closed.status == "matched"),
            "late": closed.waybill.count(where=closed.status == "late"),
            "missing": closed.waybill.count(where=closed.status == "missing"),
        },
        by=keys,
    )
    table = table.mutate(unmatched=table.late + table.missing)
    return table.mutate(unmatched_rate=ratio(table.unmatched, table.handovers))


def unmatched_handovers(handover_table: ir.Table) -> ir.Table:
    """The list to chase: the late and missing handovers, with every column of
    :func:`handovers`."""
    return handover_table.filter(handover_table.status.isin(UNMATCHED))


def stopped_trails(parcels: ir.Table) -> ir.Table:
    """Parcels whose trail stopped: ``waybill, carrier, outlet_id, accepted_at,
    last_scan_at`` (undelivered, unreturned, silent for ``stop_hours`` before the cutoff)."""
    stopped = parcels.filter(parcels.trail_stopped)
    return stopped.select("waybill", "carrier", "outlet_id", "accepted_at", "last_scan_at")


def information_loss(
    parcels: ir.Table,
    handover_table: ir.Table,
    by: Sequence[str] = ("carrier", "acceptance_day"),
) -> ir.Table:
    """Per group of accepted parcels: ``parcels``, ``stopped_trails``, ``unmatched_parcels``
    (with at least one late or missing handover), ``information_lost`` (either) and
    ``information_loss_rate`` = information_lost ÷ parcels."""
    keys = check_dimensions(parcels, by)
    bad = unmatched_handovers(handover_table)
    per_parcel = bad.group_by(
        [bad.carrier.name("unmatched_carrier"), bad.waybill.name("unmatched_waybill")]
    ).aggregate(unmatched_handovers=bad.waybill.count())
    accepted = parcels.filter(parcels.accepted_at.notnull())
    joined = accepted.left_join(
        per_parcel,
        [
            accepted.carrier == per_parcel.unmatched_carrier,
            accepted.waybill == per_parcel.unmatched_waybill,
        ],
    ).select(*keys, "waybill", "trail_stopped", "unmatched_handovers")
    unmatched = joined.unmatched_handovers.notnull()
    table = joined.aggregate(
        {
            "parcels": joined.waybill.count(),
            "stopped_trails": joined.waybill.count(where=joined.trail_stopped),
            "unmatched_parcels": joined.waybill.count(where=unmatched),
            "information_lost": joined.waybill.count(where=joined.trail_stopped | unmatched),
        },
        by=keys,
    )
    return table.mutate(information_loss_rate=ratio(table.information_lost, table.parcels))
