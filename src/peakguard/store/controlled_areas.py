"""The closures declared in the scenarios of the simulations a deployment ran, with the region
of each closed node: where the network's service stops, and when."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.store.tables import JobRow, NetworkRow, NodeRow


@dataclass(frozen=True)
class DeclaredClosure:
    """A closure of node ``node`` (in ``region``) over [``start``, ``end``) as a scenario wrote
    it (moments as the scenario wrote them: without a zone they are China time)."""

    network: str
    scenario: str
    node: str
    region: str
    start: str
    end: str
    reason: str


def declared_closures(session: Session) -> list[DeclaredClosure]:
    """Every closure of the scenarios of simulation jobs not failed or cancelled, once each."""
    jobs = session.execute(
        select(JobRow.parameters).where(
            JobRow.kind == "simulation", JobRow.status.in_(("queued", "running", "succeeded"))
        )
    ).scalars()
    wanted: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    for text in jobs:
        parameters = json.loads(text)
        network = parameters.get("network")
        scenario = parameters.get("scenario")
        if not isinstance(network, str) or not isinstance(scenario, dict):
            continue
        for closure in scenario.get("closures") or []:
            if not isinstance(closure, dict):
                continue
            key = (
                network,
                str(closure.get("node")),
                str(closure.get("start")),
                str(closure.get("end")),
            )
            wanted[key] = (str(scenario.get("name", "")), str(closure.get("reason", "closure")))
    regions = _node_regions(session, {(network, node) for network, node, _s, _e in wanted})
    closures = []
    for (network, node, start, end), (scenario, reason) in wanted.items():
        region = regions.get((network, node))
        if region is not None:
            closures.append(DeclaredClosure(network, scenario, node, region, start, end, reason))
    return closures


def _node_regions(session: Session, nodes: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    if not nodes:
        return {}
    rows = session.execute(
        select(NetworkRow.name, NodeRow.id, NodeRow.region)
        .join(NodeRow, NodeRow.network_id == NetworkRow.id)
        .where(NetworkRow.name.in_({network for network, _node in nodes}))
        .where(NodeRow.id.in_({node for _network, node in nodes}))
    ).all()
    return {(row.name, row.id): row.region for row in rows}
