"""The demo's passes, vehicles and shuttle plans (盘驳运输, 物资配送) for Ya'an, by China Post
Sichuan's supply coordinator through the passes' and shuttles' operations: every pass, white-list
entry and site permit of :mod:`peakguard.demo.supply_fleet` recorded before the first trip, the
six vehicles registered, and each delivery day's plan made against the registers as they stand —
so the days after the lapsing truck's pass ended list it missing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from peakguard.app.demo_supply_summary import Outcome
from peakguard.app.passes import PassDraft, record_pass
from peakguard.app.shuttles import plan_day_shuttles, register_vehicle
from peakguard.demo.static_control import CARRIER, CONSOLIDATION_POINT, TRANSFER_STATIONS
from peakguard.demo.supply_fleet import STAFF, VEHICLES, pass_grants
from peakguard.identity.model import Principal
from peakguard.optimize.shuttle_model import ShuttleParameters
from peakguard.store.database import Store
from peakguard.supply.bundles import load_bundles
from peakguard.supply.model import OrderDemand
from peakguard.supply.passes import PassKind

PARAMETERS = ShuttleParameters(iterations=1500, seconds=1.0)
"""The solver's budget per day: the demo's days have a few dozen stops."""


def record_fleet(
    store: Store, coordinator: Principal, region: str, year: int, moment: datetime
) -> None:
    """Record the passes and register the vehicles, as the coordinator."""
    ids = {person.number: person.id_number for person in STAFF}
    for grant in pass_grants(year):
        draft = PassDraft(
            PassKind(grant.kind),
            grant.holder,
            grant.area,
            grant.first_day,
            grant.last_day,
            f"{grant.issuer} {grant.number}",
            id_number=ids.get(grant.holder, "") if grant.kind == PassKind.person.value else "",
        )
        record_pass(store, coordinator, carrier=CARRIER, draft=draft, now=moment)
    for vehicle in VEHICLES:
        register_vehicle(
            store, coordinator, carrier=CARRIER, vehicle=vehicle, region=region, now=moment
        )


def plan_day(
    store: Store,
    coordinator: Principal,
    region: str,
    day: date,
    orders: Sequence[OrderDemand],
    outcome: Outcome,
    moment: datetime,
) -> None:
    """Plan ``day``'s shuttles for ``orders`` and note its trips and what it says is missing."""
    if not orders:
        return
    record = plan_day_shuttles(
        store,
        coordinator,
        carrier=CARRIER,
        region=region,
        day=day,
        point=CONSOLIDATION_POINT,
        stations=TRANSFER_STATIONS,
        orders=orders,
        bundles=load_bundles(),
        parameters=PARAMETERS,
        now=moment,
    )
    plan = record.plan
    used = [route for route in plan.routes if route.trips]
    outcome.shuttle_days.append((day, sum(len(route.trips) for route in used), len(used)))
    outcome.unserved += plan.unserved_sets()
    for missing in plan.missing:
        outcome.missing.append((day, missing.subject, missing.reasons))
