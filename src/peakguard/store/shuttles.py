"""The shuttles' rows: the carriers' vehicles and the day plans (stored as JSON, read back as
:class:`~peakguard.optimize.shuttle_model.ShuttlePlan`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peakguard.i18n import Message
from peakguard.optimize.shuttle_model import (
    Leg,
    Missing,
    ShuttlePlan,
    Stop,
    Trip,
    Unserved,
    Vehicle,
    VehicleRoute,
)
from peakguard.store.shuttle_tables import ShuttlePlanRow, ShuttleVehicleRow


@dataclass(frozen=True)
class PlanRecord:
    id: int
    carrier: str
    plan: ShuttlePlan
    planned_by: str
    planned_at: datetime


def save_vehicle(
    session: Session, carrier: str, vehicle: Vehicle, *, by: str, at: datetime
) -> None:
    """Record ``vehicle`` for ``carrier``, replacing the one of the same code."""
    row = session.scalars(
        select(ShuttleVehicleRow).where(
            ShuttleVehicleRow.carrier == carrier, ShuttleVehicleRow.code == vehicle.code
        )
    ).one_or_none()
    if row is None:
        row = ShuttleVehicleRow(carrier=carrier, code=vehicle.code)
        session.add(row)
    row.plate, row.driver, row.leg, row.base = (
        vehicle.plate,
        vehicle.driver,
        vehicle.leg.value,
        vehicle.base,
    )
    row.capacity_sets, row.capacity_kg, row.max_trips = (
        vehicle.capacity_sets,
        vehicle.capacity_kg,
        vehicle.max_trips,
    )
    row.recorded_by, row.recorded_at = by, at
    session.flush()


def vehicles_of(session: Session, carrier: str) -> list[Vehicle]:
    rows = session.scalars(
        select(ShuttleVehicleRow)
        .where(ShuttleVehicleRow.carrier == carrier)
        .order_by(ShuttleVehicleRow.code)
    ).all()
    return [
        Vehicle(
            row.code,
            row.plate,
            row.driver,
            Leg(row.leg),
            row.base,
            row.capacity_sets,
            row.capacity_kg,
            row.max_trips,
        )
        for row in rows
    ]


def insert_plan(
    session: Session, carrier: str, plan: ShuttlePlan, *, by: str, at: datetime
) -> PlanRecord:
    row = ShuttlePlanRow(
        carrier=carrier,
        region=plan.region,
        day=plan.day,
        point=plan.point,
        plan=json.dumps(plan_to_json(plan), ensure_ascii=False),
        planned_by=by,
        planned_at=at,
    )
    session.add(row)
    session.flush()
    return _plan(row)


def load_plan(session: Session, plan_id: int) -> PlanRecord | None:
    row = session.get(ShuttlePlanRow, plan_id)
    return None if row is None else _plan(row)


def query_plans(
    session: Session, *, carrier: str | None, region_prefix: str = "", limit: int = 200
) -> list[PlanRecord]:
    query = select(ShuttlePlanRow).order_by(ShuttlePlanRow.day.desc(), ShuttlePlanRow.id.desc())
    if carrier is not None:
        query = query.where(ShuttlePlanRow.carrier == carrier)
    if region_prefix:
        query = query.where(ShuttlePlanRow.region.startswith(region_prefix))
    return [_plan(row) for row in session.scalars(query.limit(limit)).all()]


def _plan(row: ShuttlePlanRow) -> PlanRecord:
    return PlanRecord(
        row.id, row.carrier, plan_from_json(json.loads(row.plan)), row.planned_by, row.planned_at
    )


# -- the plan as JSON ----------------------------------------------------------------------------


def _message(message: Message) -> dict[str, Any]:
    """A message as JSON; a parameter that is itself a message stays one (translated when
    read, not frozen in the language of the moment it was stored)."""
    return {
        "msgid": message.msgid,
        "params": {
            key: _message(value) if isinstance(value, Message) else str(value)
            for key, value in message.params.items()
        },
    }


def plan_to_json(plan: ShuttlePlan) -> dict[str, Any]:
    return {
        "region": plan.region,
        "day": plan.day.isoformat(),
        "point": plan.point,
        "stations": list(plan.stations),
        "routes": [
            {
                "vehicle": r.vehicle,
                "plate": r.plate,
                "driver": r.driver,
                "leg": r.leg.value,
                "base": r.base,
                "trips": [_trip_json(trip) for trip in r.trips],
            }
            for r in plan.routes
        ],
        "missing": [
            {"subject": m.subject, "reasons": [_message(x) for x in m.reasons]}
            for m in plan.missing
        ],
        "unserved": [
            {
                "place": u.place,
                "name": u.name,
                "sets": u.sets,
                "orders": list(u.orders),
                "reason": _message(u.reason),
            }
            for u in plan.unserved
        ],
    }


def _trip_json(trip: Trip) -> dict[str, Any]:
    return {
        "number": trip.number,
        "loads": trip.loads.isoformat(),
        "leaves": trip.leaves.isoformat(),
        "returns": trip.returns.isoformat(),
        "sets": trip.sets,
        "kg": trip.kg,
        "distance_km": trip.distance_km,
        "stops": [
            {
                "place": s.place,
                "name": s.name,
                "arrives": s.arrives.isoformat(),
                "departs": s.departs.isoformat(),
                "sets": s.sets,
                "kg": s.kg,
                "orders": list(s.orders),
            }
            for s in trip.stops
        ],
    }


def _read_message(data: dict[str, Any]) -> Message:
    return Message(
        data["msgid"],
        {
            key: _read_message(value) if isinstance(value, dict) else value
            for key, value in data["params"].items()
        },
    )


def plan_from_json(data: dict[str, Any]) -> ShuttlePlan:
    return ShuttlePlan(
        region=data["region"],
        day=date.fromisoformat(data["day"]),
        point=data["point"],
        stations=tuple(data["stations"]),
        routes=tuple(
            VehicleRoute(
                r["vehicle"],
                r["plate"],
                r["driver"],
                Leg(r["leg"]),
                r["base"],
                tuple(_read_trip(t) for t in r["trips"]),
            )
            for r in data["routes"]
        ),
        missing=tuple(
            Missing(m["subject"], tuple(_read_message(x) for x in m["reasons"]))
            for m in data["missing"]
        ),
        unserved=tuple(
            Unserved(
                u["place"], u["name"], u["sets"], tuple(u["orders"]), _read_message(u["reason"])
            )
            for u in data["unserved"]
        ),
    )


def _read_trip(data: dict[str, Any]) -> Trip:
    return Trip(
        number=data["number"],
        loads=datetime.fromisoformat(data["loads"]),
        leaves=datetime.fromisoformat(data["leaves"]),
        returns=datetime.fromisoformat(data["returns"]),
        sets=data["sets"],
        kg=data["kg"],
        distance_km=data["distance_km"],
        stops=tuple(
            Stop(
                s["place"],
                s["name"],
                datetime.fromisoformat(s["arrives"]),
                datetime.fromisoformat(s["departs"]),
                s["sets"],
                s["kg"],
                tuple(s["orders"]),
            )
            for s in data["stops"]
        ),
    )
