"""Coverage plans kept: the plan as a JSON document (messages as msgid and parameters, so they
render in the reader's language), and the repository functions over ``coverage_plans``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.i18n import Message, _
from peakguard.optimize.coverage import CentreCandidate, CoveragePlan, PartAssignment
from peakguard.store.coverage_tables import CoveragePlanRow

DOCUMENT_VERSION = 1


def message_document(message: Message) -> dict[str, Any]:
    return {
        "msgid": message.msgid,
        "params": {
            key: message_document(value) if isinstance(value, Message) else value
            for key, value in message.params.items()
        },
    }


def message_from(document: dict[str, Any]) -> Message:
    """A message kept by :func:`message_document`, nested messages included."""
    params = {
        key: message_from(value) if isinstance(value, dict) and "msgid" in value else value
        for key, value in dict(document.get("params", {})).items()
    }
    return _(str(document["msgid"]), **params)


def plan_document(plan: CoveragePlan) -> dict[str, Any]:
    """The whole plan, JSON-ready (figures per day; distances in km; hours by road)."""
    return {
        "version": DOCUMENT_VERSION,
        "area": {
            "code": plan.area.code,
            "name": plan.area.name,
            "level": plan.area.level.value,
            "carrier": plan.area.carrier,
            "closed_hubs": list(plan.area.hubs),
        },
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat(),
        "days": plan.days,
        "depth": plan.depth.value,
        "parcels": plan.parcels,
        "unabsorbed_parcels": plan.unabsorbed_parcels,
        "reasons": [message_document(m) for m in plan.reasons],
        "candidates": [_candidate(c) for c in plan.candidates],
        "parts": [_part(a) for a in plan.assignments],
        "routing": [
            {
                "origin": r.origin,
                "part": r.part,
                "centre": r.centre,
                "previously": list(r.previously),
            }
            for r in plan.routing
        ],
        "transport": [
            {
                "centre": t.centre,
                "part": t.part,
                "road_km": t.road_km,
                "road_hours": t.road_hours,
                "lane": t.lane,
            }
            for t in plan.transport
        ],
        "routing_overrides": [
            {"node": o.node, "destination": o.destination, "next_node": o.next_node}
            for o in plan.routing_overrides
        ],
    }


def _candidate(c: CentreCandidate) -> dict[str, Any]:
    return {
        "hub": c.hub,
        "name": c.name,
        "region": c.region,
        "automated_sorter": c.automated_sorter,
        "capacity": c.capacity,
        "normal_load": c.normal_load,
        "spare": c.spare,
        "usable": round(c.usable),
        "nearest_km": c.nearest_km,
        "mean_km": c.mean_km,
        "status": c.status.value,
        "parcels": c.parcels,
        "reason": message_document(c.reason),
    }


def _part(a: PartAssignment) -> dict[str, Any]:
    return {
        "code": a.part.code,
        "name": a.part.name,
        "kind": a.part.kind.value,
        "inbound": a.part.inbound,
        "outbound": a.part.outbound,
        "parcels": a.part.parcels,
        "centre": a.centre,
        "road_km": a.road_km,
        "road_hours": a.road_hours,
        "stations": list(a.part.stations),
        "outlets": list(a.part.outlets),
        "targets": [
            {"kind": t.kind.value, "code": t.code, "name": t.name, "parcels": t.parcels}
            for t in a.part.targets
        ],
        "reason": message_document(a.reason),
    }


@dataclass(frozen=True)
class StoredCoveragePlan:
    id: int
    network: str
    carrier: str
    region: str
    region_name: str
    depth: str
    period_start: datetime
    period_end: datetime
    parcels: int
    unabsorbed_parcels: int
    centres: tuple[str, ...]
    organisation_id: int | None
    created_by: str
    created_at: datetime
    document: dict[str, Any]


def insert_plan(
    session: Session,
    plan: CoveragePlan,
    *,
    network: str,
    organisation_id: int | None,
    created_by: str,
    created_at: datetime,
    period: tuple[datetime, datetime],
) -> StoredCoveragePlan:
    """Keep a plan made now; ``period`` is its aware [start, end)."""
    row = CoveragePlanRow(
        network=network,
        carrier=plan.area.carrier,
        region=plan.area.code,
        region_name=plan.area.name,
        depth=plan.depth.value,
        period_start=period[0],
        period_end=period[1],
        parcels=plan.parcels,
        unabsorbed_parcels=plan.unabsorbed_parcels,
        centres=",".join(c.hub for c in plan.centres),
        organisation_id=organisation_id,
        created_by=created_by,
        created_at=created_at,
        document=json.dumps(plan_document(plan), ensure_ascii=False, sort_keys=True),
    )
    session.add(row)
    session.flush()
    return _stored(row)


def get_plan(session: Session, plan_id: int) -> StoredCoveragePlan | None:
    row = session.get(CoveragePlanRow, plan_id)
    return None if row is None else _stored(row)


def list_plans(
    session: Session,
    *,
    carrier: str | None = None,
    prefix: str = "",
    network: str | None = None,
    limit: int = 200,
) -> list[StoredCoveragePlan]:
    """The newest plans first, of ``carrier`` (any when None) whose region starts ``prefix``."""
    query = select(CoveragePlanRow).order_by(CoveragePlanRow.id.desc()).limit(limit)
    if carrier is not None:
        query = query.where(CoveragePlanRow.carrier == carrier)
    if prefix:
        query = query.where(CoveragePlanRow.region.startswith(prefix, autoescape=True))
    if network is not None:
        query = query.where(CoveragePlanRow.network == network)
    return [_stored(row) for row in session.scalars(query)]


def _stored(row: CoveragePlanRow) -> StoredCoveragePlan:
    return StoredCoveragePlan(
        id=row.id,
        network=row.network,
        carrier=row.carrier,
        region=row.region,
        region_name=row.region_name,
        depth=row.depth,
        period_start=row.period_start,
        period_end=row.period_end,
        parcels=row.parcels,
        unabsorbed_parcels=row.unabsorbed_parcels,
        centres=tuple(hub for hub in row.centres.split(",") if hub),
        organisation_id=row.organisation_id,
        created_by=row.created_by,
        created_at=row.created_at,
        document=json.loads(row.document),
    )
