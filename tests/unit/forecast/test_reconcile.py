"""Reconciled forecasts add up exactly at every level; intervals stay ordered."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.forecast.history import ALL_CARRIERS, Level, SeriesKey
from peakguard.forecast.reconcile import METHODS, build_hierarchy, projection, reconcile

REGIONS = ("510104", "510105", "510603", "510703", "500101", "500102")


def bottom_keys(specs: list[tuple[str, str]]) -> list[SeriesKey]:
    return [
        SeriesKey(Level.node, carrier, region, f"{carrier}-{index}")
        for index, (carrier, region) in enumerate(specs)
    ]


nodes = st.lists(
    st.tuples(st.sampled_from(("ZTO", "SF", "YTO")), st.sampled_from(REGIONS)),
    min_size=1,
    max_size=8,
)


def base_forecasts(rows: int, days: int, seed: int) -> dict[str, np.ndarray]:
    generator = np.random.default_rng(seed)
    point = generator.uniform(0, 5000, (rows, days))
    spread = generator.uniform(0.05, 0.5, (rows, days))
    return {
        "point": point,
        "lower_80": point * (1 - spread / 2),
        "upper_80": point * (1 + spread / 2),
        "lower_95": point * (1 - spread),
        "upper_95": point * (1 + spread),
    }


@settings(max_examples=60, deadline=None)
@given(
    specs=nodes,
    days=st.integers(1, 5),
    seed=st.integers(0, 10_000),
    method=st.sampled_from(METHODS),
)
def test_every_aggregate_is_exactly_the_sum_of_its_nodes(
    specs: list[tuple[str, str]], days: int, seed: int, method: str
) -> None:
    """Each city, province and national series (per carrier and in total) equals the integer
    sum of the reconciled node forecasts inside it, found by walking the keys, not S."""
    hierarchy = build_hierarchy(bottom_keys(specs))
    result = reconcile(hierarchy, base_forecasts(len(hierarchy.keys), days, seed), method)
    index = hierarchy.index()
    for key in hierarchy.keys:
        if key.level is Level.node:
            continue
        members = [
            node
            for node in hierarchy.bottom
            if node.parent_region(key.level) == key.region
            and key.carrier in (node.carrier, ALL_CARRIERS)
        ]
        total = sum(result.point[index[node]] for node in members)
        assert result.point[index[key]].tolist() == np.asarray(total).tolist()
    assert np.all(result.lower_95 <= result.lower_80)
    assert np.all(result.lower_80 <= result.point)
    assert np.all(result.point <= result.upper_80)
    assert np.all(result.upper_80 <= result.upper_95)
    assert np.all(result.lower_95 >= 0)


@pytest.mark.parametrize("method", ["ols", "wls_structural"])
def test_coherent_forecasts_are_left_alone(method: str) -> None:
    """P·S = I: forecasts that already add up come back unchanged (a projection)."""
    hierarchy = build_hierarchy(
        bottom_keys([("ZTO", "510104"), ("SF", "510603"), ("ZTO", "500101")])
    )
    summing = hierarchy.summing.astype(float)
    assert projection(hierarchy, method) @ summing == pytest.approx(np.eye(summing.shape[1]))


def test_bottom_up_keeps_the_node_forecasts() -> None:
    """Bottom-up: nodes are their own rounded forecasts, whatever the aggregates said."""
    hierarchy = build_hierarchy(bottom_keys([("ZTO", "510104"), ("ZTO", "510105")]))
    base = base_forecasts(len(hierarchy.keys), 3, 7)
    result = reconcile(hierarchy, base, "bottom_up")
    bottom = len(hierarchy.keys) - 2
    assert result.point[bottom:].tolist() == np.rint(base["point"][bottom:]).astype(int).tolist()


def test_hierarchy_levels_and_carrier_totals() -> None:
    """Two carriers in two cities of one province: 2 nodes, 3 city series for Chengdu-only
    ZTO and SF plus Deyang SF, city totals, province and national per carrier and in total."""
    hierarchy = build_hierarchy(bottom_keys([("ZTO", "510104"), ("SF", "510603")]))
    labels = {key.label() for key in hierarchy.keys}
    assert {"city:ZTO:510100", "city:SF:510600", "city:all:510100", "city:all:510600"} <= labels
    assert {"province:all:510000", "national:all:000000", "national:SF:000000"} <= labels
    assert len([key for key in hierarchy.keys if key.level is Level.node]) == 2
