"""The demo season's security supervision, recorded as the organisations would do the work.

The script (:mod:`peakguard.demo.security_season`, :mod:`peakguard.demo.security_inspections`)
says who does what and when; this module does it through the areas' operations, each at its
simulated moment and in the order it happened:

- ZTO Sichuan's security officer registers the real-name outlet's clerks (their IDs kept as
  keyed hashes only); every evening each demo company sends the day's real-name register of
  the sampled parcels of its outlets in the story (the lapsing ones and one other in Chengdu:
  :func:`~peakguard.demo.security_season.register_outlets`), by its data reporter where it has
  one, else its security officer, so the register's flags are raised as the days come in;
- the letters of commitment are recorded before the season (one company's missing);
- the inspections are planned, started, answered item by item (compliant, except the
  findings), their evidence attached and completed; the orders issued from their findings, the
  carriers' reports, extensions, re-checks and the fine proposed on a failed re-check's penalty
  case; the order sweep runs twice a day, so the ignored order escalates by itself;
- the provincial inspector lists the abnormal outlet; ZTO Sichuan's security officer places a
  stop-sort hold at a hub (the lake's later scans of the waybill recorded as violations), and
  the provincial inspector releases it the next day with its reason.

The lake is the demo's 0.1 % sample, its accept flags changed by the labelled lapse policy
(:func:`~peakguard.demo.security_season.apply_lapses`, applied when the demo writes the lake).
Every ID number and credit code in it is synthetic (they pass their check digits; no one has
them).

Recording is idempotent per database: a season whose first inspection is stored (the same
place, carrier and moment) is not recorded again; the summary is read back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from peakguard.app.access import require
from peakguard.app.demo_security_summary import DemoSecurity, security_summary
from peakguard.app.demo_security_work import People, SecurityWork
from peakguard.config import Settings
from peakguard.demo.security_inspections import (
    SECURITY_OFFICERS,
    HoldScript,
    InspectionPlan,
    Scan,
    choose_hold,
    season_inspections,
)
from peakguard.demo.security_season import (
    Accepted,
    LapsePolicy,
    RegisterScript,
    demand_days,
    lapse_policy,
    register_outlets,
    season_register,
)
from peakguard.domain.network import Network, NodeKind
from peakguard.domain.scans import CHINA_STANDARD_TIME, EventType
from peakguard.identity.model import Permission, Principal
from peakguard.simulate.scenario import Scenario
from peakguard.store.database import Store
from peakguard.store.event_lake import event_dataset

PROVINCE = "510000"
HOLD_DAY_OFFSET = 4
"""The hold is placed on the season's fifth demand day (10 November)."""
HOLD_CANDIDATES = 400
"""Waybills sorted at the hubs that day whose trails are read to choose the held one."""


def record_demo_security(
    store: Store,
    lake: Path,
    network: Network,
    scenario: Scenario,
    *,
    seed: int,
    actor: Principal,
    policy: LapsePolicy | None = None,
    settings: Settings | None = None,
) -> DemoSecurity:
    """Record the season's security supervision (see the module's docstring) as ``actor``
    (an administrator) and the demo's users; ``policy``: the lapse policy the lake was
    written with (by default the seed's, as the demo writes it)."""
    require(actor, Permission.admin_manage)
    people = People(store, actor)
    brands = [brand for brand in SECURITY_OFFICERS if people.company(brand) is not None]
    left = tuple(sorted(set(SECURITY_OFFICERS) - set(brands)))
    policy = policy or lapse_policy(network, scenario, seed=seed)
    days = demand_days(scenario)
    season = str(days[0].year)
    end = scenario.moment(scenario.hours).replace(tzinfo=CHINA_STANDARD_TIME)
    plan = season_inspections(network, policy, days, end=end)
    sweeper = settings or Settings(event_lake=lake)
    if not brands:
        return security_summary(store, actor, lake, policy, plan, None, left, season=season)
    work = SecurityWork(store, actor, lake, network, people, sweeper)
    if work.recorded(plan):
        return security_summary(
            store, actor, lake, policy, plan, None, left, season=season, already=True
        )
    chosen = [o for o in register_outlets(network, policy) if _brand(network, o) in brands]
    accepted = season_accepts(lake, network, chosen, days)
    regions = sorted({node.region for node in network.nodes if node.region.startswith("51")})
    register = season_register(accepted, policy, seed=seed, regions=regions)
    hold = _hold(lake, network, policy, days)
    events = _events(work, plan, register, hold, days)
    for _moment, _order, _number, step in sorted(events, key=lambda e: e[:3]):
        step()
    return security_summary(store, actor, lake, policy, plan, register, left, season=season)


