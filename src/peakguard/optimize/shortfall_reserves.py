"""From a plan's shortfalls to the temporary capacity that closes them (能力储备).

When even the best staggering leaves a node short, the gap is capacity to add: more sorting
per hour in the short shift (an extra crew, a temporary sorter) or more floor space. This
turns each shortfall into a scenario capacity change, rounded up, so the carrier can see what
to add where and when, and the plan can be run again with it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from peakguard.optimize.stagger import PickupPlan
from peakguard.simulate.scenario import CapacityChange, Scenario

SORTING_STEP = 100
"""Parcels per hour: extra sorting is added in whole steps (a crew, a sorter module)."""
STORAGE_STEP = 1000
"""Parcels of floor space: extra storage is added in whole steps."""


@dataclass(frozen=True)
class Reserve:
    node: str
    start: datetime
    end: datetime
    extra_sorting_per_hour: int
    extra_storage: int


def reserves_for_shortfalls(plan: PickupPlan) -> list[Reserve]:
    """The least whole-step additions that cover every sorting and storage shortfall (closed
    nodes are left to the reroute)."""
    storage: dict[str, float] = defaultdict(float)
    windows: dict[str, tuple[datetime, datetime]] = {}
    sorting: list[Reserve] = []
    for item in plan.shortfalls:
        if item.limit <= 0:
            continue
        # The limit is capacity × the margins: capacity must grow by excess ÷ that share.
        needed = item.excess * item.capacity / item.limit
        if item.kind == "sorting":
            per_hour = needed / item.hours
            sorting.append(
                Reserve(
                    node=item.node,
                    start=item.start,
                    end=item.start + timedelta(hours=item.hours),
                    extra_sorting_per_hour=_round_up(per_hour, SORTING_STEP),
                    extra_storage=0,
                )
            )
        elif item.kind == "storage":
            storage[item.node] = max(storage[item.node], needed)
            first, last = windows.get(item.node, (item.start, item.start))
            windows[item.node] = (min(first, item.start), max(last, item.start))
    floor = [
        Reserve(
            node=node,
            start=windows[node][0],
            end=windows[node][1] + timedelta(hours=1),
            extra_sorting_per_hour=0,
            extra_storage=_round_up(amount, STORAGE_STEP),
        )
        for node, amount in sorted(storage.items())
    ]
    return sorted(sorting + floor, key=lambda item: (item.node, item.start))


def with_reserves(scenario: Scenario, reserves: list[Reserve]) -> Scenario:
    """The scenario with the reserves as capacity changes."""
    changes = [
        CapacityChange(
            node=item.node,
            start=item.start,
            end=item.end,
            extra_per_hour=item.extra_sorting_per_hour,
            extra_storage=item.extra_storage,
        )
        for item in reserves
    ]
    return scenario.model_copy(update={"capacity_changes": [*scenario.capacity_changes, *changes]})


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step - 1e-9) * step)
