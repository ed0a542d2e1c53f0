"""What a consolidation point and a schedule look like to a reader, and the schedule's stored
form: a schedule is kept as JSON when it is made and read back into the same view, so a page
shows an old schedule exactly as it was computed (the bottleneck's sentence stays a message,
rendered in the reader's language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from peakguard.i18n import Message
from peakguard.store.consolidation import PointRecord, ScheduleRecord
from peakguard.supply.consolidation import CEILING_LABELS, TASK_LABELS, Task
from peakguard.supply.consolidation_schedule import PointOrder, PointSchedule


def message_document(message: Message) -> dict[str, Any]:
    """A message as JSON: its msgid and parameters (nested messages kept as messages)."""
    params = {
        key: {"message": message_document(value)} if isinstance(value, Message) else value
        for key, value in message.params.items()
    }
    return {"msgid": message.msgid, "params": params}


def message_from(document: dict[str, Any]) -> Message:
    params = {
        key: message_from(value["message"])
        if isinstance(value, dict) and "message" in value
        else value
        for key, value in document["params"].items()
    }
    return Message(document["msgid"], params)


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def schedule_document(schedule: PointSchedule) -> dict[str, Any]:
    """The schedule's answer as JSON (what the store keeps)."""
    return {
        "start": schedule.start.isoformat(),
        "staffing": {str(task): staff for task, staff in schedule.staffing.items()},
        "line_rate": schedule.line_rate,
        "bottleneck": {
            "key": schedule.bottleneck.key,
            "sets_per_hour": schedule.bottleneck.sets_per_hour,
            "reason": message_document(schedule.bottleneck.reason),
        },
        "tasks": [
            {
                "task": str(load.capacity.task),
                "rate": load.capacity.rate,
                "staff": load.capacity.staff,
                "staff_sets_per_hour": load.capacity.staff_sets_per_hour,
                "ceiling": None if load.capacity.ceiling is None else load.capacity.ceiling.key,
                "ceiling_sets_per_hour": None
                if load.capacity.ceiling is None
                else load.capacity.ceiling.sets_per_hour,
                "hourly": load.hourly,
                "load": load.load,
                "hours_needed": load.hours_needed,
            }
            for load in schedule.tasks
        ],
        "shipments": [
            {
                "reference": item.reference,
                "sets": item.sets,
                "goods_in_at": _moment(item.goods_in_at),
                "shipped_at": _moment(item.shipped_at),
                "needed_by": _moment(item.needed_by),
                "late": item.late,
            }
            for item in schedule.shipments
        ],
        "days": [
            {
                "day": day.day.isoformat(),
                "arriving": day.arriving,
                "shipped": day.shipped,
                "left": day.left,
                "capacity": day.capacity,
                "staff_needed": day.staff_needed,
                "staff_shortfall": day.staff_shortfall,
                "equipment_limit": day.equipment_limit,
            }
            for day in schedule.days
        ],
        "unshipped": schedule.unshipped,
    }


def orders_document(orders: list[PointOrder]) -> list[dict[str, Any]]:
    """The orders as scheduled, as JSON."""
    return [
        {
            "reference": order.reference,
            "needed_by": _moment(order.needed_by),
            "arrivals": [
                {"source": item.source, "sets": item.sets, "at": item.at.isoformat()}
                for item in order.arrivals
            ],
        }
        for order in orders
    ]


@dataclass(frozen=True)
class TaskRow:
    task: Task
    label: Message
    rate: float
    staff: float
    staff_sets_per_hour: float
    ceiling: str | None
    ceiling_label: Message | None
    ceiling_sets_per_hour: float | None
    hourly: int
    load: int
    hours_needed: float | None


@dataclass(frozen=True)
class ShipmentRow:
    reference: str
    sets: int
    goods_in_at: datetime
    shipped_at: datetime | None
    needed_by: datetime | None
    late: bool


@dataclass(frozen=True)
class DayRow:
    day: date
    arriving: int
    shipped: int
    left: int
    capacity: int
    staff_needed: int
    staff_shortfall: int
    equipment_limit: str | None
    equipment_label: Message | None


@dataclass(frozen=True)
class ScheduleView:
    """A schedule made through a point, as stored."""

    id: int
    point: str
    point_version: int
    start: datetime
    made_by: str
    made_at: datetime
    line_rate: int
    bottleneck: str
    bottleneck_label: Message
    bottleneck_reason: Message
    tasks: tuple[TaskRow, ...]
    shipments: tuple[ShipmentRow, ...]
    days: tuple[DayRow, ...]
    unshipped: int
    orders: list[dict[str, Any]]


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def bottleneck_label(key: str) -> Message:
    """The bottleneck's name in words: a task's or a piece of equipment's."""
    if key in CEILING_LABELS:
        return CEILING_LABELS[key]
    return TASK_LABELS[Task(key)]


def schedule_view(record: ScheduleRecord) -> ScheduleView:
    result = record.result
    tasks = tuple(
        TaskRow(
            task=Task(row["task"]),
            label=TASK_LABELS[Task(row["task"])],
            rate=row["rate"],
            staff=row["staff"],
            staff_sets_per_hour=row["staff_sets_per_hour"],
            ceiling=row["ceiling"],
            ceiling_label=None if row["ceiling"] is None else CEILING_LABELS[row["ceiling"]],
            ceiling_sets_per_hour=row["ceiling_sets_per_hour"],
            hourly=row["hourly"],
            load=row["load"],
            hours_needed=row["hours_needed"],
        )
        for row in result["tasks"]
    )
    shipments = tuple(
        ShipmentRow(
            reference=row["reference"],
            sets=row["sets"],
            goods_in_at=datetime.fromisoformat(row["goods_in_at"]),
            shipped_at=_time(row["shipped_at"]),
            needed_by=_time(row["needed_by"]),
            late=row["late"],
        )
        for row in result["shipments"]
    )
    days = tuple(
        DayRow(
            **{key: value for key, value in row.items() if key != "day"},
            day=date.fromisoformat(row["day"]),
            equipment_label=None
            if row["equipment_limit"] is None
            else CEILING_LABELS[row["equipment_limit"]],
        )
        for row in result["days"]
    )
    return ScheduleView(
        id=record.id,
        point=record.point_code,
        point_version=record.point_version,
        start=record.start,
        made_by=record.made_by,
        made_at=record.made_at,
        line_rate=result["line_rate"],
        bottleneck=record.bottleneck,
        bottleneck_label=bottleneck_label(record.bottleneck),
        bottleneck_reason=message_from(result["bottleneck"]["reason"]),
        tasks=tasks,
        shipments=shipments,
        days=days,
        unshipped=result["unshipped"],
        orders=record.orders,
    )


@dataclass(frozen=True)
class PointView:
    """A point with its latest schedules, and whether the reader may change it."""

    point: PointRecord
    schedules: tuple[ScheduleView, ...]
    may_operate: bool
