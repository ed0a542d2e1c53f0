"""The consolidation point (汇集点, seed 004) as a small operation: its resources, its seven
tasks, and what limits how many sets an hour it can ship.

Every set that passes the point goes through the seven tasks in turn — receive, put away,
pick, combine, pack, dispatch out, ship (接货、入库、拣选、拼货、包装、出库、发运) — so the
point is a tandem line and every task carries the same load: one set. A task's capacity is its staff
times its rate (sets per staff-hour); without a warehouse system (仓储管理系统) putting away
and picking go by paper lists at ``no_system_factor`` of their rate.

Equipment caps the tasks that need it, in sets an hour it allows:

- **forklifts** (叉车) move the pallets at receive, put away and dispatch out: one forklift
  moves ``forklift_sets_per_hour`` sets an hour, shared evenly by the three tasks;
- **swap-body trailers** (甩挂车厢) ship: ``trailer_sets`` a trip, one round trip every
  ``trailer_round_trip_hours``;
- **handling equipment** (手持终端、地牛): each picker needs one, so picking is capped at
  devices × the pick rate;
- **pallets** (托盘) carry goods from receipt to shipping, **racks** (货架) hold them put away,
  and **floor area** (场地) holds packed sets staged for dispatch: each holds so many sets for
  so many hours, so by Little's law it lets through (sets held ÷ hours held) sets an hour.

The **bottleneck** is the task or the equipment that allows the fewest sets an hour (every
set loads each the same, so "least capacity relative to its load" is simply the least
capacity); the line's rate is that capacity. Staff split evenly across the tasks puts most
of them where they are least needed; the **balanced split** gives each task staff in
proportion to the time a set takes there (1 ÷ rate), so every task runs at the same rate,
``staff ÷ Σ (1 ÷ rate)`` — the most sets an hour the staff can do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _


class Task(StrEnum):
    """The seven tasks of a consolidation point, in the order a set passes them."""

    receive = "receive"
    put_away = "put_away"
    pick = "pick"
    combine = "combine"
    pack = "pack"
    dispatch = "dispatch"
    ship = "ship"


TASKS: tuple[Task, ...] = tuple(Task)
TASK_LABELS: Mapping[Task, Message] = {
    Task.receive: _("receive (接货)"),
    Task.put_away: _("put away (入库)"),
    Task.pick: _("pick (拣选)"),
    Task.combine: _("combine (拼货)"),
    Task.pack: _("pack (包装)"),
    Task.dispatch: _("dispatch out (出库)"),
    Task.ship: _("ship (发运)"),
}
DEFAULT_RATES: Mapping[Task, float] = {
    Task.receive: 120.0,
    Task.put_away: 100.0,
    Task.pick: 60.0,
    Task.combine: 40.0,
    Task.pack: 50.0,
    Task.dispatch: 80.0,
    Task.ship: 200.0,
}
"""Sets per staff-hour, local figures to replace with the point's own measurements."""


@dataclass(frozen=True)
class PointResources:
    """What a point has: floor area, staff per shift and shifts, equipment, the system."""

    floor_area_m2: float
    staff_per_shift: int
    shifts_per_day: int = 2
    shift_hours: int = 8
    first_shift_starts: int = 6
    """The hour of the day (China time) the first shift starts; shifts follow one another."""
    forklifts: int = 0
    pallets: int = 0
    racks: int = 0
    """Rack positions (货位)."""
    trailers: int = 0
    """Swap-body trailers (甩挂车厢)."""
    handling_equipment: int = 0
    """Handheld terminals and pallet jacks, one per picker."""
    warehouse_system: bool = False

    def __post_init__(self) -> None:
        problems = list(_resource_problems(self))
        if problems:
            raise InvalidInputError(_("The point's resources have mistakes."), problems)

    @property
    def working_hours(self) -> int:
        """Hours a day the point works."""
        return self.shifts_per_day * self.shift_hours

    def works_at(self, hour_of_day: int) -> bool:
        """Whether a shift is on at ``hour_of_day`` (0–23, China time)."""
        return (hour_of_day - self.first_shift_starts) % 24 < self.working_hours


def _resource_problems(resources: PointResources) -> Iterable[Problem]:
    if not 0 < resources.floor_area_m2 <= 10**7:
        yield Problem("floor_area_m2", _("must be more than 0 m² and at most 10000000"))
    if not 1 <= resources.staff_per_shift <= 10_000:
        yield Problem("staff_per_shift", _("must be between 1 and 10000"))
    if not 1 <= resources.shifts_per_day <= 3:
        yield Problem("shifts_per_day", _("must be 1, 2 or 3"))
    if not 1 <= resources.shift_hours <= 12:
        yield Problem("shift_hours", _("must be between 1 and 12 hours"))
    elif resources.working_hours > 24:
        yield Problem("shift_hours", _("the shifts together exceed 24 hours a day"))
    if not 0 <= resources.first_shift_starts <= 23:
        yield Problem("first_shift_starts", _("must be an hour of the day, 0 to 23"))
    for name in ("forklifts", "pallets", "racks", "trailers", "handling_equipment"):
        if not 0 <= getattr(resources, name) <= 10**7:
            yield Problem(name, _("must be between 0 and 10000000"))


