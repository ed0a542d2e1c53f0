"""The "three 100 %" (三个100%) at acceptance: real-name registration (实名收寄), open-box
inspection (收寄验视) and X-ray screening (过机安检), as shares of the accepts.

A flag left empty on an accept counts as not done: the rule is that every parcel is checked,
so an unrecorded check is a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from peakguard.analytics.parcels import check_dimensions, china_day, ratio, within_cutoff
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import SECURITY_FLAGS, EventType


def security_compliance(
    events: ir.Table, settings: KpiSettings, by: Sequence[str] = ("outlet_id", "carrier")
) -> ir.Table:
    """Per group of accept events (``outlet_id`` is the accepting node, ``day`` the China-time
    day): ``accepts``, ``real_name_verified``, ``inspected``, ``x_rayed``, ``all_three`` (counts
    of accepts with the flag true) and each ``…_share`` of the accepts."""
    scans = within_cutoff(events, settings)
    accepts = scans.filter(scans.event == EventType.accept.value)
    accepts = accepts.mutate(outlet_id=accepts.node_id, day=china_day(accepts.time))
    keys = check_dimensions(accepts, by)
    every = accepts[SECURITY_FLAGS[0]].fill_null(False)
    for flag in SECURITY_FLAGS[1:]:
        every = every & accepts[flag].fill_null(False)
    metrics: dict[str, ir.Scalar] = {"accepts": accepts.waybill.count()}
    for flag in SECURITY_FLAGS:
        metrics[flag] = accepts.waybill.count(where=accepts[flag].fill_null(False))
    metrics["all_three"] = accepts.waybill.count(where=every)
    table = accepts.aggregate(metrics, by=keys)
    return table.mutate(
        **{
            f"{name}_share": ratio(table[name], table.accepts)
            for name in (*SECURITY_FLAGS, "all_three")
        }
    )