Event = tuple[datetime, int, int, Callable[[], None]]


def _events(
    work: SecurityWork,
    plan: InspectionPlan,
    register: RegisterScript,
    hold: HoldScript | None,
    days: Sequence[date],
) -> list[Event]:
    """Every step at its moment (``order`` breaks ties: registers first, sweeps next)."""
    events: list[Event] = []

    def at(moment: datetime, step: Callable[[], None], order: int = 5) -> None:
        events.append((moment, order, len(events), step))

    before = datetime.combine(days[0] - timedelta(days=1), time(9), tzinfo=CHINA_STANDARD_TIME)
    at(before, partial(work.employees, register, before), 0)
    for letter in plan.commitments:
        at(letter.recorded_at, partial(work.commitment, letter))
    for day in days:
        evening = datetime.combine(day, time(22), tzinfo=CHINA_STANDARD_TIME)
        at(evening, partial(work.register, register, day, evening), 0)
    for inspection in plan.inspections:
        work.inspection_steps(inspection, at)
    if plan.abnormal is not None:
        at(plan.abnormal.listed_at, partial(work.abnormal, plan.abnormal))
    if hold is not None:
        work.hold_steps(hold, at)
    for moment in plan.sweeps:
        at(moment, partial(work.sweep, moment), 1)
    return events


def _brand(network: Network, node_id: str) -> str:
    return next(node.carrier for node in network.nodes if node.id == node_id)


def season_accepts(
    lake: Path, network: Network, chosen: Sequence[str], days: Sequence[date]
) -> list[Accepted]:
    """The lake's accepts at the ``chosen`` outlets on ``days``."""
    outlets = {node.id: node.region for node in network.nodes if node.id in set(chosen)}
    if not outlets:
        return []
    wanted = (
        (ds.field("event") == EventType.accept.value)
        & ds.field("node_id").isin(pa.array(sorted(outlets), pa.string()))
        & ds.field("day").isin(pa.array(list(days), pa.date32()))
    )
    columns = ["waybill", "carrier", "node_id", "time", "real_name_verified"]
    table = event_dataset(lake).to_table(columns=columns, filter=wanted)
    return [
        Accepted(
            row["waybill"],
            row["carrier"],
            row["node_id"],
            outlets[row["node_id"]],
            row["time"].astimezone(CHINA_STANDARD_TIME),
            bool(row["real_name_verified"]),
        )
        for row in table.to_pylist()
    ]


def _hold(
    lake: Path, network: Network, policy: LapsePolicy, days: Sequence[date]
) -> HoldScript | None:
    """The hold's script: a waybill sorted at one of the real-name outlet's brand's Sichuan
    hubs on the hold day, with scans after it."""
    brand = policy.of("sliding").carrier
    hubs = {
        node.id: node.region
        for node in network.nodes
        if node.kind is NodeKind.hub
        and node.carrier == brand
        and node.region.startswith(PROVINCE[:2])
    }
    day = days[min(HOLD_DAY_OFFSET, len(days) - 1)]
    dataset = event_dataset(lake)
    sorted_there = dataset.to_table(
        columns=["waybill"],
        filter=(ds.field("event") == EventType.sort.value)
        & ds.field("node_id").isin(pa.array(sorted(hubs), pa.string()))
        & (ds.field("day") == pa.scalar(day, pa.date32())),
    )
    waybills = pc.unique(sorted_there["waybill"]).to_pylist()[:HOLD_CANDIDATES]
    if not waybills:
        return None
    trails = dataset.to_table(
        columns=["waybill", "carrier", "event", "node_id", "time"],
        filter=ds.field("waybill").isin(pa.array(sorted(waybills), pa.string()))
        & (ds.field("carrier") == brand),
    )
    scans = [
        Scan(r["waybill"], r["carrier"], r["event"], r["node_id"], r["time"].astimezone(UTC))
        for r in trails.to_pylist()
    ]
    officer = SECURITY_OFFICERS[brand]
    return choose_hold(scans, hubs, officer=officer, day=day)
