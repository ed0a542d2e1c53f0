"""The KPIs' inputs derived from the partial aggregates (:mod:`.partials`) instead of the raw
events: the rows of :func:`~.parcels.parcel_facts` and :func:`~.delivery.parcel_legs`, the
node hours and dwell of :mod:`.nodes`, the handovers of :mod:`.handovers` and the accept
checks of :mod:`.security`, each the same table the raw-event function gives — provided no
stored event is later than the measurement moment (``settings.cutoff``, required here): the
partials hold every stored event, so a later one would be counted where the raw path leaves
it out. The caller checks that (:func:`peakguard.analytics.partials_lake.usable_partials`).

The same rules as the raw-event functions, written over the stored moments; the agreement is
not assumed but tested (``tests/unit/analytics/test_partials.py``: every bulletin figure from
the partials equals the raw recomputation after any order of batches, on DuckDB and Spark).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peakguard.analytics.delivery import LEGS
from peakguard.analytics.handovers import LANE_COLUMNS
from peakguard.analytics.parcels import (
    SECONDS_PER_HOUR,
    _pair_class,
    _time_limit,
    check_dimensions,
    china_day,
    seconds,
)
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType


def _cutoff(settings: KpiSettings) -> int:
    if settings.cutoff is None:
        raise ValueError("figures from partials need a stated cutoff (the as-of)")
    return int(settings.cutoff.timestamp() // 1)


def facts_from_partials(parcels: ir.Table, settings: KpiSettings) -> ir.Table:
    """The columns of :func:`~.parcels.parcel_facts` (``returns`` as 1 or 0: a return or
    none), plus ``second_departed_at`` and ``last_hub_arrived_at`` for the legs."""
    cutoff = _cutoff(settings)
    accepted = seconds(parcels.accepted_at)
    delivered = seconds(parcels.delivered_at)
    journey = ibis.ifelse(delivered >= accepted, delivered - accepted, ibis.null("int64"))
    facts = parcels.select(
        "waybill",
        "carrier",
        "origin_region",
        "destination_region",
        "product",
        "outlet_id",
        "accepted_at",
        "first_departed_at",
        "last_arrived_at",
        "delivered_at",
        "last_scan_at",
        "second_departed_at",
        "last_hub_arrived_at",
        returns=parcels.returned_at.notnull().ifelse(1, 0).cast("int64"),
        damaged=parcels.damaged_at.notnull(),
        lost=parcels.lost_at.notnull(),
        locker_without_consent=parcels.locker_without_consent_at.notnull(),
        acceptance_day=china_day(parcels.accepted_at),
        origin_city=parcels.origin_region.substr(0, 4) + "00",
        origin_province=parcels.origin_region.substr(0, 2) + "0000",
        destination_city=parcels.destination_region.substr(0, 4) + "00",
        destination_province=parcels.destination_region.substr(0, 2) + "0000",
        journey_seconds=journey,
        journey_hours=journey.cast("float64") / SECONDS_PER_HOUR,
        accepted_seconds=accepted,
        trail_stopped=(
            parcels.delivered_at.isnull()
            & parcels.returned_at.isnull()
            & (seconds(parcels.last_scan_at) < cutoff - int(settings.stop_hours * SECONDS_PER_HOUR))
        ),
    )
    facts = facts.mutate(pair_class=_pair_class(facts))
    facts = facts.mutate(time_limit_hours=_time_limit(facts, settings))
    limit_seconds = facts.time_limit_hours * SECONDS_PER_HOUR
    columns: dict[str, ir.Value] = {
        "on_time": (facts.journey_seconds <= limit_seconds).fill_null(False),
        "due_on_time": facts.accepted_seconds + limit_seconds <= cutoff,
    }
    for hours, suffix in settings.limit_columns():
        allowed = round(hours * SECONDS_PER_HOUR)
        columns[f"due_{suffix}"] = facts.accepted_seconds + allowed <= cutoff
        columns[f"within_{suffix}"] = (facts.journey_seconds <= allowed).fill_null(False)
    return facts.mutate(**columns).drop("accepted_seconds")


def legs_from_facts(facts: ir.Table) -> ir.Table:
    """The delivered parcels of :func:`facts_from_partials` with the seconds and hours of each
    leg, by the checkpoints of :func:`~.delivery.parcel_legs` (each held between the previous
    one and the delivery, a missing one taking the previous one's time)."""
    legs = facts.filter(facts.journey_seconds.notnull())
    start = seconds(legs.accepted_at)
    end = seconds(legs.delivered_at)
    marks = [
        seconds(legs.first_departed_at),
        seconds(legs.second_departed_at),
        seconds(legs.last_hub_arrived_at),
        seconds(legs.last_arrived_at),
    ]
    checkpoints = [start]
    for index in range(len(marks)):
        running = ibis.greatest(start, *(ibis.coalesce(mark, start) for mark in marks[: index + 1]))
        checkpoints.append(ibis.least(running, end))
    checkpoints.append(end)
    columns: dict[str, ir.Value] = {}
    for index, leg in enumerate(LEGS):
        gap = checkpoints[index + 1] - checkpoints[index]
        columns[f"{leg}_seconds"] = gap
        columns[f"{leg}_hours"] = gap.cast("float64") / SECONDS_PER_HOUR
    return legs.mutate(**columns)


def node_hours_from_stays(stays: ir.Table, settings: KpiSettings) -> ir.Table:
    """:func:`~.nodes.node_hours` from stay rows (those entered: the rows with ``entered_at``):
    every hour of a node from its first entry to the cutoff's hour, ``arrived``,
    ``departed`` and the ``backlog`` at the end of the hour."""
    stays = stays.filter(stays.entered_at.notnull())
    entered = seconds(stays.entered_at) // SECONDS_PER_HOUR
    left = ibis.ifelse(
        stays.left_at.isnull(),
        ibis.null("int64"),
        ibis.greatest(seconds(stays.left_at) // SECONDS_PER_HOUR, entered),
    )
    hours = stays.select("node_id", entered_hour=entered, left_hour=left)
    arrived = hours.group_by(["node_id", hours.entered_hour.name("hour")]).aggregate(
        arrived=hours.node_id.count()
    )
    leaving = hours.filter(hours.left_hour.notnull())
    departed = leaving.group_by(["node_id", leaving.left_hour.name("hour")]).aggregate(
        departed=leaving.node_id.count()
    )
    last_hour = _cutoff(settings) // SECONDS_PER_HOUR
    first = arrived.group_by("node_id").aggregate(first_hour=arrived.hour.min())
    grid = first.select("node_id", hour=ibis.range(first.first_hour, last_hour + 1).unnest())
    grid = grid.left_join(arrived, ["node_id", "hour"]).select(
        "node_id", "hour", arrived=arrived.arrived.fill_null(0)
    )
    grid = grid.left_join(departed, ["node_id", "hour"]).select(
        "node_id", "hour", "arrived", departed=departed.departed.fill_null(0)
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


def node_dwell_from_stays(stays: ir.Table, by: Sequence[str] = ("node_id", "day")) -> ir.Table:
    """:func:`~.nodes.node_dwell` from stay rows: over the stays that ended, by the node and
    the China day the parcel left, ``parcels``, ``mean_dwell_hours``, ``p90_dwell_hours``."""
    done = stays.filter(stays.entered_at.notnull() & stays.left_at.notnull())
    done = done.mutate(
        day=china_day(done.left_at),
        dwell_seconds=ibis.greatest(seconds(done.left_at) - seconds(done.entered_at), 0),
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


def handovers_from_departures(
    departures: ir.Table, settings: KpiSettings, lanes: ir.Table | pa.Table | None = None
) -> ir.Table:
    """:func:`~.handovers.handovers` from departure rows: per departure the arrival at the
    next node (the first if it follows the departure, else the last), the allowance (the
    slowest lane's transit, or the default, plus the tolerance) and the status."""
    rows = departures
    arrived = ibis.cases(
        (rows.next_first_arrived_at >= rows.departed_at, rows.next_first_arrived_at),
        (rows.next_last_arrived_at >= rows.departed_at, rows.next_last_arrived_at),
        else_=ibis.null("timestamp"),
    )
    table = rows.select(
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
    cutoff = float(_cutoff(settings))
    status = ibis.cases(
        (arrival <= due, "matched"),
        (table.arrived_at.notnull(), "late"),
        (due <= cutoff, "missing"),
        else_="pending",
    )
    return table.mutate(day=china_day(table.departed_at), status=status)


def accept_events(accepts: ir.Table) -> ir.Table:
    """Accept rows as the scan events :func:`~.security.security_compliance` reads: each
    accept with its flags, and a hub's screening as an X-rayed ``sort`` scan at the parcel's
    first and at its last hub screening."""
    base = accepts.select(
        waybill=accepts.waybill,
        carrier=accepts.carrier,
        event=ibis.literal(EventType.accept.value),
        node_id=accepts.node_id,
        time=accepts.time,
        origin_region=accepts.origin_region,
        real_name_verified=accepts.real_name_verified,
        inspected=accepts.inspected,
        x_rayed=accepts.x_rayed,
    )
    parts = [base]
    for column in ("hub_screened_first_at", "hub_screened_last_at"):
        screened = accepts.filter(accepts[column].notnull())
        parts.append(
            screened.select(
                waybill=screened.waybill,
                carrier=screened.carrier,
                event=ibis.literal(EventType.sort.value),
                node_id=screened.node_id,
                time=screened[column],
                origin_region=screened.origin_region,
                real_name_verified=ibis.null("boolean"),
                inspected=ibis.null("boolean"),
                x_rayed=ibis.literal(True),
            )
        )
    return ibis.union(*parts, distinct=False)


def as_of_literal(settings: KpiSettings) -> ir.TimestampScalar:
    """The cutoff as a UTC timestamp literal."""
    if settings.cutoff is None:
        raise ValueError("figures from partials need a stated cutoff (the as-of)")
    return ibis.literal(settings.cutoff.astimezone(UTC))