@dataclass(frozen=True)
class PointRates:
    """The point's rates: sets per staff-hour of each task and what each piece of equipment
    lets through. Measured locally; the defaults are a starting point."""

    tasks: Mapping[Task, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    no_system_factor: float = 0.7
    """Without a warehouse system, put away and pick run at this share of their rate."""
    forklift_sets_per_hour: float = 600.0
    trailer_sets: int = 800
    trailer_round_trip_hours: float = 4.0
    sets_per_pallet: int = 40
    pallet_hours: float = 12.0
    """Hours a pallet stays in use from receipt to shipping."""
    sets_per_rack_position: int = 40
    rack_hours: float = 12.0
    """Hours goods stay on a rack before they are picked."""
    staging_m2_per_set: float = 0.05
    """Floor a packed set takes while staged, aisles included."""
    staging_hours: float = 2.0

    def __post_init__(self) -> None:
        problems = list(_rate_problems(self))
        if problems:
            raise InvalidInputError(_("The point's rates have mistakes."), problems)

    def rate(self, task: Task, resources: PointResources) -> float:
        """Sets per staff-hour of ``task`` at a point with ``resources``."""
        slowed = task in {Task.put_away, Task.pick} and not resources.warehouse_system
        return self.tasks[task] * (self.no_system_factor if slowed else 1.0)


def _rate_problems(rates: PointRates) -> Iterable[Problem]:
    for task in TASKS:
        value = rates.tasks.get(task)
        if value is None:
            yield Problem(f"tasks.{task.value}", _("is missing: every task needs its rate"))
        elif not 0 < value <= 100_000:
            yield Problem(f"tasks.{task.value}", _("must be more than 0 and at most 100000"))
    for key in rates.tasks:
        if key not in TASKS:
            yield Problem(f"tasks.{key}", _("is not one of the seven tasks"))
    if not 0 < rates.no_system_factor <= 1:
        yield Problem("no_system_factor", _("must be a share above 0 and at most 1, e.g. 0.8"))
    for name in (
        "forklift_sets_per_hour",
        "trailer_sets",
        "trailer_round_trip_hours",
        "sets_per_pallet",
        "pallet_hours",
        "sets_per_rack_position",
        "rack_hours",
        "staging_m2_per_set",
        "staging_hours",
    ):
        if not 0 < getattr(rates, name) <= 100_000:
            yield Problem(name, _("must be more than 0 and at most 100000"))


@dataclass(frozen=True)
class Ceiling:
    """A piece of equipment (or the floor) and the sets an hour it lets each of its tasks do."""

    key: str
    tasks: tuple[Task, ...]
    sets_per_hour: float
    explanation: Message


def ceilings(resources: PointResources, rates: PointRates) -> tuple[Ceiling, ...]:
    """What the equipment and the floor allow, each with the sum that gives it."""
    forklift = resources.forklifts * rates.forklift_sets_per_hour
    trailer = resources.trailers * rates.trailer_sets / rates.trailer_round_trip_hours
    pick_rate = rates.rate(Task.pick, resources)
    pallet_sets = resources.pallets * rates.sets_per_pallet
    rack_sets = resources.racks * rates.sets_per_rack_position
    staged = resources.floor_area_m2 / rates.staging_m2_per_set
    return (
        Ceiling(
            "forklifts",
            (Task.receive, Task.put_away, Task.dispatch),
            forklift / 3,
            _(
                "{count} forklifts × {rate} sets an hour, shared by receive, put away and "
                "dispatch out",
                count=resources.forklifts,
                rate=f"{rates.forklift_sets_per_hour:g}",
            ),
        ),
        Ceiling(
            "trailers",
            (Task.ship,),
            trailer,
            _(
                "{count} swap-body trailers × {sets} sets a trip ÷ {hours} h a round trip",
                count=resources.trailers,
                sets=rates.trailer_sets,
                hours=f"{rates.trailer_round_trip_hours:g}",
            ),
        ),
        Ceiling(
            "handling_equipment",
            (Task.pick,),
            resources.handling_equipment * pick_rate,
            _(
                "{count} handheld terminals and pallet jacks, one per picker, × {rate} sets an "
                "hour",
                count=resources.handling_equipment,
                rate=f"{pick_rate:g}",
            ),
        ),
        Ceiling(
            "pallets",
            (Task.receive,),
            pallet_sets / rates.pallet_hours,
            _(
                "{count} pallets × {sets} sets held {hours} h each",
                count=resources.pallets,
                sets=rates.sets_per_pallet,
                hours=f"{rates.pallet_hours:g}",
            ),
        ),
        Ceiling(
            "racks",
            (Task.put_away,),
            rack_sets / rates.rack_hours,
            _(
                "{count} rack positions × {sets} sets held {hours} h each",
                count=resources.racks,
                sets=rates.sets_per_rack_position,
                hours=f"{rates.rack_hours:g}",
            ),
        ),
        Ceiling(
            "floor_area",
            (Task.pack,),
            staged / rates.staging_hours,
            _(
                "{area} m² ÷ {per} m² a staged set, staged {hours} h before dispatch",
                area=f"{resources.floor_area_m2:g}",
                per=f"{rates.staging_m2_per_set:g}",
                hours=f"{rates.staging_hours:g}",
            ),
        ),
    )


CEILING_LABELS: Mapping[str, Message] = {
    "forklifts": _("forklifts (叉车)"),
    "trailers": _("swap-body trailers (甩挂车厢)"),
    "handling_equipment": _("handling equipment (手持终端、地牛)"),
    "pallets": _("pallets (托盘)"),
    "racks": _("racks (货架)"),
    "floor_area": _("floor area for staged sets (场地)"),
}


def even_staffing(staff: float) -> dict[Task, float]:
    """Staff split evenly across the seven tasks."""
    return {task: staff / len(TASKS) for task in TASKS}


def balanced_staffing(
    staff: float, resources: PointResources, rates: PointRates
) -> dict[Task, float]:
    """Staff in proportion to the time a set takes at each task, so every task runs at
    ``staff ÷ Σ (1 ÷ rate)`` sets an hour."""
    times = {task: 1 / rates.rate(task, resources) for task in TASKS}
    total = sum(times.values())
    return {task: staff * times[task] / total for task in TASKS}


def staff_for(sets_per_hour: float, resources: PointResources, rates: PointRates) -> int:
    """The fewest staff on shift who, split in balance, do ``sets_per_hour`` sets an hour."""
    needed = sets_per_hour * sum(1 / rates.rate(task, resources) for task in TASKS)
    return math.ceil(needed - 1e-9)


@dataclass(frozen=True)
class TaskCapacity:
    """One task: its rate, its staff, what the staff can do, what the equipment allows, and
    so the sets an hour it does."""

    task: Task
    rate: float
    staff: float
    staff_sets_per_hour: float
    ceiling: Ceiling | None
    """The tightest equipment cap on the task (None: no equipment caps it)."""

    @property
    def sets_per_hour(self) -> float:
        if self.ceiling is None:
            return self.staff_sets_per_hour
        return min(self.staff_sets_per_hour, self.ceiling.sets_per_hour)

    @property
    def limited_by_equipment(self) -> bool:
        return self.ceiling is not None and self.ceiling.sets_per_hour < self.staff_sets_per_hour


@dataclass(frozen=True)
class Bottleneck:
    """What limits the line: a task's staff or a piece of equipment, and the words saying so."""

    key: str
    """A task (``combine``) or a ceiling's key (``forklifts``)."""
    sets_per_hour: float
    reason: Message


def task_capacities(
    resources: PointResources, rates: PointRates, staffing: Mapping[Task, float]
) -> tuple[TaskCapacity, ...]:
    """Each task's capacity with ``staffing`` (staff on shift per task)."""
    caps = ceilings(resources, rates)
    found = []
    for task in TASKS:
        rate = rates.rate(task, resources)
        staff = staffing.get(task, 0.0)
        own = [ceiling for ceiling in caps if task in ceiling.tasks]
        tightest = min(own, key=lambda ceiling: ceiling.sets_per_hour, default=None)
        found.append(TaskCapacity(task, rate, staff, staff * rate, tightest))
    return tuple(found)


def bottleneck(capacities: Iterable[TaskCapacity]) -> Bottleneck:
    """The task or equipment that allows the fewest sets an hour (the first such in line)."""
    least = min(capacities, key=lambda capacity: capacity.sets_per_hour)
    if least.limited_by_equipment and least.ceiling is not None:
        ceiling = least.ceiling
        return Bottleneck(
            ceiling.key,
            ceiling.sets_per_hour,
            _(
                "{equipment} limit the line to {rate} sets an hour at {task} ({sum}); more "
                "staff would not help",
                equipment=CEILING_LABELS[ceiling.key],
                rate=f"{ceiling.sets_per_hour:,.1f}",
                task=TASK_LABELS[least.task],
                sum=ceiling.explanation,
            ),
        )
    return Bottleneck(
        least.task.value,
        least.sets_per_hour,
        _(
            "{task} is the bottleneck: {staff} staff × {rate} sets per staff-hour = {capacity} "
            "sets an hour, the least of the seven tasks",
            task=TASK_LABELS[least.task],
            staff=f"{least.staff:.2f}".rstrip("0").rstrip("."),
            rate=f"{least.rate:g}",
            capacity=f"{least.sets_per_hour:,.1f}",
        ),
    )
