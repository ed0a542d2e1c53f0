"""The plan seen by each platform: its schedule and what it means to its customers.

A platform releases orders at the carriers' outlets; the staggering plan sets each origin's
pickup quota per day. The part of those quotas that is one platform's releases is the
schedule that platform must follow (how many of its orders at each origin are picked up on
each day), and its customers' figures count from its own releases.

The schedule shares alike releases' pickups evenly (:func:`.platform_shares.even_split`);
the customers' figures are the comparison's, counted on its two simulated runs as each run was
read (:func:`.platform_shares.platform_groups`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from peakguard.optimize.comparison import PlanComparison
from peakguard.optimize.platform_shares import even_split
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.stagger import PickupPlan
from peakguard.optimize.stagger_customers import CustomerGroup

NO_PLATFORM = ""
"""The platform of releases that name none: in the carriers' and regulators' view only."""


@dataclass(frozen=True)
class PlatformQuota:
    """Parcels of ``platform``'s releases at ``origin`` picked up on ``day`` (its share of the
    origin's pickup quota), and the parcels it released there that day."""

    platform: str
    origin: str
    carrier: str
    region: str
    """The origin's region code (who may see the row: a regulator of its territory)."""
    day: date
    quota: float
    released: float


@dataclass(frozen=True)
class PlatformSchedule:
    """Every platform's schedule; with the simulated check, each platform's customers'
    figures counted from release, before (releases picked up as released) and with the plan
    (``key`` is the platform)."""

    quotas: list[PlatformQuota]
    customers_before: list[CustomerGroup]
    customers_after: list[CustomerGroup]

    @property
    def platforms(self) -> list[str]:
        return sorted({item.platform for item in self.quotas})


def platform_quotas(
    release_pickups: Iterable[tuple[OrderRelease, dict[date, float]]],
    regions: Mapping[str, str],
) -> list[PlatformQuota]:
    """Per platform, origin and day: the parcels of its releases picked up and released
    (ordered by platform, origin, day); ``regions`` gives each origin's region code."""
    picked: dict[tuple[str, str, str, date], float] = defaultdict(float)
    released: dict[tuple[str, str, str, date], float] = defaultdict(float)
    for release, per_day in release_pickups:
        base = (release.platform, release.origin, release.carrier)
        released[(*base, release.release_day)] += release.parcels
        for day, amount in per_day.items():
            picked[(*base, day)] += amount
    return [
        PlatformQuota(
            platform,
            origin,
            carrier,
            regions.get(origin, ""),
            day,
            picked.get((platform, origin, carrier, day), 0.0),
            released.get((platform, origin, carrier, day), 0.0),
        )
        for platform, origin, carrier, day in sorted(set(picked) | set(released))
    ]


def platform_schedule(
    problem: PlanningProblem, plan: PickupPlan, comparison: PlanComparison | None
) -> PlatformSchedule:
    """Every platform's schedule from the plan (its pickups split by :func:`even_split`),
    and, with ``comparison`` (:func:`~.comparison.compare_by_simulation` of this plan), each
    platform's customers' figures in both runs (counted as the comparison read them)."""
    shared = even_split(plan.release_pickups)
    quotas = platform_quotas(shared, {node.id: node.region for node in problem.network.nodes})
    if comparison is None:
        return PlatformSchedule(quotas, [], [])
    return PlatformSchedule(quotas, comparison.platforms_before, comparison.platforms_after)
