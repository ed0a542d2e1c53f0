"""The controlled areas a complaint desk checks a new complaint against: the regions of the
nodes closed by the scenarios of the simulations the deployment ran (a road cut, a static
control), while they are closed. Incidents (issue 16) will add theirs here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from peakguard.cases.controlled import ControlledArea
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.store.controlled_areas import declared_closures


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
    return areas
