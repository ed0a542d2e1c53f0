"""Coverage plans on random small areas, checked against enumerating every split."""

from __future__ import annotations

import itertools
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.domain.geography import great_circle_km
from peakguard.domain.network import Carrier, Network, NodeKind
from peakguard.optimize.coverage import CoverageParameters, CoverageRequest, plan_coverage
from peakguard.optimize.coverage_model import CoveragePlan

from .test_coverage_networks import node

PLACES = [(116.3 + 0.1 * i, 39.9 + 0.07 * (i % 3)) for i in range(5)]
"""Stations inside 朝阳 (110105), a few kilometres apart."""
HUBS = [(116.0, 39.6), (116.9, 40.3), (117.2, 39.1)]
"""Centres around it: south-west, north-east, 天津-ish (outside 110105 by region code)."""


def _network(volumes: list[int], spares: list[int]) -> Network:
    nodes = [
        node(f"S{i}", NodeKind.station, "110105", volume=v, at=PLACES[i])
        for i, v in enumerate(volumes)
    ]
    nodes += [
        node(
            f"H{i}",
            NodeKind.hub,
            "110115",
            capacity=24 * (1000 + s),
            volume=24 * 1000,
            automated=True,
            at=HUBS[i],
        )
        for i, s in enumerate(spares)
    ]
    return Network(name="random", carriers=[Carrier(code="EMS", name="邮政")], nodes=nodes)


def _best(plan: CoveragePlan, settings_: CoverageParameters) -> tuple[float, float]:
    """(fewest parcels uncovered, least cost) over every split, by enumeration."""
    parts = [a.part for a in plan.assignments]
    centres = list(plan.candidates)
    km = {
        (p.code, c.hub): settings_.road_hours(
            great_circle_km(c.longitude, c.latitude, p.longitude, p.latitude)
        )
        for p in parts
        for c in centres
    }
    best = (float("inf"), float("inf"))
    for split in itertools.product([None, *centres], repeat=len(parts)):
        load = {c.hub: 0 for c in centres}
        left, cost = 0.0, 0.0
        for part, centre in zip(parts, split, strict=True):
            if centre is None:
                left += part.parcels
                continue
            load[centre.hub] += part.parcels
            cost += part.parcels * (
                km[(part.code, centre.hub)]
                + settings_.spare_weight_hours * part.parcels / centre.usable
            )
        if all(load[c.hub] <= c.usable + 1e-6 for c in centres):
            best = min(best, (left, cost))
    return best


@settings(max_examples=25, deadline=None)
@given(
    volumes=st.lists(st.integers(1, 60).map(lambda v: v * 100), min_size=2, max_size=5),
    spares=st.lists(st.integers(1, 100).map(lambda s: s * 100), min_size=2, max_size=3),
)
def test_the_split_is_optimal_and_within_capacity(volumes: list[int], spares: list[int]) -> None:
    """No centre over its usable spare; uncovered parcels and cost equal the enumeration's."""
    parameters = CoverageParameters(max_centres=3)
    plan = plan_coverage(
        _network(volumes, spares),
        CoverageRequest("110105", datetime(2022, 5, 1), datetime(2022, 5, 2)),
        parameters=parameters,
    )
    for centre in plan.candidates:
        assert centre.parcels <= centre.usable + 1e-6
    assert plan.parcels == sum(volumes)
    left, cost = _best(plan, parameters)
    assert plan.unabsorbed_parcels == left
    by_id = {c.hub: c for c in plan.candidates}
    mine = sum(
        a.part.parcels
        * (a.road_hours + parameters.spare_weight_hours * a.part.parcels / by_id[a.centre].usable)
        for a in plan.assignments
        if a.centre is not None and a.road_hours is not None
    )
    assert mine <= cost * (1 + 1e-5) + 1e-6
