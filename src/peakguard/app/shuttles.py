"""A day's shuttles (盘驳运输, 物资配送; seed 004): the carrier's vehicles, planning a day from a
consolidation point through the designated transfer stations to the orders' delivery points
(``supply.operate``, own brand), and reading the plans (``supply.read``: a regulator its
territory, a carrier its brand). The plan uses the carrier's pass registers as they stand for
that day (revoked passes left out): a vehicle, driver or station without a valid pass is never
scheduled, and the plan says what is missing. Planning and vehicle changes are audited."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.errors import ForbiddenError, NotFoundError
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.shuttle_model import ShuttleParameters, Vehicle
from peakguard.optimize.shuttles import plan_shuttles
from peakguard.store import passes as stored_passes
from peakguard.store import shuttles as stored
from peakguard.store.database import Store, transaction
from peakguard.store.shuttles import PlanRecord
from peakguard.supply.bundles import load_bundles
from peakguard.supply.model import Bundle, OrderDemand, Place

__all__ = [
    "PlanRecord",
    "get_shuttle_plan",
    "list_shuttle_plans",
    "list_vehicles",
    "plan_day_shuttles",
    "register_vehicle",
]


def _own(actor: Principal, carrier: str, region: str) -> None:
    if not reach(actor).covers(carrier, region):
        raise ForbiddenError(
            _(
                "{who} may plan shuttles only for its own brand and territory, not for "
                "{carrier} in {region}.",
                who=actor.label(),
                carrier=carrier,
                region=region,
            )
        )


def register_vehicle(
    store: Store,
    actor: Principal,
    *,
    carrier: str,
    vehicle: Vehicle,
    region: str = "",
    now: datetime | None = None,
) -> Vehicle:
    """Record (or replace, by code) a vehicle of ``carrier``'s shuttles."""
    require(actor, Permission.supply_operate)
    _own(actor, carrier, region or reach(actor).prefix)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        stored.save_vehicle(session, carrier, vehicle, by=actor.label(), at=moment)
        record_in(
            session, store, actor, "shuttle.vehicle", "shuttle_vehicle", vehicle.code, at=moment
        )
    return vehicle


def list_vehicles(store: Store, actor: Principal, *, carrier: str) -> list[Vehicle]:
    require(actor, Permission.supply_read)
    scope = reach(actor)
    if scope.nothing or (scope.carrier is not None and scope.carrier != carrier):
        return []
    with transaction(store.sessions) as session:
        return stored.vehicles_of(session, carrier)


def plan_day_shuttles(
    store: Store,
    actor: Principal,
    *,
    carrier: str,
    region: str,
    day: date,
    point: Place,
    stations: Sequence[Place],
    orders: Sequence[OrderDemand],
    vehicles: Sequence[Vehicle] | None = None,
    bundles: Mapping[str, Bundle] | None = None,
    parameters: ShuttleParameters | None = None,
    now: datetime | None = None,
) -> PlanRecord:
    """Plan ``day``'s shuttles into ``region`` for ``carrier`` and keep the plan. ``vehicles``
    None: the carrier's registered vehicles."""
    require(actor, Permission.supply_operate)
    _own(actor, carrier, region)
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        # every unrevoked pass of the carrier, however many (a list page's limit would drop the
        # newest): a pass for another area or an expired one is named as such in what is missing
        passes = stored_passes.query_passes(session, carrier=carrier, limit=sys.maxsize)
        register = [record.entry for record in passes]
        fleet = list(vehicles) if vehicles is not None else stored.vehicles_of(session, carrier)
        plan = plan_shuttles(
            region=region,
            day=day,
            point=point,
            stations=stations,
            vehicles=fleet,
            orders=orders,
            passes=register,
            bundles=bundles if bundles is not None else load_bundles(),
            parameters=parameters,
        )
        saved = stored.insert_plan(session, carrier, plan, by=actor.label(), at=moment)
        record_in(
            session,
            store,
            actor,
            "shuttle.plan",
            "shuttle_plan",
            str(saved.id),
            detail={
                "region": region,
                "day": day.isoformat(),
                "routes": len(plan.routes),
                "missing": len(plan.missing),
                "unserved_sets": plan.unserved_sets(),
            },
            at=moment,
        )
    return saved


def get_shuttle_plan(store: Store, actor: Principal, plan_id: int) -> PlanRecord:
    """A plan within the actor's reach ("not found" otherwise)."""
    require(actor, Permission.supply_read)
    with transaction(store.sessions) as session:
        found = stored.load_plan(session, plan_id)
    if found is None or not reach(actor).covers(found.carrier, found.plan.region):
        raise NotFoundError(_("No shuttle plan {id} is within your reach.", id=plan_id))
    return found


def list_shuttle_plans(store: Store, actor: Principal, *, limit: int = 200) -> list[PlanRecord]:
    """The plans within the actor's reach, the latest day first."""
    require(actor, Permission.supply_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    with transaction(store.sessions) as session:
        return stored.query_plans(
            session,
            carrier=None if scope.everything else scope.carrier,
            region_prefix="" if scope.everything else scope.prefix,
            limit=limit,
        )
