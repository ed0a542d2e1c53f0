"""Origin–destination pairs (流向): each pair's parcels, on-time rate and journey times.

A pair is the origin and destination of a parcel at one level of the GB/T 2260 divisions:
prefecture cities (``510100 → 610100``) or provinces (``510000 → 610000``). The rules are the
delivery KPIs' (:mod:`.delivery`): a parcel counts in the pair it was accepted in; the on-time
rate is against the service standard of the parcel's pair class, over the parcels whose limit
had run out by the cutoff, the undelivered counted late; times are over the delivered parcels.
"""

from __future__ import annotations

from enum import StrEnum

import ibis.expr.types as ir

from peakguard.analytics.parcels import SECONDS_PER_HOUR, ratio
from peakguard.analytics.settings import KpiSettings


class PairLevel(StrEnum):
    """Which divisions a pair joins."""

    city = "city"
    province = "province"

    @property
    def columns(self) -> tuple[str, str]:
        """The origin and destination columns of :func:`~.parcels.parcel_facts`."""
        return (f"origin_{self.value}", f"destination_{self.value}")


def pair_figures(
    parcels: ir.Table, settings: KpiSettings, level: PairLevel = PairLevel.city
) -> ir.Table:
    """Per pair of ``parcels`` (rows of :func:`~.parcels.parcel_facts`): ``origin``,
    ``destination`` (the GB/T 2260 codes at ``level``), ``accepted``, ``delivered``, ``due``
    (parcels whose service-standard limit had run out by the cutoff), ``due_on_time`` (of
    those, delivered within it), ``on_time_rate`` = due_on_time ÷ due, per delivery limit
    ``due_72h``, ``delivered_72h`` and ``rate_72h``, and over the delivered parcels
    ``mean_journey_hours``, ``p50_journey_hours`` and ``p90_journey_hours`` (percentiles
    linear between ranks)."""
    origin, destination = level.columns
    accepted = parcels.filter(parcels.accepted_at.notnull())
    journey = accepted.journey_seconds
    metrics: dict[str, ir.Scalar] = {
        "accepted": accepted.waybill.count(),
        "delivered": journey.count(),
        "due": accepted.waybill.count(where=accepted.due_on_time),
        "due_on_time": accepted.waybill.count(where=accepted.due_on_time & accepted.on_time),
    }
    for _hours, suffix in settings.limit_columns():
        due = accepted[f"due_{suffix}"]
        metrics[f"due_{suffix}"] = accepted.waybill.count(where=due)
        metrics[f"delivered_{suffix}"] = accepted.waybill.count(
            where=due & accepted[f"within_{suffix}"]
        )
    metrics["mean_journey_hours"] = journey.mean() / SECONDS_PER_HOUR
    metrics["p50_journey_hours"] = journey.quantile(0.5) / SECONDS_PER_HOUR
    metrics["p90_journey_hours"] = journey.quantile(0.9) / SECONDS_PER_HOUR
    table = accepted.aggregate(
        metrics, by=[accepted[origin].name("origin"), accepted[destination].name("destination")]
    )
    rates = {"on_time_rate": ratio(table.due_on_time, table.due)}
    for _hours, suffix in settings.limit_columns():
        rates[f"rate_{suffix}"] = ratio(table[f"delivered_{suffix}"], table[f"due_{suffix}"])
    return table.mutate(**rates)
