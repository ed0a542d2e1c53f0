"""Consolidation points (汇集点, seed 004): registering and changing a point, scheduling orders
through it, choosing each order's dispatch mode, and reading.

A carrier's operations (``supply.operate``) register and change their own brand's points and
schedule through them; ``supply.read`` reads them — a carrier its own brand's, a regulator
those in its territory (the point's region, or the controlled area it serves), the national
office and the system all. A point another reader may not see is "not found". Every change
and every schedule is in the audit trail (``consolidation.*`` on the point's code), in the
transaction of the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.consolidation_views import (
    PointView,
    ScheduleView,
    orders_document,
    schedule_document,
    schedule_view,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.domain.text import hidden_character
from peakguard.errors import ForbiddenError, InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import OrganisationKind, Permission, Principal
from peakguard.store import consolidation as stored
from peakguard.store.consolidation import PointRecord
from peakguard.store.database import Store, transaction
from peakguard.supply.bundles import load_bundles
from peakguard.supply.consolidation import PointRates, PointResources, Task
from peakguard.supply.consolidation_schedule import PointOrder, point_order, schedule_point
from peakguard.supply.dispatch import DEFAULT_RULE, DispatchDecision, DispatchRule, choose_dispatch
from peakguard.supply.model import Bundle, OrderDemand

__all__ = [
    "PointDraft",
    "dispatch_modes",
    "get_point",
    "get_schedule",
    "list_points",
    "register_point",
    "schedule_orders",
    "update_point",
]
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
REGION = re.compile(r"[0-9]{6}")
MAX_ORDERS = 500
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""A schedule's moments lie between these: a year 1 or 9999 is a typing mistake, and one the
store and the pages could not even turn into UTC or China Standard Time."""


@dataclass(frozen=True)
class PointDraft:
    """A point to register: its code, name, brand, place and what it has."""

    code: str
    name: str
    carrier: str
    region: str
    latitude: float
    longitude: float
    resources: PointResources
    rates: PointRates = field(default_factory=PointRates)
    serves_region: str | None = None


def _draft_problems(draft: PointDraft) -> list[Problem]:
    problems = []
    if not CODE.fullmatch(draft.code):
        problems.append(
            Problem("code", _("must be 1 to 40 letters, digits, - or _, e.g. ZZ-HUIJI-1"))
        )
    if not draft.name.strip() or len(draft.name) > 200:
        problems.append(Problem("name", _("is required, at most 200 characters")))
    elif (hidden := hidden_character(draft.name)) is not None:
        problems.append(Problem("name", _("contains an invisible character {c}", c=hidden)))
    if not CODE.fullmatch(draft.carrier):
        problems.append(Problem("carrier", _("is required: the carrier's brand code")))
    for where, value in (("region", draft.region), ("serves_region", draft.serves_region)):
        if value is not None and not REGION.fullmatch(value):
            problems.append(Problem(where, _("must be a six-digit GB/T 2260 code, e.g. 410100")))
    if not -90 <= draft.latitude <= 90:
        problems.append(Problem("latitude", _("must be between -90 and 90")))
    if not -180 <= draft.longitude <= 180:
        problems.append(Problem("longitude", _("must be between -180 and 180")))
    return problems


def _require_own_brand(actor: Principal, carrier: str) -> None:
    """``supply.operate`` and the carrier's own brand (the system acts for any)."""
    require(actor, Permission.supply_operate)
    organisation = actor.organisation
    if organisation.kind is OrganisationKind.system:
        return
    if organisation.kind is OrganisationKind.carrier and organisation.carrier == carrier:
        return
    raise ForbiddenError(
        _(
            "{who} may not operate consolidation points of {carrier}: a carrier's operations "
            "run their own brand's points.",
            who=actor.label(),
            carrier=carrier,
        )
    )


def _may_read(actor: Principal, point: PointRecord) -> bool:
    organisation = actor.organisation
    if organisation.kind is OrganisationKind.carrier:
        return organisation.carrier == point.carrier
    scope = reach(actor)
    regions = [point.region] + ([point.serves_region] if point.serves_region else [])
    return any(scope.covers(point.carrier, region) for region in regions)


