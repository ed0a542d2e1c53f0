"""Scheduling supply orders (area A's records) through a consolidation point by reference:
each order is read as its reader may read it and turned into its goods (``order_demand``),
then scheduled as :func:`peakguard.app.consolidation.schedule_orders` does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from peakguard.app.consolidation import schedule_orders
from peakguard.app.consolidation_views import ScheduleView
from peakguard.app.supply_orders import get_supply_order, order_demand
from peakguard.identity.model import Principal
from peakguard.store.database import Store
from peakguard.supply.consolidation import Task


def schedule_supply_orders(
    store: Store,
    actor: Principal,
    code: str,
    references: Sequence[str],
    *,
    start: datetime,
    arrivals: Mapping[str, datetime],
    days: int = 3,
    staffing: Mapping[Task, float] | None = None,
    now: datetime | None = None,
) -> ScheduleView:
    """Schedule the supply orders ``references`` through the point ``code``; the goods of each
    source arrive at ``arrivals[source]``. An order the actor may not read is not found."""
    demands = [order_demand(get_supply_order(store, actor, reference)) for reference in references]
    return schedule_orders(
        store, actor, code, demands, start=start, arrivals=arrivals, days=days,
        staffing=staffing, now=now,
    )  # fmt: skip
