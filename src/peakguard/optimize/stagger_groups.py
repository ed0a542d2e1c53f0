"""Origins that load the network alike share the program's load columns (decision 0018).

At national scale most of the staggering program is the load of each origin's quota on every
hub and station its parcels reach: 2,034 outlets × 14 days × ~3,000 rows. Outlets behind one
first hub, with the same shifts, the same shuttle (its transit and departure hours) and the
same mix of destinations, put exactly the same parcels on every node past themselves at the
same hours: routing is hop by hop and the free-flow probe is linear, so from the first hub on
a parcel cannot tell which of them it came from. Their quotas can then load those rows through
one column per group and day (the sum of the members' quotas) instead of one per outlet, and
only the outlet's own rows (its sorting and the parcels waiting for the shuttle) stay on its
own column. This is an exact reformulation, not an approximation: every plan of one program is
a plan of the other with the same loads, delay and floors.

It also makes the profile probe cheaper: one representative per group is probed, and the
other members' profiles are the representative's with its own node renamed. A group whose
representative's parcels pass through another member (which would make the members differ)
is split, and its members are probed one by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from peakguard.domain.routing import UNREACHABLE
from peakguard.optimize.problem import PlanningProblem
from peakguard.optimize.profiles import Profiles, probe_profiles
from peakguard.simulate.plan import FloatArray, IntArray, hour_of_departure

Formulation = Literal["grouped", "full"]
"""``grouped``: origins that load the network alike share load columns (the default, exact);
``full``: one load column per origin and day (the reference)."""
FORMULATIONS: tuple[Formulation, ...] = ("grouped", "full")
SHARE_DIGITS = 12
"""Destination shares are alike when equal to this many decimals."""


@dataclass(frozen=True)
class GroupedProfiles:
    """Profiles keyed by load key: an origin's own position for its own rows (and for every
    row when it is in no group), ``node count + g`` for group ``g``'s shared rows."""

    profiles: Profiles
    groups: list[list[int]]
    """Groups of two or more origins (node positions) sharing their load past themselves."""


@dataclass(frozen=True)
class LoadColumns:
    """The load columns: every quota column first (origin, day), then one per group and day.
    A group's column carries the sum of its members' quotas that day."""

    column_base: dict[int, int]
    """Load key → its column on the first plan day (the next days follow)."""
    group_quota: IntArray
    """[quota column] the group load column its quota also adds to, or -1."""
    count: int
    key_volume: FloatArray
    """[load key] parcels the key's origins take on on a normal day."""

    def expand(self, quotas: FloatArray) -> FloatArray:
        """[load column] the values of the load columns under ``quotas`` [quota column]."""
        quota_count = len(self.group_quota)
        member = self.group_quota >= 0
        sums = np.bincount(
            self.group_quota[member] - quota_count,
            weights=quotas[member],
            minlength=self.count - quota_count,
        )
        return np.concatenate([quotas, sums]).astype(np.float64)


def grouped_profiles(
    problem: PlanningProblem, planned: list[int], formulation: Formulation
) -> GroupedProfiles:
    """Probe the planned origins' profiles, one representative per group of alike origins
    (``full``: every origin, no groups)."""
    network, routing, mixes = problem.network, problem.routing, problem.mixes
    hours = list(problem.scenario.demand.pickup_hours)
    if formulation == "full" or len(planned) < 2:
        return GroupedProfiles(
            probe_profiles(network, routing, [mixes[o] for o in planned], hours), []
        )
    candidates = _alike(problem, planned)
    first = probe_profiles(network, routing, [mixes[g[0]] for g in candidates], hours)
    groups: list[list[int]] = []
    alone: list[int] = []
    for members in candidates:
        touched = set(first.storage_node[first.storage_origin == members[0]].tolist())
        touched |= set(first.sorting_node[first.sorting_origin == members[0]].tolist())
        if len(members) > 1 and touched.isdisjoint(members[1:]):
            groups.append(members)
        elif len(members) > 1:
            alone.extend(members[1:])
    parts = [_regroup(first, groups, len(network.nodes))]
    if alone:
        parts.append(probe_profiles(network, routing, [mixes[o] for o in alone], hours))
    return GroupedProfiles(_concatenate(parts), groups)


