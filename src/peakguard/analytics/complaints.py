"""Complaint rates per million parcels (申诉率, 有效申诉率), the regulator's definition:
complaints ÷ business volume, expressed per million; a complaint is *valid* when the
enterprise bears service-quality responsibility.

Complaints do not come from scan events: the hook takes a complaints table with ``carrier``,
``day`` (China-time day received), ``valid`` and optionally ``waybill``, and a volume table
with the same grouping columns and ``parcels`` — from :func:`parcel_volume` over the events, or
published volumes.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from peakguard.analytics.parcels import check_dimensions, ratio

PER_MILLION = 1_000_000.0
COMPLAINT_COLUMNS = ("waybill", "carrier", "day", "valid")


def parcel_volume(parcels: ir.Table, by: Sequence[str] = ("carrier", "day")) -> ir.Table:
    """Parcels accepted per group; ``day`` is the acceptance day: ``…by, parcels``."""
    accepted = parcels.filter(parcels.accepted_at.notnull()).mutate(day=parcels.acceptance_day)
    keys = check_dimensions(accepted, by)
    return accepted.aggregate({"parcels": accepted.waybill.count()}, by=keys)


def complaint_rates(
    complaints: ir.Table, volume: ir.Table, by: Sequence[str] = ("carrier",)
) -> ir.Table:
    """Per group of the volume table: ``parcels``, ``complaints``, ``valid_complaints``,
    ``complaints_per_million`` and ``valid_complaints_per_million``. Complaints in a group
    with no volume are left out (a rate needs a volume)."""
    keys = check_dimensions(complaints, by)
    check_dimensions(volume, by)
    counted = complaints.aggregate(
        {
            "complaints": complaints.carrier.count(),
            "valid_complaints": complaints.carrier.count(where=complaints.valid.fill_null(False)),
        },
        by=keys,
    )
    volumes = volume.aggregate({"parcels": volume.parcels.sum()}, by=keys)
    if keys:
        joined = volumes.left_join(counted, keys).select(
            *keys,
            "parcels",
            complaints=counted.complaints.fill_null(0),
            valid_complaints=counted.valid_complaints.fill_null(0),
        )
    else:
        joined = volumes.cross_join(counted)
    return joined.mutate(
        complaints_per_million=ratio(joined.complaints, joined.parcels, PER_MILLION),
        valid_complaints_per_million=ratio(joined.valid_complaints, joined.parcels, PER_MILLION),
    )
