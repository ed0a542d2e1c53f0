"""The "three 100 %" (三个100%) at acceptance: real-name registration (实名收寄), open-box
inspection (收寄验视) and X-ray screening (过机安检), as shares of the accepts.

A flag left empty on an accept counts as not done: the rule is that every parcel is checked,
so an unrecorded check is a missing one.

X-ray screening is recorded where it happens: on the ``accept`` event (screened at the outlet)
or on a hub's ``sort`` or ``arrive`` event (screened at a hub, docs/reference/scan-events.md).
A parcel counts as X-rayed when any of its scans up to the cutoff says so, once however many
scans say it; ``x_rayed_at_acceptance`` counts those screened at the outlet and
``x_rayed_at_hub`` those whose acceptance lacked the X-ray but a hub screened, so the two add
up to ``x_rayed``. Every figure is attributed to the accepting outlet and its acceptance day.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from peakguard.analytics.parcels import check_dimensions, china_day, ratio, within_cutoff
from peakguard.analytics.settings import KpiSettings
from peakguard.domain.scans import EventType

HUB_SCREENING_EVENTS: tuple[str, ...] = (EventType.sort.value, EventType.arrive.value)
"""The events a hub records its X-ray screening on."""
CHECK_COUNTS: tuple[str, ...] = (
    "real_name_verified",
    "inspected",
    "x_rayed",
    "x_rayed_at_acceptance",
    "x_rayed_at_hub",
    "all_three",
)
"""The counts of :func:`security_compliance`, each with its ``…_share`` of the accepts."""
COMPLIANCE_DIMENSIONS: tuple[str, ...] = (
    "outlet_id",
    "carrier",
    "region",
    "city",
    "province",
    "day",
)
"""What the figures may be grouped by: the accepting node, the brand, the acceptance's region
(GB/T 2260, six digits), its city's (four) and province's (two) leading digits, the China day."""


def accept_checks(events: ir.Table, settings: KpiSettings) -> ir.Table:
    """One row per accept event up to the cutoff: ``carrier``, ``waybill``, ``outlet_id``,
    ``region`` (the accept's origin region), ``city``, ``province``, ``day``, ``time``, the
    checks as booleans (empty counted as false) — ``real_name_verified``, ``inspected``,
    ``x_rayed_at_acceptance``, ``x_rayed_at_hub`` (not at acceptance, but on a hub's sort or
    arrive scan of the same parcel), ``x_rayed`` (either) and ``all_three``."""
    scans = within_cutoff(events, settings)
    accepts = scans.filter(scans.event == EventType.accept.value)
    screened = scans.filter(scans.event.isin(HUB_SCREENING_EVENTS) & scans.x_rayed.fill_null(False))
    hubs = (
        screened.select(hub_carrier=screened.carrier, hub_waybill=screened.waybill)
        .distinct()
        .mutate(hub_screened=ibis.literal(True))
    )
    joined = accepts.left_join(
        hubs, [accepts.carrier == hubs.hub_carrier, accepts.waybill == hubs.hub_waybill]
    )
    at_acceptance = joined.x_rayed.fill_null(False)
    at_hub = ~at_acceptance & joined.hub_screened.fill_null(False)
    real_name = joined.real_name_verified.fill_null(False)
    inspected = joined.inspected.fill_null(False)
    x_rayed = at_acceptance | at_hub
    return joined.select(
        carrier=joined.carrier,
        waybill=joined.waybill,
        outlet_id=joined.node_id,
        region=joined.origin_region,
        city=joined.origin_region.substr(0, 4),
        province=joined.origin_region.substr(0, 2),
        day=china_day(joined.time),
        time=joined.time,
        real_name_verified=real_name,
        inspected=inspected,
        x_rayed_at_acceptance=at_acceptance,
        x_rayed_at_hub=at_hub,
        x_rayed=x_rayed,
        all_three=real_name & inspected & x_rayed,
    )


def security_compliance(
    events: ir.Table, settings: KpiSettings, by: Sequence[str] = ("outlet_id", "carrier")
) -> ir.Table:
    """Per group of accept events (any of :data:`COMPLIANCE_DIMENSIONS`): ``accepts``, the
    counts of :data:`CHECK_COUNTS` (accepts with the check done) and each ``…_share`` of the
    accepts (empty when there are none)."""
    checks = accept_checks(events, settings)
    keys = check_dimensions(checks, by)
    metrics: dict[str, ir.Scalar] = {"accepts": checks.waybill.count()}
    for name in CHECK_COUNTS:
        metrics[name] = checks.waybill.count(where=checks[name])
    table = checks.aggregate(metrics, by=keys)
    return table.mutate(
        **{f"{name}_share": ratio(table[name], table.accepts) for name in CHECK_COUNTS}
    )
