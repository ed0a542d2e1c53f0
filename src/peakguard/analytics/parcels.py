"""Per-parcel facts: one grouped pass over the scan events, one row per parcel.

A parcel is its carrier's waybill: ``(carrier, waybill)``, the key the lake stores events
under, so an event sent under one carrier never moves another carrier's parcel with the same
waybill number (every KPI here groups, joins and counts by both).

Every parcel-level KPI (delivery rates, on-time rate, journey legs, exceptions, information
loss) aggregates this table, so the events are read once per question and never joined to
themselves per event type: each moment is a conditional aggregate
(``time.min(where=event == "accept")``), and the two moments that depend on another one (the
second departure, the last hub arrival) come from the parcel's departure and arrival times
collected in the same pass.

Times are compared in whole seconds since 1970 (UTC), the clock both engines agree on;
sub-second parts are dropped. The seconds are read from each engine's own microsecond clock
(DuckDB's ``epoch_us``, Spark's ``unix_micros``), never through a conversion to local time, and
a day is the calendar day in China Standard Time, computed from those seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from peakguard.analytics.settings import KpiSettings
from peakguard.domain.regions import PairClass
from peakguard.domain.scans import EventType, ExceptionReason

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
MICROSECONDS_PER_SECOND = 1_000_000
CHINA_OFFSET_SECONDS = 8 * SECONDS_PER_HOUR

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


def _builtin(name: str, argument: dt.DataType, result: dt.DataType) -> Callable[[ir.Value], Any]:
    """A function both engines have, called by ``name`` (Spark's); sqlglot writes it in the
    other engine's words. The Python body is never run."""

    def function(value: ir.Value) -> ir.Value:
        raise NotImplementedError(name)

    function.__name__ = name
    builtin: Callable[[ir.Value], Any] = ibis.udf.scalar.builtin(
        function, name=name, signature=((argument,), result)
    )
    return builtin


_unix_micros = _builtin("unix_micros", dt.timestamp, dt.int64)
"""Microseconds since 1970 UTC on the engine's own clock: Spark's ``unix_micros``, DuckDB's
``epoch_us``. (Ibis's ``epoch_seconds()`` casts the time to a time-zone-less timestamp first,
which costs DuckDB a calendar conversion per row, and returns a fraction there.)"""

_date_from_unix_date = _builtin("date_from_unix_date", dt.int64, dt.timestamp)
"""The date so many days after 1970-01-01: Spark's ``date_from_unix_date``; for DuckDB sqlglot
writes ``DATE '1970-01-01' + INTERVAL (days) DAY``, which DuckDB types as a timestamp (hence
the declared type; :func:`china_day` casts the result to a date on both)."""


def seconds(moment: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since 1970-01-01 UTC (floored: 1969-12-31 23:59:59.5 is -1)."""
    micros: ir.IntegerValue = _unix_micros(moment)
    return micros // MICROSECONDS_PER_SECOND


def china_day(moment: ir.TimestampValue) -> ir.DateValue:
    """The China Standard Time calendar day of a UTC instant."""
    days = (seconds(moment) + CHINA_OFFSET_SECONDS) // SECONDS_PER_DAY
    day: ir.DateValue = _date_from_unix_date(days).cast("date")
    return day


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
    ``second_departed_at`` (the earliest departure after the first), ``last_arrived_at``
    (arrival at the delivering node), ``last_hub_arrived_at`` (the latest arrival before it),
    ``delivered_at`` (first deliver),
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
    departing = event == EventType.depart.value
    arriving = event == EventType.arrive.value
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
        first_departed_at=scans.time.min(where=departing),
        last_arrived_at=scans.time.max(where=arriving),
        delivered_at=scans.time.min(where=event == EventType.deliver.value),
        last_scan_at=scans.time.max(),
        returns=scans.waybill.count(where=event == EventType.returned.value),
        _departures=scans.time.collect(where=departing),
        _arrivals=scans.time.collect(where=arriving),
        **flags,
    )
    # The moments that depend on another one, from the parcel's own times in the same pass
    # (no join of the moves back to the parcels): the earliest departure after the first one,
    # the latest arrival before the one at the delivering node (empty when there is none).
    moments = facts.mutate(
        second_departed_at=facts._departures.filter(
            lambda moment: moment > facts.first_departed_at
        ).mins(),
        last_hub_arrived_at=facts._arrivals.filter(
            lambda moment: moment < facts.last_arrived_at
        ).maxs(),
    ).drop("_departures", "_arrivals")
    return derived_facts(moments, settings)


def derived_facts(facts: ir.Table, settings: KpiSettings) -> ir.Table:
    """The per-parcel moments with the columns derived from them (see :func:`parcel_facts`):
    the one statement of the parcel KPIs' rules, whether the moments come from the events or
    from the event lake's partial aggregates (:mod:`.partial_figures`). ``returns`` and the
    exception columns are counts (a parcel has one when the count is above zero)."""
    if settings.cutoff is not None:
        cutoff = cutoff_seconds(facts, settings)
    else:  # the latest event is the latest parcel's last scan: the events are not read twice
        cutoff = seconds(facts.last_scan_at.max().as_scalar())
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
