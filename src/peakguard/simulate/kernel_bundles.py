"""Bundles: an outlet's cohorts of one hour travel as one row until their first hub sorts them.

The cohorts a node takes on in one hour join its queue in the same batch, are sorted together
in proportion (oldest batch first, the last split in proportion) and, when they share their
first lane, wait for it and ride it together: every step before the first hub's sort treats
them alike, so each keeps its share of what the group holds. The kernel therefore stages such
a group as one row — a *bundle*, item ``cohorts + b`` — from intake until the hub at the end of
its first lane sorts it; there the row is split into its cohorts in proportion to their parcels
(:func:`peakguard.simulate.kernel._expand_bundles`), and each goes on as its own row. Every
cohort's delivered parcels, hours and on-time parcels stay its own (the split is proportional,
exact to rounding); a run's state lists the cohorts, never a bundle
(:func:`peakguard.simulate.kernel_state.capture`).

A national day has 230,000 cohorts from 339 outlets, each outlet's 339 a round going to 339
destinations: unbundled, each was its own row at the outlet's intake, sort and departure and
at the first hub's join — four of about eleven moves of its route (decision 0022).

Traced runs do not bundle (their trace is the reference engine's, row for row); cohorts on
routes of a single node (delivered where taken on) and cohorts without parcels are never
bundled, nor a cohort alone on its first lane in its hour.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numba import njit

from peakguard.simulate.kernel_pools import NONE


class Intake(NamedTuple):
    """What the kernel takes on hour by hour: items (a cohort, or ``cohorts + b`` for bundle
    ``b``), their node and parcels, and the bundles' members."""

    item: Any
    """[position] a cohort, or ``cohorts + b`` for bundle b, in the order taken on."""
    node: Any
    parcels: Any
    starts: Any
    """[hour + 1] where each hour's items start."""
    bundle_starts: Any
    """[bundle + 1] where each bundle's members start in ``bundle_members``."""
    bundle_members: Any
    bundle_parcels: Any
    bundle_lane: Any
    """[bundle] the first lane its members share."""


@njit(cache=True)
def build_intake(
    order: Any, starts: Any, cohort_route: Any, route_lanes: Any, last_hop: Any,
    cohort_parcels: Any, cohort_origin: Any, lanes: int, bundled: bool,
) -> tuple[Any, Any, Any, Any, Any, Any, Any, Any]:  # fmt: skip
    """The items of :class:`Intake` from the cohorts in intake ``order`` (hour h's from
    ``starts[h]``): per hour, the cohorts sharing a first lane as one bundle (when
    ``bundled``), in order of their first member, the others as themselves."""
    cohorts, hours = len(cohort_parcels), len(starts) - 1
    lane_of = _first_lanes(order, cohort_route, route_lanes, last_hop, cohort_parcels, bundled)
    item = np.empty(len(order), dtype=np.int64)
    bundle_starts = np.zeros(len(order) + 1, dtype=np.int64)
    members = np.empty(len(order), dtype=np.int64)
    bundle_lane = np.empty(len(order), dtype=np.int64)
    item_starts = np.zeros(hours + 1, dtype=np.int64)
    count = np.zeros(max(lanes, 1), dtype=np.int64)
    bundle_of = np.full(max(lanes, 1), NONE, dtype=np.int64)
    items, bundles, filled = 0, 0, 0
    for hour in range(hours):
        first, end = starts[hour], starts[hour + 1]
        for index in range(first, end):
            if lane_of[index] != NONE:
                count[lane_of[index]] += 1
        for index in range(first, end):
            cohort, lane = order[index], lane_of[index]
            bundle = NONE if lane == NONE else bundle_of[lane]
            if bundle == NONE and (lane == NONE or count[lane] < 2):
                item[items] = cohort
                items += 1
                continue
            if bundle == NONE:
                bundle, bundle_of[lane], bundle_lane[bundles] = bundles, bundles, lane
                bundle_starts[bundle], filled = filled, filled + count[lane]
                bundle_starts[bundle + 1] = filled
                item[items] = cohorts + bundle
                items, bundles, count[lane] = items + 1, bundles + 1, 0
            members[bundle_starts[bundle] + count[lane]] = cohort
            count[lane] += 1
        for index in range(first, end):
            if lane_of[index] != NONE:
                count[lane_of[index]], bundle_of[lane_of[index]] = 0, NONE
        item_starts[hour + 1] = items
    members = members[:filled].copy()
    bundle_starts = bundle_starts[: bundles + 1].copy()
    item = item[:items].copy()
    node, parcels, bundle_parcels = _item_figures(
        item, cohorts, members, bundle_starts, cohort_origin, cohort_parcels
    )
    return (
        item,
        node,
        parcels,
        item_starts,
        bundle_starts,
        members,
        bundle_parcels,
        bundle_lane[:bundles].copy(),
    )


@njit(cache=True)
def _item_figures(
    item: Any, cohorts: int, members: Any, bundle_starts: Any, cohort_origin: Any,
    cohort_parcels: Any,
) -> tuple[Any, Any, Any]:  # fmt: skip
    """(node, parcels) of every item, and every bundle's parcels (its members', summed in
    order)."""
    bundle_parcels = np.zeros(len(bundle_starts) - 1)
    for bundle in range(len(bundle_parcels)):
        for member in range(bundle_starts[bundle], bundle_starts[bundle + 1]):
            bundle_parcels[bundle] += cohort_parcels[members[member]]
    node = np.empty(len(item), dtype=np.int64)
    parcels = np.empty(len(item))
    for index in range(len(item)):
        if item[index] < cohorts:
            node[index] = cohort_origin[item[index]]
            parcels[index] = cohort_parcels[item[index]]
        else:
            bundle = item[index] - cohorts
            node[index] = cohort_origin[members[bundle_starts[bundle]]]
            parcels[index] = bundle_parcels[bundle]
    return node, parcels, bundle_parcels


@njit(cache=True)
def _first_lanes(
    order: Any, cohort_route: Any, route_lanes: Any, last_hop: Any, cohort_parcels: Any,
    bundled: bool,
) -> Any:  # fmt: skip
    """[position in ``order``] the cohort's first lane when it may be bundled (a lane at least,
    parcels, and ``bundled``), else NONE."""
    lanes = np.full(len(order), NONE, dtype=np.int64)
    if not bundled:
        return lanes
    for index in range(len(order)):
        cohort = order[index]
        route = cohort_route[cohort]
        if last_hop[route] >= 1 and cohort_parcels[cohort] > 0.0:
            lanes[index] = route_lanes[route, 0]
    return lanes
