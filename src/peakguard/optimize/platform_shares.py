"""Each platform's part of a checked run's released parcels, cohort by cohort.

The program sees releases only through their origin, carrier and window: releases alike in
all three are interchangeable to it, and how it splits their pickups among them is an
accident of the solver. :func:`even_split` shares such releases' pickups in proportion to
their parcels, so every platform at one origin with one window waits in the same proportion;
nothing else changes (the origin's quotas, loads and delays are the same).

A checked run's released rows pool every release of one origin, pickup day and days waited
(:mod:`.stagger_runs`). Parcels of one pool travel together (same destinations, same pickup
rounds), so a platform's share of a pool's parcels is its share of every figure of the pool:
:func:`platform_groups` weights the run's cohorts by those shares, and the platforms' figures
add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np

from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.stagger_customers import CustomerGroup, weighted_groups
from peakguard.optimize.stagger_runs import CohortTags
from peakguard.simulate.plan import FloatArray, IntArray
from peakguard.simulate.run import SimulationResult

ReleasePickups = list[tuple[OrderRelease, dict[date, float]]]
PoolKey = tuple[str, date, int]
"""(origin, pickup day, days after release): one pool of the simulated runs' released rows."""


def even_split(release_pickups: Sequence[tuple[OrderRelease, dict[date, float]]]) -> ReleasePickups:
    """The plan's pickups with releases of one origin, carrier and window sharing their
    pickups in proportion to their parcels (each day's total of the group unchanged)."""
    groups: dict[tuple[str, str, date, date], list[int]] = defaultdict(list)
    for index, (release, _pickups) in enumerate(release_pickups):
        key = (release.origin, release.carrier, release.release_day, release.latest_day)
        groups[key].append(index)
    result: ReleasePickups = [(release, dict(per_day)) for release, per_day in release_pickups]
    for members in groups.values():
        parcels = sum(release_pickups[i][0].parcels for i in members)
        if len(members) < 2 or parcels <= 0:
            continue
        pooled: dict[date, float] = defaultdict(float)
        for i in members:
            for day, amount in release_pickups[i][1].items():
                pooled[day] += amount
        for i in members:
            release = release_pickups[i][0]
            share = release.parcels / parcels
            result[i] = (release, {day: amount * share for day, amount in sorted(pooled.items())})
    return result


def platform_groups(
    problem: PlanningProblem,
    result: SimulationResult,
    cohorts: CohortTags,
    release_pickups: Iterable[tuple[OrderRelease, dict[date, float]]],
) -> list[CustomerGroup]:
    """Each platform's customers' figures in ``result`` (its cohorts tagged by ``cohorts``),
    the run simulated from ``release_pickups`` (each release's pickups by day)."""
    shares = _pool_shares(problem, result, cohorts, _pools(release_pickups))
    return weighted_groups(result.run, cohorts, shares)


def _pools(
    release_pickups: Iterable[tuple[OrderRelease, dict[date, float]]],
) -> dict[PoolKey, dict[str, float]]:
    """Pool → platform → parcels."""
    pools: dict[PoolKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for release, per_day in release_pickups:
        for day, amount in per_day.items():
            if amount > 1e-9:
                key = (release.origin, day, (day - release.release_day).days)
                pools[key][release.platform] += amount
    return pools


def _pool_shares(
    problem: PlanningProblem,
    result: SimulationResult,
    cohorts: CohortTags,
    pools: dict[PoolKey, dict[str, float]],
) -> dict[str, FloatArray]:
    """Platform → [cohort] its share of the cohort's released pool (zero for background
    and for a pool with no parcels). Pools and cohorts are matched by one integer key
    (origin, day, days waited), not per cohort in Python: the demo has 2 M cohorts."""
    platforms = sorted({p for pool in pools.values() for p in pool})
    shares = {platform: np.zeros(len(cohorts.weight)) for platform in platforms}
    if not pools:
        return shares
    index = {node.id: position for position, node in enumerate(problem.network.nodes)}
    start = problem.scenario.start.date()
    # A pool before the scenario's start matches no cohort: its day is kept out of range.
    pool_origin, pool_day, pool_wait = (
        np.array(column, dtype=np.int64)
        for column in zip(
            *((index[origin], max((day - start).days, -1), wait) for origin, day, wait in pools),
            strict=True,
        )
    )
    plan = result.run.plan
    days = int(max(pool_day.max(), plan.cohort_hour.max(initial=0) // 24)) + 2
    waits = int(max(pool_wait.max(), cohorts.delay_days.max(initial=0))) + 1

    def code(origin: IntArray, day: IntArray, wait: IntArray) -> IntArray:
        return (origin.astype(np.int64) * days + day + 1) * waits + wait

    pool_codes = code(pool_origin, pool_day, pool_wait)
    order = np.argsort(pool_codes)
    cohort_codes = code(plan.cohort_origin, plan.cohort_hour // 24, cohorts.delay_days)
    at = np.minimum(np.searchsorted(pool_codes, cohort_codes, sorter=order), len(order) - 1)
    pool_of = order[at]
    matched = cohorts.released & (pool_codes[pool_of] == cohort_codes)
    for platform in platforms:
        fraction = np.array(
            [_fraction(pool, platform) for pool in pools.values()], dtype=np.float64
        )
        shares[platform][matched] = fraction[pool_of[matched]]
    return shares


def _fraction(pool: dict[str, float], platform: str) -> float:
    total = sum(pool.values())
    return pool.get(platform, 0.0) / total if total > 0 else 0.0
