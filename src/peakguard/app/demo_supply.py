"""The demo season's supply guarantee (保供保通保畅, seed 004), recorded as the organisations would
do the work: Ya'an under static control for five days (:mod:`peakguard.demo.static_control`).

Each step at its simulated moment, by the demo user whose job it is:

- Ya'an's postal administration (``ya.duty``) records the static control as an incident — a
  blockage of the service network whose region is the city, for the control's period — so
  every part that asks which areas are controlled (:mod:`peakguard.app.controlled_areas`) sees
  it; China Post Sichuan's data reporter sends the carrier's first report two hours in;
- the rest — the orders, their dispatch, the consolidation point, the shuttles, the coverage of
  the city's mail and the notices — through the areas' operations
  (:mod:`peakguard.app.demo_supply_work`).

Recording is idempotent per database: when the control's incident is stored already (the
city's epidemic control opened at the control's start), nothing is recorded again and the
summary is read back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from peakguard.app.access import require
from peakguard.app.demo_security_work import People
from peakguard.app.demo_supply_summary import DemoSupply, Outcome, supply_summary
from peakguard.app.demo_supply_work import At, SupplyWork
from peakguard.app.incidents import IncidentDraft, add_report, list_incidents, open_incident
from peakguard.demo.static_control import StaticControl, government_orders, static_control
from peakguard.demo.supply_groupbuy import group_buy_order
from peakguard.domain.network import Network
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store

INCIDENT_TYPE = "epidemic_control"
USERS = ("ya.duty", "ems-sc.reporter", "ems-sc.supply", "youle.supplier")
"""The demo users the supply guarantee needs (SUPPLY_ACCOUNTS)."""


def record_demo_supply(
    store: Store,
    lake: Path,
    network: Network,
    scenario: Scenario,
    *,
    seed: int,
    actor: Principal,
) -> DemoSupply:
    """Record Ya'an's static control and the supply guarantee around it (see the module's
    docstring) as ``actor`` (an administrator) and the demo's supply users."""
    require(actor, Permission.admin_manage)
    control = static_control(scenario.first_day.year)
    people = People(store, actor)
    missing = [name for name in USERS if people.user(name) is None]
    outcome = Outcome(control)
    if missing:
        outcome.left_out.append(f"users {', '.join(missing)}")
        return supply_summary(outcome)
    existing = _recorded(store, people, control)
    if existing is not None:
        outcome.incident = existing
        outcome.already_recorded = True
        return supply_summary(outcome)
    steps: list[tuple[datetime, int, Callable[[], None]]] = []

    def at(moment: datetime, step: Callable[[], None]) -> None:
        steps.append((moment, len(steps), step))

    _declare(store, people, control, outcome, at)
    work = SupplyWork(store, actor, people, lake, network.name, control, outcome)
    _supply(work, control, seed, at)
    for _moment, _order, step in sorted(steps, key=lambda s: s[:2]):
        step()
    outcome.late_quotations = work.late_quotations()
    return supply_summary(outcome)


def _supply(work: SupplyWork, control: StaticControl, seed: int, at: At) -> None:
    """The supply guarantee's steps at their moments (the module's docstring)."""
    year = control.start.year
    orders = [*government_orders(year), group_buy_order(year, seed)]
    start = control.start
    at(start + timedelta(hours=3), lambda: work.coverage(start + timedelta(hours=3)))
    at(start + timedelta(hours=7), lambda: work.register_point(start + timedelta(hours=7)))
    at(start + timedelta(hours=7), lambda: work.fleet(start + timedelta(hours=7)))
    at(start + timedelta(hours=8), lambda: work.publish(start + timedelta(hours=8)))
    at(start + timedelta(hours=9), lambda: work.tell_recipients(start + timedelta(hours=9)))
    for script in orders:
        work.order_steps(script, seed, at)
    work.sweeps(at)
    first = start + timedelta(days=1, hours=12)
    at(first, lambda: work.schedule(orders[:3], first))
    second = start + timedelta(days=3, hours=8)
    at(second, lambda: work.schedule(orders[3:], second))
    for offset, chosen in ((2, orders[:2]), (3, orders[2:3]), (4, orders[3:])):
        evening = start + timedelta(days=offset - 1, hours=21)
        day = (start + timedelta(days=offset)).date()
        at(evening, partial(work.shuttles, day, chosen, evening))


def _user(people: People, name: str) -> Principal:
    found = people.user(name)
    if found is None:  # checked by record_demo_supply
        raise LookupError(name)
    return found


def _recorded(store: Store, people: People, control: StaticControl) -> str | None:
    """The reference of the control's incident, if an earlier run stored it."""
    for row in list_incidents(store, actor=_user(people, "ya.duty"), now=control.recorded_at):
        incident = row.incident
        if (
            incident.incident_type == INCIDENT_TYPE
            and incident.region == control.region
            and incident.period_start == control.start
        ):
            return incident.reference
    return None


def _declare(
    store: Store,
    people: People,
    control: StaticControl,
    outcome: Outcome,
    at: At,
) -> None:
    """The postal administration records the control; the carrier sends its first report."""
    duty, reporter = _user(people, "ya.duty"), _user(people, "ems-sc.reporter")

    def record() -> None:
        draft = IncidentDraft(
            incident_type=INCIDENT_TYPE,
            carrier="EMS",
            region=control.region,
            period_start=control.start,
            period_end=control.end,
            blocked=True,
            text=control.text,
            description=f"{control.name} 静态管理 / static control",
        )
        view = open_incident(store, draft, actor=duty, now=control.recorded_at)
        outcome.incident = view.reference
        outcome.incident_version = view.version

    def first_report() -> None:
        view = add_report(
            store,
            outcome.incident or "",
            "first",
            expected_version=outcome.incident_version,
            text=control.first_report,
            actor=reporter,
            now=control.first_report_at,
        )
        outcome.incident_version = view.version
        outcome.blockage_clock = view.clock.outcome if view.clock is not None else ""

    at(control.recorded_at, record)
    at(control.first_report_at, first_report)
