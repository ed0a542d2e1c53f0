"""The platforms' order releases (订单释放) and the knobs of the staggering plan.

A release is what a platform hands to a carrier at one origin on one day: ``parcels`` orders
ready for pickup on ``release_day``, each to be picked up no later than ``latest_day`` (the
platform's promised shipping time). The staggering plan decides on which day in that window
each parcel is picked up (the pickup quota); the part of the quotas that is one platform's
releases is that platform's schedule (:mod:`.stagger_platforms`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from peakguard.domain.network import Network, NodeKind
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.optimize.problem import PlanningProblem
from peakguard.parameters import FileParameters
from peakguard.simulate.demand import build_demand
from peakguard.simulate.keys import distinct
from peakguard.simulate.plan import Demand
from peakguard.simulate.scenario import Scenario


@dataclass(frozen=True)
class OrderRelease:
    origin: str
    """The outlet (网点) where the carrier picks the orders up."""
    carrier: str
    release_day: date
    latest_day: date
    parcels: float
    platform: str = ""
    """The code of the platform organisation that released the orders; empty when the file
    names none (the carrier's own customers, or a platform not told apart): such a release
    is planned as any other but belongs to no platform's schedule."""


FLOOR_BASES = ("normal_day", "released")
"""What a pickup floor may be a share of (:class:`StaggerParameters`)."""


@dataclass(frozen=True)
class StaggerParameters(FileParameters, section="stagger"):
    """Knobs of the staggering plan; defaults are local policy (docs/explanation/staggering.md).

    ``sorting_margin`` and ``storage_margin`` are the share of each capacity the plan may use:
    the rest is kept for what a plan cannot see (a late truck, a slow shift). With the default
    0.85 for storage, a planned node stays below the orange warning threshold (0.9).
    """

    sorting_margin: float = 0.95
    storage_margin: float = 0.85
    storage_hours_per_day: int = 8
    """Hours of each day at which storage is checked: each node's fullest hours on a normal
    day (24 checks every hour, at the price of a larger program)."""
    carrier_fairness: float = 0.25
    """Weight of the worst carrier's mean delay (days) against the total delay."""
    origin_fairness: float = 0.25
    """Weight of the worst origin's mean delay (days) against the total delay."""
    time_limit_seconds: float = 600.0
    pickup_floor: float = 0.5
    """No stop of pickup (不得擅自停收): each origin picks up at least this share of its basis
    on every day it has releases (never more than released that day), unless a closure of the
    scenario covers it (0: no floor)."""
    pickup_floor_basis: str = "normal_day"
    """What the floor is a share of: ``normal_day`` (the origin's pickups on a normal day) or
    ``released`` (its parcels released that day)."""
    rolling_days: int = 0
    """Solve the program this many plan days at a time, keeping each window's first day
    (:mod:`.stagger_rolling`: for national scale, where the whole program is too big for the
    simplex; a heuristic, measured against the whole program). 0: the whole horizon at once,
    the optimum."""

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for name in ("sorting_margin", "storage_margin"):
            value = getattr(self, name)
            if not 0 < value <= 1:  # NaN fails every comparison, so it lands here too
                problems.append(Problem(name, _("must be greater than 0 and at most 1")))
        if not 1 <= self.storage_hours_per_day <= 24:
            problems.append(Problem("storage_hours_per_day", _("must be between 1 and 24")))
        for name in ("carrier_fairness", "origin_fairness"):
            if not getattr(self, name) >= 0:
                problems.append(Problem(name, _("must not be negative")))
        if not 0 <= self.pickup_floor <= 1:
            problems.append(Problem("pickup_floor", _("must be between 0 and 1")))
        if self.pickup_floor_basis not in FLOOR_BASES:
            problems.append(
                Problem(
                    "pickup_floor_basis",
                    _("must be one of: {choices}", choices=", ".join(FLOOR_BASES)),
                )
            )
        if not 0 <= self.rolling_days <= 366:
            problems.append(Problem("rolling_days", _("must be between 0 and 366")))
        if not self.time_limit_seconds > 0:
            problems.append(Problem("time_limit_seconds", _("must be greater than 0")))
        if problems:
            raise InvalidInputError(_("The staggering parameters are not valid."), problems)


def releases_from_scenario(
    network: Network, scenario: Scenario, *, window_days: int = 2
) -> list[OrderRelease]:
    """The scenario's own pickups as releases: each outlet's parcels of each demand day,
    to be picked up within ``window_days`` after it (what happens without a plan is that
    every release is picked up on its day)."""
    return _releases(network, scenario, build_demand(network, scenario), window_days)


def releases_from_problem(problem: PlanningProblem, *, window_days: int = 2) -> list[OrderRelease]:
    """:func:`releases_from_scenario` on the problem's own demand."""
    return _releases(problem.network, problem.scenario, problem.demand, window_days)


def _releases(
    network: Network, scenario: Scenario, demand: Demand, window_days: int
) -> list[OrderRelease]:
    nodes = network.nodes
    outlet = np.array([node.kind is NodeKind.outlet for node in nodes], dtype=np.bool_)
    chosen = (demand.hour >= scenario.warm_up_hours) & outlet[demand.origin]
    days = demand.hour[chosen] // 24
    span = int(days.max()) + 1 if len(days) else 1
    found, inverse = distinct(demand.origin[chosen] * span + days, len(nodes) * span)
    keys = np.stack([found // span, found % span], axis=1)
    totals = np.bincount(inverse, weights=demand.parcels[chosen], minlength=len(keys))
    last = scenario.first_day + timedelta(days=scenario.days - 1 + scenario.drain_days)
    releases: list[OrderRelease] = []
    for (origin, day), parcels in zip(keys.tolist(), totals.tolist(), strict=True):
        released = scenario.start.date() + timedelta(days=int(day))
        node = nodes[int(origin)]
        releases.append(
            OrderRelease(
                origin=node.id,
                carrier=node.carrier,
                release_day=released,
                latest_day=min(released + timedelta(days=window_days), last),
                parcels=float(parcels),
            )
        )
    return releases
