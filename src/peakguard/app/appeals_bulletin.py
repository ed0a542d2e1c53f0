"""The monthly appeals bulletin (国家邮政局关于某月邮政业用户申诉情况的通告) of a deployment: per
carrier the appeals received, valid appeals, valid appeals per million parcels, change against
the month before and the ranking, from the appeals recorded here and the business volume the
event lake counts (parcels accepted in the month, per carrier), within the reader's territory
or brand."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import pyarrow as pa

from peakguard.analytics import KpiSettings
from peakguard.analytics.parcels import parcel_facts
from peakguard.app.access import require
from peakguard.app.bulletins import bulletin_scope, monthly_period
from peakguard.app.kept import kept, lake_signature
from peakguard.bulletin.appeals import AppealsBulletin, appeals_bulletin
from peakguard.bulletin.assemble import open_events, scoped
from peakguard.bulletin.model import BulletinScope
from peakguard.bulletin.periods import Period
from peakguard.identity.model import Permission, Principal
from peakguard.store.case_rates import appeal_table
from peakguard.store.database import Store, transaction


def accepted_volume(lake: Path, periods: tuple[Period, ...], scope: BulletinScope) -> pa.Table:
    """``carrier``, ``period`` (the month's label), ``parcels``: the parcels accepted in each
    of ``periods`` per carrier, inside ``scope`` (the business volume a rate divides by)."""
    key = (lake_signature(lake), periods, scope)
    return kept(_volumes_kept, key, 16, lambda: _measure_volume(lake, periods, scope))


_volumes_kept: OrderedDict[tuple[Any, ...], pa.Table] = OrderedDict()


def _measure_volume(lake: Path, periods: tuple[Period, ...], scope: BulletinScope) -> pa.Table:
    engine = scoped(open_events(lake), scope)
    parcels = parcel_facts(engine.events, KpiSettings())
    rows: dict[str, list[Any]] = {"carrier": [], "period": [], "parcels": []}
    for period in periods:
        day = parcels.acceptance_day
        inside = parcels.filter(day.between(period.first_day, period.last_day))
        counted = inside.aggregate(parcels=inside.waybill.count(), by=["carrier"])
        for row in engine.compute(counted).to_pylist():
            rows["carrier"].append(row["carrier"])
            rows["period"].append(period.label)
            rows["parcels"].append(int(row["parcels"]))
    return pa.table(
        {
            "carrier": pa.array(rows["carrier"], pa.string()),
            "period": pa.array(rows["period"], pa.string()),
            "parcels": pa.array(rows["parcels"], pa.int64()),
        }
    )


def monthly_appeals_bulletin(
    store: Store, lake: Path, month: str, *, actor: Principal, option_prefix: str = "--"
) -> AppealsBulletin:
    """The appeals bulletin of ``month`` (``2026-11``) as ``actor`` may see it: counts and
    rates only, no case and no person, so it is a bulletin reader's (as the State Post
    Bureau's own bulletin is public)."""
    require(actor, Permission.bulletin_read)
    period = monthly_period(month, option_prefix=option_prefix)
    previous = period.previous()
    scope = bulletin_scope(actor)
    with transaction(store.sessions) as session:
        appeals = appeal_table(
            session,
            previous.first_day,
            period.last_day,
            carrier=scope.carrier,
            region_prefix=scope.region_prefix,
        )
    appeals = appeals.rename_columns(
        ["received" if name == "day" else name for name in appeals.column_names]
    )
    volume = accepted_volume(lake, (previous, period), scope)
    return appeals_bulletin(appeals, volume, period=period, previous_period=previous)
