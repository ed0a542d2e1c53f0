"""An incident's closures fed to the reroute planner: its affected hubs closed over its period,
the backups found (closed hub → backup hubs and their shares) attached to the incident."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from peakguard.app.audit import record_in
from peakguard.app.incidents import IncidentView, reportable_incident, view_in
from peakguard.app.networks import planning_network
from peakguard.app.plans import closure_requests, plan_reroute
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Permission, Principal
from peakguard.optimize.reroute import ReroutePlan
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store, transaction
from peakguard.store.incidents import IncidentRecord, update_incident

MAX_DAYS = 30


def _local(moment: datetime) -> datetime:
    return moment.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None)


def incident_scenario(incident: IncidentRecord, hubs: list[str]) -> Scenario:
    """The scenario the reroute runs on: the incident's days at the network's usual demand,
    its hubs closed over its period."""
    assert incident.period_end is not None
    start, end = _local(incident.period_start), _local(incident.period_end)
    days = min(MAX_DAYS, max(1, math.ceil((end.date() - start.date()).days) + 1))
    return Scenario.model_validate(
        {
            "name": f"incident-{incident.reference}",
            "first_day": start.date(),
            "days": days,
            "closures": [
                {"node": hub, "start": start, "end": end, "reason": incident.incident_type}
                for hub in hubs
            ],
        }
    )


def closed_hubs(incident: IncidentRecord, network: Network) -> list[str]:
    """The incident's affected nodes that are hubs (the planner reroutes around hubs); a
    problem located at the incident's field when there is nothing to reroute."""
    problems: list[Problem] = []
    if incident.period_end is None:
        problems.append(Problem("until", _("give when the incident is expected to end")))
    if incident.period_end is not None and (
        incident.period_end - incident.period_start > timedelta(days=MAX_DAYS)
    ):
        problems.append(Problem("until", _("a reroute covers at most {days} days", days=MAX_DAYS)))
    kinds = {node.id: node.kind for node in network.nodes}
    hubs = [node for node in incident.nodes if kinds.get(node) is NodeKind.hub]
    if not hubs:
        problems.append(Problem("nodes", _("the incident closes no hub of its network")))
    if problems:
        raise InvalidInputError(_("The incident cannot be rerouted."), problems)
    return hubs


def backups_document(plan: ReroutePlan) -> dict[str, Any]:
    """One closure's backups as attached to the incident (JSON-ready)."""
    return {
        "nodes": list(plan.closure.nodes),
        "start": plan.closure.start.isoformat(),
        "end": plan.closure.end.isoformat(),
        "parcels": round(plan.parcels, 1),
        "absorbed_parcels": round(plan.absorbed_parcels, 1),
        "backups": [
            {
                "hub": backup.hub,
                "carrier": backup.carrier,
                "parcels": round(backup.parcels, 1),
                "origin_share": round(backup.origin_share, 4),
                "destination_share": round(backup.destination_share, 4),
                "parcel_share": round(backup.parcel_share, 4),
                "mean_added_transit_hours": round(backup.mean_added_transit_hours, 2),
            }
            for backup in plan.backups
        ],
        "unabsorbed_parcels": round(sum(item.parcels for item in plan.unabsorbed), 1),
    }


def plan_incident_reroute(
    store: Store,
    principal: Principal,
    reference: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> IncidentView:
    """Reroute around the incident's affected hubs over its period (``plan.run`` on the whole
    network) and attach the backups to the incident; audited."""
    moment = now or datetime.now(UTC)
    with transaction(store.sessions) as session:
        incident = reportable_incident(session, principal, reference)
    if incident.network is None:
        raise InvalidInputError(
            _("The incident cannot be rerouted."),
            [Problem("network", _("the incident names no stored network"))],
        )
    network = planning_network(
        store, incident.network, actor=principal, permission=Permission.plan_run
    )
    hubs = closed_hubs(incident, network)
    scenario = incident_scenario(incident, hubs)
    closures = closure_requests(
        scenario, hubs, scenario.closures[0].start, scenario.closures[0].end
    )
    outcome = plan_reroute(network, scenario, closures, actor=principal, check=False)
    attached: dict[str, Any] = {
        "planned_at": moment.isoformat(),
        "planned_by": principal.label(),
        "network": incident.network,
        "closures": [backups_document(plan) for plan in outcome.plans],
    }
    with transaction(store.sessions) as session:
        version = incident.version if expected_version is None else expected_version
        update_incident(session, incident.id, version, {"reroute": attached}, now=moment)
        record_in(
            session,
            store,
            principal,
            "incident.reroute",
            "incident",
            reference,
            detail={"hubs": hubs, "plans": len(outcome.plans)},
            at=moment,
        )
        return view_in(session, reference, moment)
