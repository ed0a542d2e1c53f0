"""The controlled areas a complaint desk checks a new complaint against: the regions of the
nodes closed by the scenarios of the simulations the deployment ran (a road cut, a static
control), while they are closed, and of the nodes an incident closes (or, for a blockage of
the service network without named nodes, the incident's own region) over its period."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from peakguard.cases.controlled import ControlledArea
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.store.controlled_areas import declared_closures
from peakguard.store.incidents import incident_closures

OPEN_ENDED = datetime(9999, 1, 1, tzinfo=UTC)
"""The end of a closure whose incident gives no expected end and is not closed yet."""


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_STANDARD_TIME)


def controlled_areas_in(session: Session) -> list[ControlledArea]:
    """Every area a declared closure controls, with its window and what declared it."""
    areas = []
    for closure in declared_closures(session):
        start, end = _moment(closure.start), _moment(closure.end)
        if start is None or end is None or end <= start:
            continue
        source = f"{closure.network}/{closure.scenario}: {closure.node} ({closure.reason})"
        areas.append(ControlledArea(closure.region, start, end, source))
    return areas + incident_areas(session)


def incident_areas(session: Session) -> list[ControlledArea]:
    """The areas incidents' closures control: each affected node's region (a blockage without
    nodes: the incident's region) from the period's start to its expected end, else to the
    final report, else open-ended."""
    areas = []
    for incident, regions in incident_closures(session):
        end = incident.period_end or incident.closed_at or OPEN_ENDED
        if end <= incident.period_start:
            continue
        places = dict(regions)
        if not places and incident.blocked:
            places = {incident.region: incident.region}
        for node, region in places.items():
            source = f"{incident.reference}: {node} ({incident.incident_type})"
            areas.append(ControlledArea(region, incident.period_start, end, source))
    return areas