def _visible(session: Session, actor: Principal, code: str) -> PointRecord:
    require(actor, Permission.supply_read)
    point = stored.load_point(session, code)
    if point is None or not _may_read(actor, point):
        raise stored.missing(code)
    return point


def _may_operate(actor: Principal, point: PointRecord) -> bool:
    try:
        _require_own_brand(actor, point.carrier)
    except ForbiddenError:
        return False
    return True


def _point_detail(point: PointRecord) -> dict[str, object]:
    resources = point.resources
    return {
        "version": point.version,
        "staff_per_shift": resources.staff_per_shift,
        "floor_area_m2": resources.floor_area_m2,
        "forklifts": resources.forklifts,
        "trailers": resources.trailers,
        "warehouse_system": resources.warehouse_system,
    }


def register_point(
    store: Store, actor: Principal, draft: PointDraft, *, now: datetime | None = None
) -> PointView:
    """Register a consolidation point of the actor's brand."""
    moment = now or datetime.now(UTC)
    _require_own_brand(actor, draft.carrier)
    problems = _draft_problems(draft)
    if problems:
        raise InvalidInputError(_("The consolidation point has mistakes."), problems)
    with transaction(store.sessions) as session:
        if stored.load_point(session, draft.code) is not None:
            raise InvalidInputError(
                _("The consolidation point has mistakes."),
                [Problem("code", _("{code} is taken: choose another code", code=draft.code))],
            )
        point = stored.insert_point(
            session,
            code=draft.code,
            name=draft.name.strip(),
            carrier=draft.carrier,
            region=draft.region,
            serves_region=draft.serves_region,
            latitude=draft.latitude,
            longitude=draft.longitude,
            resources=draft.resources,
            rates=draft.rates,
            by=actor.label(),
            at=moment,
        )
        detail = _point_detail(point)
        record_in(
            session,
            store,
            actor,
            "consolidation.register",
            "consolidation_point",
            point.code,
            detail=detail,
            at=moment,
        )
        return PointView(point, (), True)


def update_point(
    store: Store,
    actor: Principal,
    code: str,
    *,
    expected_version: int,
    name: str | None = None,
    serves_region: str | None = None,
    resources: PointResources | None = None,
    rates: PointRates | None = None,
    now: datetime | None = None,
) -> PointView:
    """Change a point's name, served area, resources or rates (what is None stays); a stale
    ``expected_version`` is refused (409) and nothing is written."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        point = _visible(session, actor, code)
        _require_own_brand(actor, point.carrier)
        if point.version != expected_version:
            raise stored.stale(code, expected_version, point.version)
        changed = PointDraft(
            code=point.code,
            name=point.name if name is None else name,
            carrier=point.carrier,
            region=point.region,
            latitude=point.latitude,
            longitude=point.longitude,
            resources=resources or point.resources,
            rates=rates or point.rates,
            serves_region=point.serves_region if serves_region is None else serves_region,
        )
        problems = _draft_problems(changed)
        if problems:
            raise InvalidInputError(_("The consolidation point has mistakes."), problems)
        updated = stored.update_point(
            session,
            point,
            expected_version,
            name=changed.name.strip(),
            serves_region=changed.serves_region,
            resources=changed.resources,
            rates=changed.rates,
            by=actor.label(),
            now=moment,
        )
        detail = _point_detail(updated)
        record_in(
            session,
            store,
            actor,
            "consolidation.update",
            "consolidation_point",
            code,
            detail=detail,
            at=moment,
        )
        schedules = tuple(
            schedule_view(item) for item in stored.schedules_of(session, updated, limit=5)
        )
        return PointView(updated, schedules, True)


def get_point(store: Store, actor: Principal, code: str, *, schedules: int = 5) -> PointView:
    """The point with its latest ``schedules`` schedules."""
    with transaction(store.sessions) as session:
        point = _visible(session, actor, code)
        found = stored.schedules_of(session, point, limit=schedules)
        return PointView(
            point, tuple(schedule_view(item) for item in found), _may_operate(actor, point)
        )


def list_points(store: Store, actor: Principal) -> list[PointRecord]:
    """The points ``actor`` may read, by code."""
    require(actor, Permission.supply_read)
    with transaction(store.sessions) as session:
        return [point for point in stored.query_points(session) if _may_read(actor, point)]


def get_schedule(store: Store, actor: Principal, code: str, schedule_id: int) -> ScheduleView:
    """One schedule made through the point."""
    with transaction(store.sessions) as session:
        point = _visible(session, actor, code)
        record = stored.load_schedule(session, point, schedule_id)
        if record is None:
            raise stored.missing(f"{code}/{schedule_id}")
        return schedule_view(record)


def _point_orders(
    orders: Sequence[OrderDemand | PointOrder], arrivals: Mapping[str, datetime]
) -> list[PointOrder]:
    if len(orders) > MAX_ORDERS:
        raise InvalidInputError(
            _("The orders to schedule have mistakes."),
            [Problem("orders", _("at most {most} orders a schedule", most=MAX_ORDERS))],
        )
    chosen = [
        order if isinstance(order, PointOrder) else point_order(order, arrivals) for order in orders
    ]
    problems = [
        Problem(where, _("Give a time from the year 2000 to the year 2099."))
        for where, moment in _moments(chosen)
        if not _plausible(moment)
    ]
    if problems:
        raise InvalidInputError(_("The orders to schedule have mistakes."), problems)
    return chosen


def _plausible(moment: datetime) -> bool:
    """Whether ``moment`` (naive: China Standard Time) lies in this century."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=CHINA_STANDARD_TIME)
    return EARLIEST <= aware < LATEST


