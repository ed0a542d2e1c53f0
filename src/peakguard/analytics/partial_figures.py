"""The KPIs' inputs derived from the partial aggregates (:mod:`.partials`) instead of the raw
events: the rows of :func:`~.parcels.parcel_facts` and :func:`~.delivery.parcel_legs`, the
node hours and dwell of :mod:`.nodes`, the handovers of :mod:`.handovers` and the accept
checks of :mod:`.security`, each the same table the raw-event function gives — provided no
stored event is later than the measurement moment (``settings.cutoff``, required here): the
partials hold every stored event, so a later one would be counted where the raw path leaves
it out. The caller checks that (:func:`peakguard.analytics.partials_lake.usable_partials`).

The rules are the raw-event functions' own, applied to the stored moments: the parcel facts'
derived columns (:func:`~.parcels.derived_facts`), the legs (:func:`~.delivery.parcel_legs`),
the handover status (:func:`~.handovers.handover_status`), the hour grid and backlog
(:func:`~.nodes.hour_grid`) and the three 100 % (:func:`~.security.security_compliance`).
What is written here is only how the stored rows stand for the events. The agreement is
tested as well (``tests/unit/bulletin/test_partials.py``: every bulletin figure from the
partials equals the raw recomputation after any order of batches;
``tests/unit/analytics/test_partials_engines.py``: the same KPI inputs on DuckDB and Spark).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from peakguard.analytics.delivery import parcel_legs
from peakguard.analytics.handovers import handover_status
from peakguard.analytics.nodes import hour_grid
from peakguard.analytics.parcels import (
    EXCEPTION_COLUMNS,
    SECONDS_PER_HOUR,
    check_dimensions,
    china_day,
    derived_facts,
)
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType


def _cutoff(settings: KpiSettings) -> int:
    if settings.cutoff is None:
        raise ValueError("figures from partials need a stated cutoff (the as-of)")
    return int(settings.cutoff.timestamp() // 1)


def facts_from_partials(parcels: ir.Table, settings: KpiSettings) -> ir.Table:
    """The rows of :func:`~.parcels.parcel_facts` from parcel rows: the stored moments in the
    raw function's columns (a return or an exception of a reason counted once: the rules ask
    only whether there is one), the rest by the raw function's own rules
    (:func:`~.parcels.derived_facts`) as of the stated cutoff."""
    _cutoff(settings)
    moments = parcels.select(
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
        returns=_once(parcels.returned_at),
        **{name: _once(parcels[f"{name}_at"]) for name in EXCEPTION_COLUMNS},
        second_departed_at=parcels.second_departed_at,
        last_hub_arrived_at=parcels.last_hub_arrived_at,
    )
    return derived_facts(moments, settings)


def _once(moment: ir.TimestampValue) -> ir.IntegerValue:
    """1 when the parcel has the moment, else 0 (the raw facts' count of such events)."""
    return moment.notnull().ifelse(1, 0).cast("int64")


def legs_from_facts(facts: ir.Table) -> ir.Table:
    """:func:`~.delivery.parcel_legs` of :func:`facts_from_partials` (the legs are read from
    the parcel facts alone)."""
    return parcel_legs(facts, facts, KpiSettings())


def node_hours_from_counts(
    counts: ir.Table, settings: KpiSettings, since: datetime | None = None
) -> ir.Table:
    """:func:`~.nodes.node_hours` from the node-hour counts (:func:`~.partials.node_hour_rows`)
    by the same grid (:func:`~.nodes.hour_grid`), up to the cutoff's hour. With ``since``,
    only the hours from then on, the counts before it summed into one hour before it (the
    backlog carried in): a day's grid does not span the whole lake's hours."""
    counts = counts.filter((counts.arrived != 0) | (counts.departed != 0))
    counts = counts.select(
        "node_id",
        *(counts[name].cast("int64").name(name) for name in ("hour", "arrived", "departed")),
    )
    if since is not None:
        start = int(since.timestamp()) // SECONDS_PER_HOUR
        before = counts.filter(counts.hour < start)
        carried = before.group_by("node_id").aggregate(
            hour=ibis.literal(start - 1, "int64"),
            arrived=before.arrived.sum().cast("int64"),
            departed=before.departed.sum().cast("int64"),
        )
        counts = ibis.union(carried, counts.filter(counts.hour >= start), distinct=False)
    grid = hour_grid(counts, _cutoff(settings) // SECONDS_PER_HOUR)
    return grid if since is None else grid.filter(grid.hour >= ibis.literal(since))


def node_dwell_from_counts(counts: ir.Table, by: Sequence[str] = ("node_id", "day")) -> ir.Table:
    """:func:`~.nodes.node_dwell`'s ``parcels`` and ``mean_dwell_hours`` from the node-hour
    counts: the stays that ended, by node and the China day they left (the sum of their
    dwell seconds over their number; the 90th percentile needs the stays themselves)."""
    done = counts.filter(counts.dwelled != 0)
    done = done.mutate(day=china_day((done.hour * SECONDS_PER_HOUR).as_timestamp("s")))
    keys = check_dimensions(done, by)
    return done.aggregate(
        {
            "parcels": done.dwelled.sum().cast("int64"),
            "mean_dwell_hours": done.dwell_seconds.sum().cast("float64")
            / done.dwelled.sum()
            / SECONDS_PER_HOUR,
        },
        by=keys,
    )


def handovers_from_departures(
    departures: ir.Table, settings: KpiSettings, lanes: ir.Table | pa.Table | None = None
) -> ir.Table:
    """:func:`~.handovers.handovers` from departure rows (each with the parcel's first and last
    arrival at the node it left for), by the raw function's rule
    (:func:`~.handovers.handover_status`) as of the stated cutoff."""
    rows = departures.select(
        "waybill",
        "carrier",
        "node_id",
        "next_node_id",
        "departed_at",
        first_arrived_at=departures.next_first_arrived_at,
        last_arrived_at=departures.next_last_arrived_at,
    )
    cutoff = ibis.literal(_cutoff(settings), type="int64")
    return handover_status(rows, settings, lanes, cutoff)


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
