"""Exception rates: damage (破损), loss (丢失) and delivery to a locker without consent
(未经同意投柜), per million parcels accepted.

Per million (百万分之) is the unit of the regulator's complaint bulletins, so every
service-quality rate in a bulletin reads on the same scale. A parcel counts once per reason,
however many exception scans of that reason it has; it belongs to the group (carrier, region,
day) of its acceptance.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from peakguard.analytics.parcels import EXCEPTION_COLUMNS, check_dimensions, ratio

PER_MILLION = 1_000_000.0


def exception_rates(
    parcels: ir.Table, by: Sequence[str] = ("carrier", "origin_province", "acceptance_day")
) -> ir.Table:
    """Per group of accepted parcels: ``parcels``, ``damaged``, ``lost``,
    ``locker_without_consent`` (parcels with such an exception) and each
    ``…_per_million``."""
    keys = check_dimensions(parcels, by)
    accepted = parcels.filter(parcels.accepted_at.notnull())
    metrics: dict[str, ir.Scalar] = {"parcels": accepted.waybill.count()}
    for name in EXCEPTION_COLUMNS:
        metrics[name] = accepted.waybill.count(where=accepted[name])
    table = accepted.aggregate(metrics, by=keys)
    return table.mutate(
        **{
            f"{name}_per_million": ratio(table[name], table.parcels, PER_MILLION)
            for name in EXCEPTION_COLUMNS
        }
    )