def _moments(orders: Sequence[PointOrder]) -> list[tuple[str, datetime]]:
    """Every moment of ``orders``, located as the API's body places it."""
    located = []
    for index, order in enumerate(orders):
        if order.needed_by is not None:
            located.append((f"orders.{index}.needed_by", order.needed_by))
        located.extend(
            (f"orders.{index}.arrivals.{number}.at", arrival.at)
            for number, arrival in enumerate(order.arrivals)
        )
    return located


def schedule_orders(
    store: Store,
    actor: Principal,
    code: str,
    orders: Sequence[OrderDemand | PointOrder],
    *,
    start: datetime,
    arrivals: Mapping[str, datetime] | None = None,
    days: int = 3,
    staffing: Mapping[Task, float] | None = None,
    now: datetime | None = None,
) -> ScheduleView:
    """Schedule ``orders`` through the point from ``start`` and keep the schedule.

    An :class:`OrderDemand`'s goods arrive at the point at ``arrivals[source]`` (one time per
    source); a :class:`PointOrder` carries its own arrivals. ``staffing`` splits the staff of a
    shift among the tasks (default: in balance); the capacity plan covers ``days`` days."""
    moment = now or datetime.now(UTC)
    if not _plausible(start):
        raise InvalidInputError(
            _("The orders to schedule have mistakes."),
            [Problem("start", _("Give a time from the year 2000 to the year 2099."))],
        )
    point_orders = _point_orders(orders, arrivals or {})
    with transaction(store.sessions) as session:
        point = _visible(session, actor, code)
        _require_own_brand(actor, point.carrier)
        schedule = schedule_point(
            point.resources, point.rates, point_orders, start=start, days=days, staffing=staffing
        )
        record = stored.insert_schedule(
            session,
            point,
            start=schedule.start,
            orders=orders_document(point_orders),
            result=schedule_document(schedule),
            bottleneck=schedule.bottleneck.key,
            by=actor.label(),
            at=moment,
        )
        detail = {
            "schedule": record.id,
            "orders": len(point_orders),
            "bottleneck": schedule.bottleneck.key,
            "line_rate": schedule.line_rate,
            "late": [item.reference for item in schedule.shipments if item.late],
        }
        record_in(
            session,
            store,
            actor,
            "consolidation.schedule",
            "consolidation_point",
            code,
            detail=detail,
            at=moment,
        )
        return schedule_view(record)


def dispatch_modes(
    actor: Principal,
    orders: Sequence[OrderDemand],
    *,
    bundles: Mapping[str, Bundle] | None = None,
    rule: DispatchRule = DEFAULT_RULE,
) -> list[DispatchDecision]:
    """Each order's dispatch mode (direct or through a point) and why; ``bundles`` defaults to
    the packaged catalogue."""
    require(actor, Permission.supply_read)
    catalogue = load_bundles() if bundles is None else bundles
    return [choose_dispatch(order, catalogue, rule) for order in orders]
