"""Per-parcel facts: one grouped pass over the scan events, one row per parcel.

A parcel is its carrier's waybill: ``(carrier, waybill)``, the key the lake stores events
under, so an event sent under one carrier never moves another carrier's parcel with the same
waybill number (every KPI here groups, joins and counts by both).

Every parcel-level KPI (delivery rates, on-time rate, journey legs, exceptions, information
loss) aggregates this table, so the events are read once per question and never joined to
themselves per event type: each moment is a conditional aggregate
(``time.min(where=event == "accept")``).

Times are compared in whole seconds since 1970 (UTC), the clock both engines agree on;
sub-second parts are dropped. A day is the calendar day in China Standard Time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import ibis
import ibis.expr.types as ir

from peakguard.analytics.settings import KpiSettings
from peakguard.domain.regions import PairClass
from peakguard.domain.scans import EventType, ExceptionReason

SECONDS_PER_HOUR = 3600

PARCEL_KEY: tuple[str, ...] = ("carrier", "waybill")
"""What names a parcel: a waybill number is unique within its carrier only."""

PARCEL_DIMENSIONS: tuple[str, ...] = (
    "carrier",
    "product",
    "outlet_id",
    "origin_region",
    "origin_city",
    "origin_province",
    "destination_region",
    "destination_city",
    "destination_province",
    "pair_class",
    "acceptance_day",
)
"""Columns of :func:`parcel_facts` a parcel-level KPI can be grouped by."""

EXCEPTION_COLUMNS: dict[str, ExceptionReason] = {
    "damaged": ExceptionReason.damage,
    "lost": ExceptionReason.loss,
    "locker_without_consent": ExceptionReason.locker_without_consent,
}


def seconds(moment: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since 1970-01-01 UTC."""
    return moment.epoch_seconds().cast("float64").floor().cast("int64")


def china_day(moment: ir.TimestampValue) -> ir.DateValue:
    """The China Standard Time calendar day of a UTC instant (both engines run in UTC)."""
    return (moment + ibis.interval(hours=8)).date()


def within_cutoff(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """The events at or before the cutoff (all of them when no cutoff is set)."""
    if settings.cutoff is None:
        return events
    return events.filter(events.time <= ibis.literal(settings.cutoff.astimezone(UTC)))


def cutoff_seconds(events: ir.Table, settings: KpiSettings) -> ir.IntegerValue:
    """The cutoff in whole seconds: the setting, or the latest event's time (a scalar
    subquery: a bare ``time.max()`` would be read as the per-group maximum in a grouped
    table derived from ``events``)."""
    if settings.cutoff is not None:
        return ibis.literal(int(settings.cutoff.timestamp() // 1), type="int64")
    return seconds(events.time.max().as_scalar())


def ratio(part: ir.NumericValue, whole: ir.NumericValue, scale: float = 1.0) -> ir.FloatingValue:
    """``part / whole × scale``; empty (null) when ``whole`` is zero."""
    return part.cast("float64") * scale / whole.cast("float64").nullif(0.0)


def check_dimensions(table: ir.Table, by: Sequence[str]) -> list[str]:
    """``by`` as a list, refused with the known columns named when one is not in ``table``."""
    unknown = [name for name in by if name not in table.columns]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; columns: {list(table.columns)}")
    return list(by)


def parcel_facts(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """One row per parcel ``(carrier, waybill)``, from the events up to the cutoff.

    Columns: ``waybill, carrier, origin_region, destination_region, product, outlet_id``
    (the accepting node), ``accepted_at`` (first accept), ``first_departed_at``,
    ``last_arrived_at`` (arrival at the delivering node), ``delivered_at`` (first deliver),
    ``last_scan_at``, ``returns``, ``damaged``, ``lost``, ``locker_without_consent`` (a
    parcel with at least one exception of that reason), ``acceptance_day`` (China time),
    ``origin_city``/``origin_province``/``destination_city``/``destination_province``
    (GB/T 2260 codes of the prefecture and province), ``pair_class``, ``journey_seconds`` and
    ``journey_hours`` (acceptance → delivery; empty unless both exist in order),
    ``time_limit_hours`` (the service standard), ``on_time`` (delivered within it),
    ``due_on_time`` (its limit had passed by the cutoff), ``trail_stopped``, and per delivery
    limit (``72h``, ``48h``): ``due_72h`` (72 h had passed by the cutoff) and ``within_72h``
    (delivered within 72 h).
    """
    scans = within_cutoff(events, settings)
    event = scans.event
    exception = event == EventType.exception.value
    accept = event == EventType.accept.value
    flags = {
        name: scans.waybill.count(where=exception & (scans.reason == reason.value))
        for name, reason in EXCEPTION_COLUMNS.items()
    }
    # Grouped as (waybill, carrier): the columns keep their order, waybill first.
    facts = scans.group_by(["waybill", "carrier"]).aggregate(
        origin_region=scans.origin_region.arbitrary(),
        destination_region=scans.destination_region.arbitrary(),
        product=scans.product.arbitrary(),
        outlet_id=scans.node_id.min(where=accept),
        accepted_at=scans.time.min(where=accept),
        first_departed_at=scans.time.min(where=event == EventType.depart.value),
        last_arrived_at=scans.time.max(where=event == EventType.arrive.value),
        delivered_at=scans.time.min(where=event == EventType.deliver.value),
        last_scan_at=scans.time.max(),
        returns=scans.waybill.count(where=event == EventType.returned.value),
        **flags,
    )
    cutoff = cutoff_seconds(scans, settings)
    accepted = seconds(facts.accepted_at)
    delivered = seconds(facts.delivered_at)
    journey = ibis.ifelse(delivered >= accepted, delivered - accepted, ibis.null("int64"))
    facts = facts.mutate(
        **{name: facts[name] > 0 for name in EXCEPTION_COLUMNS},
        acceptance_day=china_day(facts.accepted_at),
        origin_city=facts.origin_region.substr(0, 4) + "00",
        origin_province=facts.origin_region.substr(0, 2) + "0000",
        destination_city=facts.destination_region.substr(0, 4) + "00",
        destination_province=facts.destination_region.substr(0, 2) + "0000",
        journey_seconds=journey,
        journey_hours=journey.cast("float64") / SECONDS_PER_HOUR,
        accepted_seconds=accepted,
        trail_stopped=(
            facts.delivered_at.isnull()
            & (facts.returns == 0)
            & (seconds(facts.last_scan_at) < cutoff - int(settings.stop_hours * SECONDS_PER_HOUR))
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


def _pair_class(facts: ir.Table) -> ir.StringValue:
    origin, destination = facts.origin_region, facts.destination_region
    return ibis.cases(
        (origin.substr(0, 4) == destination.substr(0, 4), PairClass.same_city.value),
        (origin.substr(0, 2) == destination.substr(0, 2), PairClass.same_province.value),
        else_=PairClass.other_province.value,
    )


def _time_limit(facts: ir.Table, settings: KpiSettings) -> ir.FloatingValue:
    """The standard's hours for the parcel's pair class, the carrier's own standard first."""
    standards = sorted(settings.service_standards, key=lambda s: s.carrier is None)
    branches = [
        (
            (facts.pair_class == str(standard.pair_class))
            & (
                facts.carrier == standard.carrier
                if standard.carrier is not None
                else ibis.literal(True)
            ),
            float(standard.time_limit_hours),
        )
        for standard in standards
    ]
    return ibis.cases(*branches, else_=ibis.null("float64"))
