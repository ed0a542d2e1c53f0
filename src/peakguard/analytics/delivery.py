"""Delivery KPIs over :func:`~peakguard.analytics.parcels.parcel_facts`: the 72- and 48-hour
delivery rates, the on-time rate against the service standards, the full-journey time and its
five legs.

Rates count the parcels *accepted* before the cutoff whose time limit had run out by the
cutoff: an undelivered one counts as not delivered within the limit, a parcel whose limit is
still running is left out (it could yet make it). The groups are the acceptance's: a parcel
belongs to the day, carrier and regions it was accepted in.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from peakguard.analytics.parcels import (
    SECONDS_PER_HOUR,
    check_dimensions,
    ratio,
    seconds,
)
from peakguard.analytics.settings import KpiSettings

LEGS: tuple[str, ...] = ("acceptance", "outbound", "transit", "inbound", "delivery")
"""The five legs of the full journey (收寄, 出口, 运输, 进口, 投递), in order."""

LEG_INPUTS: tuple[str, ...] = (
    "accepted_at",
    "first_departed_at",
    "second_departed_at",
    "last_hub_arrived_at",
    "last_arrived_at",
    "delivered_at",
    "journey_seconds",
)
"""The columns of the parcel facts :func:`parcel_legs` reads (besides the grouping)."""


def rate_inputs(settings: KpiSettings) -> tuple[str, ...]:
    """The columns of the parcel facts :func:`delivery_rates` reads (besides the grouping):
    a stored table of the facts need hold only these."""
    limits = [
        f"{kind}_{suffix}" for _, suffix in settings.limit_columns() for kind in ("due", "within")
    ]
    return ("accepted_at", "journey_seconds", *limits)


def delivery_rates(
    parcels: ir.Table, settings: KpiSettings, by: Sequence[str] = ("carrier",)
) -> ir.Table:
    """Per group: ``accepted``, ``delivered``, ``mean_journey_hours`` (over the delivered),
    and per delivery limit (72 h, 48 h): ``due_72h`` (accepted parcels whose 72 h had run out
    by the cutoff), ``delivered_72h`` (of those, delivered within 72 h) and ``rate_72h``."""
    keys = check_dimensions(parcels, by)
    accepted = parcels.filter(parcels.accepted_at.notnull())
    metrics: dict[str, ir.Scalar] = {
        "accepted": accepted.count(),
        "delivered": accepted.journey_seconds.count(),
        "mean_journey_hours": accepted.journey_seconds.mean() / SECONDS_PER_HOUR,
    }
    for _hours, suffix in settings.limit_columns():
        due = accepted[f"due_{suffix}"]
        metrics[f"due_{suffix}"] = accepted.count(where=due)
        metrics[f"delivered_{suffix}"] = accepted.count(where=due & accepted[f"within_{suffix}"])
    table = accepted.aggregate(metrics, by=keys)
    return table.mutate(
        **{
            f"rate_{suffix}": ratio(table[f"delivered_{suffix}"], table[f"due_{suffix}"])
            for _hours, suffix in settings.limit_columns()
        }
    )


def on_time_rates(parcels: ir.Table, by: Sequence[str] = ("carrier",)) -> ir.Table:
    """On time against the service standard of the parcel's pair class (全程时限达标).

    Per group: ``delivered``, ``on_time`` (delivered within the standard), ``on_time_rate`` =
    on_time ÷ delivered (the simulator's figure); ``due`` (accepted parcels whose limit had
    run out by the cutoff, delivered or not), ``due_on_time`` and ``due_on_time_rate`` (the
    same with the undelivered counted late)."""
    keys = check_dimensions(parcels, by)
    accepted = parcels.filter(parcels.accepted_at.notnull())
    delivered = accepted.journey_seconds.notnull()
    table = accepted.aggregate(
        {
            "delivered": accepted.waybill.count(where=delivered),
            "on_time": accepted.waybill.count(where=accepted.on_time),
            "due": accepted.waybill.count(where=accepted.due_on_time),
            "due_on_time": accepted.waybill.count(where=accepted.due_on_time & accepted.on_time),
        },
        by=keys,
    )
    return table.mutate(
        on_time_rate=ratio(table.on_time, table.delivered),
        due_on_time_rate=ratio(table.due_on_time, table.due),
    )


def parcel_legs(events: ir.Table, parcels: ir.Table, settings: KpiSettings) -> ir.Table:
    """The delivered parcels (rows of ``parcels``) with the seconds of each leg.

    Checkpoints on the trail, in order: acceptance; the first departure (from the outlet);
    the second departure (from the first hub); the arrival at the last node before the
    delivering node; the arrival at the delivering node; delivery. The legs are the gaps
    between them: ``acceptance_seconds`` … ``delivery_seconds`` (and ``…_hours``). A missing
    checkpoint (a parcel delivered by the node that accepted it, a route with one hub) takes
    the previous one's time, and each is held between the previous and the delivery, so the
    legs are never negative and sum exactly to ``journey_seconds``.
    """
    del events, settings  # the moments are in the parcel facts, measured as of their cutoff
    legs = parcels.filter(parcels.journey_seconds.notnull())
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


def journey_times(legs: ir.Table, by: Sequence[str] = ("carrier",)) -> ir.Table:
    """Per group of :func:`parcel_legs`: ``delivered``, ``mean_journey_hours`` (全程时限) and
    ``mean_acceptance_hours`` … ``mean_delivery_hours`` (they sum to the journey)."""
    keys = check_dimensions(legs, by)
    metrics: dict[str, ir.Scalar] = {
        "delivered": legs.count(),
        "mean_journey_hours": legs.journey_seconds.mean() / SECONDS_PER_HOUR,
    }
    for leg in LEGS:
        metrics[f"mean_{leg}_hours"] = legs[f"{leg}_seconds"].mean() / SECONDS_PER_HOUR
    return legs.aggregate(metrics, by=keys)
