"""Coverage plans for a closed province or city (异地分区覆盖集散, seed 004): make one, read one,
list them.

Making a plan needs ``plan.run`` and ``network.read``; it runs on the whole stored network or,
for a carrier, on its own brand in it (:func:`peakguard.app.networks.planning_network`), and a
carrier plans only its own mail. A regulator plans and reads plans of regions in its territory;
a carrier reads its own brand's. Every plan made is audited (``coverage.plan``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from peakguard.app.access import reach, require
from peakguard.app.audit import record_in
from peakguard.app.networks import planning_network
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.coverage import (
    CoverageParameters,
    CoveragePlan,
    CoverageRequest,
    SortingDepth,
    plan_coverage,
)
from peakguard.store.coverage import (
    StoredCoveragePlan,
    get_plan,
    insert_plan,
    list_plans,
    message_from,
)
from peakguard.store.database import Store, transaction

MAX_DAYS = 60
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""A plan's period lies between these: a year 1 or 9999 is a typing mistake, and one the store
could not even turn into UTC."""
"""A static control of more than two months is planned again, not once."""


@dataclass(frozen=True)
class CoverageView:
    """A stored coverage plan as its readers see it (the document holds the whole plan)."""

    id: int
    network: str
    carrier: str
    region: str
    region_name: str
    depth: SortingDepth
    start: datetime
    end: datetime
    parcels: int
    unabsorbed_parcels: int
    centres: tuple[str, ...]
    created_by: str
    created_at: datetime
    document: dict[str, Any]

    @property
    def reasons(self) -> list[Message]:
        return [message_from(item) for item in self.document.get("reasons", [])]

    def rendered(self, language: str | None = None) -> dict[str, Any]:
        """The plan's document with every message rendered in ``language`` (the edge's)."""
        return {key: _rendered(item, language) for key, item in self.document.items()}


def _rendered(value: Any, language: str | None) -> Any:
    if isinstance(value, dict):
        if "msgid" in value and "params" in value:
            return render(message_from(value), language)
        return {key: _rendered(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [_rendered(item, language) for item in value]
    return value


def plan_area_coverage(
    store: Store,
    actor: Principal,
    network: str,
    region: str,
    start: datetime,
    end: datetime,
    depth: SortingDepth | None = None,
    *,
    carrier: str | None = None,
    parameters: CoverageParameters | None = None,
    now: datetime | None = None,
) -> CoverageView:
    """Plan the coverage of ``region`` (a GB/T 2260 code: province, prefecture or county)
    closed over [start, end) on the stored ``network``, keep it and return it. Naive times are
    China Standard Time. A carrier's plan is of its own brand (``carrier`` defaults to it)."""
    require(actor, Permission.plan_run)
    require(actor, Permission.network_read)
    moment = now or datetime.now(UTC)
    begin, finish = _aware(start), _aware(end)
    _check_period(begin, finish)
    scope = reach(actor)
    if scope.carrier is not None:
        if carrier is not None and carrier != scope.carrier:
            raise ForbiddenError(
                _(
                    "{who} plans the coverage of its own brand {own} only, not of {carrier}.",
                    who=actor.label(),
                    own=scope.carrier,
                    carrier=carrier,
                )
            )
        carrier = scope.carrier
    if not scope.everything and not region.startswith(scope.prefix):
        raise ForbiddenError(
            _(
                "Region {region} is outside the territory of {who}.",
                region=region,
                who=actor.label(),
            )
        )
    graph = planning_network(store, network, actor=actor, permission=Permission.plan_run)
    request = CoverageRequest(region, _local(begin), _local(finish), carrier, depth)
    plan = plan_coverage(graph, request, parameters=parameters)
    with transaction(store.sessions) as session:
        stored = insert_plan(
            session,
            plan,
            network=network,
            organisation_id=actor.organisation.id,
            created_by=actor.label(),
            created_at=moment,
            period=(begin, finish),
        )
        record_in(
            session,
            store,
            actor,
            "coverage.plan",
            "coverage_plan",
            str(stored.id),
            detail=_audit_detail(plan, network),
            at=moment,
        )
    return _view(stored)


def get_coverage_plan(store: Store, actor: Principal, plan_id: int) -> CoverageView:
    """One plan, if ``actor`` may read it (its territory or brand); else not found."""
    require(actor, Permission.network_read)
    with transaction(store.sessions) as session:
        stored = get_plan(session, plan_id)
    if stored is None or not reach(actor).covers(stored.carrier, stored.region):
        raise NotFoundError(_("No coverage plan {id}.", id=plan_id))
    return _view(stored)


def list_coverage_plans(
    store: Store, actor: Principal, *, network: str | None = None, limit: int = 200
) -> list[CoverageView]:
    """The plans ``actor`` may read, newest first."""
    require(actor, Permission.network_read)
    scope = reach(actor)
    if scope.nothing:
        return []
    with transaction(store.sessions) as session:
        if scope.everything:
            found = list_plans(session, network=network, limit=limit)
        else:
            found = list_plans(
                session, carrier=scope.carrier, prefix=scope.prefix, network=network, limit=limit
            )
    return [_view(item) for item in found]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=CHINA_STANDARD_TIME) if moment.tzinfo is None else moment


def _local(moment: datetime) -> datetime:
    return moment.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None)


def _check_period(start: datetime, end: datetime) -> None:
    problems: list[Problem] = [
        Problem(where, _("Give a time from the year 2000 to the year 2099."))
        for where, moment in (("start", start), ("end", end))
        if not EARLIEST <= moment < LATEST
    ]
    if not problems and end <= start:
        problems.append(Problem("end", _("end must be after start")))
    if not problems and (end - start).days > MAX_DAYS:
        problems.append(
            Problem("end", _("a coverage plan covers at most {days} days", days=MAX_DAYS))
        )
    if problems:
        raise InvalidInputError(_("The coverage plan cannot be made."), problems)


def _audit_detail(plan: CoveragePlan, network: str) -> dict[str, Any]:
    return {
        "network": network,
        "region": plan.area.code,
        "carrier": plan.area.carrier,
        "depth": plan.depth.value,
        "centres": [c.hub for c in plan.centres],
        "parcels": plan.parcels,
        "unabsorbed_parcels": plan.unabsorbed_parcels,
    }


def _view(stored: StoredCoveragePlan) -> CoverageView:
    return CoverageView(
        id=stored.id,
        network=stored.network,
        carrier=stored.carrier,
        region=stored.region,
        region_name=stored.region_name,
        depth=SortingDepth(stored.depth),
        start=stored.period_start.astimezone(UTC),
        end=stored.period_end.astimezone(UTC),
        parcels=stored.parcels,
        unabsorbed_parcels=stored.unabsorbed_parcels,
        centres=stored.centres,
        created_by=stored.created_by,
        created_at=stored.created_at.astimezone(UTC),
        document=stored.document,
    )