def load_columns(
    groups: list[list[int]],
    quota_base: dict[int, int],
    plan_days: int,
    normal_volumes: FloatArray,
) -> LoadColumns:
    """The load columns of ``groups`` after the quota columns (``quota_base``: origin → its
    first quota column, ``plan_days`` columns each)."""
    nodes = len(normal_volumes)
    quota_count = len(quota_base) * plan_days
    column_base = dict(quota_base)
    group_quota = np.full(quota_count, -1, dtype=np.int64)
    key_volume = np.concatenate([normal_volumes, np.zeros(len(groups))])
    for g, members in enumerate(groups):
        base = quota_count + g * plan_days
        column_base[nodes + g] = base
        key_volume[nodes + g] = float(normal_volumes[members].sum())
        for origin in members:
            group_quota[quota_base[origin] + np.arange(plan_days)] = base + np.arange(plan_days)
    return LoadColumns(
        column_base=column_base,
        group_quota=group_quota,
        count=quota_count + len(groups) * plan_days,
        key_volume=key_volume,
    )


def _alike(problem: PlanningProblem, planned: list[int]) -> list[list[int]]:
    """Origins whose parcels the free-flow run treats alike past their own node: the same
    sorting hours, the same destinations and shares, the same next hop for each, and the
    same fastest lane timing (whole transit hours, departure hours) to each next hop."""
    network, routing, mixes = problem.network, problem.routing, problem.mixes
    position = routing.position
    fastest: dict[tuple[int, int], tuple[float, int, tuple[int, ...]]] = {}
    for lane in network.lanes:
        pair = (position[lane.origin], position[lane.destination])
        timing = (
            lane.transit_hours,
            max(1, math.ceil(lane.transit_hours - 1e-9)),
            tuple(sorted({hour_of_departure(clock) for clock in lane.departure_times})),
        )
        if pair not in fastest or timing[0] < fastest[pair][0]:
            fastest[pair] = timing
    found: dict[tuple[object, ...], list[int]] = {}
    for origin in planned:
        mix = mixes[origin]
        hops = tuple(
            routing.overrides.get((origin, int(d)), int(routing.next_hop[origin, int(d)]))
            for d in mix.destinations.tolist()
        )
        if UNREACHABLE in hops:
            found[("alone", origin)] = [origin]
            continue
        lanes = tuple(
            (hop, fastest[(origin, hop)][1:]) if (origin, hop) in fastest else (hop, None)
            for hop in sorted(set(hops))
        )
        shifts = tuple(c > 0 for c in network.nodes[origin].sorting_capacity_by_hour())
        # Shares are ratios of parcels: equal mixes differ in the last bits, so compare them
        # to 1e-12 (a load difference of a millionth of a parcel per million parcels).
        shares = np.round(mix.shares, SHARE_DIGITS).tobytes()
        key = (shifts, mix.destinations.tobytes(), shares, hops, lanes)
        found.setdefault(key, []).append(origin)
    return list(found.values())


def _regroup(probed: Profiles, groups: list[list[int]], nodes: int) -> Profiles:
    """``probed`` (one representative per candidate group) with each group's rows past the
    representative keyed by the group, and its own rows copied to every member."""
    key = np.arange(nodes + len(groups), dtype=np.int64)
    member_of = np.full(nodes, -1, dtype=np.int64)
    copies: list[IntArray] = [np.zeros(0, dtype=np.int64) for _ in range(nodes)]
    for g, members in enumerate(groups):
        key[members[0]] = nodes + g
        member_of[members[0]] = g
        copies[members[0]] = np.array(members, dtype=np.int64)
    parts = []
    for origin, node, offset, value in (
        (probed.sorting_origin, probed.sorting_node, probed.sorting_offset, probed.sorting_value),
        (probed.storage_origin, probed.storage_node, probed.storage_offset, probed.storage_value),
    ):
        grouped = member_of[origin] >= 0
        own = grouped & (node == origin)
        shared = grouped & ~own
        alone = ~grouped
        times = np.array([len(copies[o]) for o in origin[own].tolist()], dtype=np.int64)
        renamed = (
            np.concatenate([copies[o] for o in origin[own].tolist()])
            if own.any()
            else np.zeros(0, dtype=np.int64)
        )
        parts.append(
            (
                np.concatenate([origin[alone], key[origin[shared]], renamed]),
                np.concatenate([node[alone], node[shared], renamed]),
                np.concatenate([offset[alone], offset[shared], np.repeat(offset[own], times)]),
                np.concatenate([value[alone], value[shared], np.repeat(value[own], times)]),
            )
        )
    return Profiles(*parts[0], *parts[1])


def _concatenate(parts: list[Profiles]) -> Profiles:
    fields = ("origin", "node", "offset", "value")
    return Profiles(
        *(
            np.concatenate([getattr(p, f"{kind}_{name}") for p in parts])
            for kind in ("sorting", "storage")
            for name in fields
        )
    )
