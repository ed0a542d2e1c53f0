"""Reserves sized by simulation: the chain outlet → hub → station of tests/unit/optimize, whose
hub is the only bottleneck, so the reserves can be worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from peakguard.domain.network import NodeKind
from peakguard.optimize.shortfall_reserves import Reserve, with_reserves
from peakguard.reserve.season import (
    DailyForecast,
    forecast_scenario,
    reserve_gaps,
    size_reserves,
)
from peakguard.simulate.run import simulate
from tests.unit.optimize.conftest import DAY1, hub_chain, scenario


def _overflow(result, node_id: str) -> float:
    index = [node.id for node in result.network.nodes].index(node_id)
    run = result.run
    storage = run.plan.storage_capacity[index]
    return float(np.maximum(run.backlog[index] - storage, 0).max())


def test_sorting_reserve_is_the_daily_excess_over_staffed_hours_in_whole_steps() -> None:
    """H sorts 100 an hour (2,400 a day), receives 4,000 a day and holds 3,000: it is 1,600
    short a day and overflows, so it needs ⌈1,600 / 24 / 100⌉ × 100 = 100 more an hour on each
    demand day (floor space comes only after sorting suffices), and then fits."""
    network = hub_chain(100, hub_storage=3000, outlet_volume=4000)
    sizing = size_reserves(network, scenario(2, storage_policy="overflow"))
    assert sizing.overflowing(sizing.without) == ["H"]
    assert sizing.overflowing(sizing.with_reserves) == []
    sorting = [item for item in sizing.reserves if item.extra_sorting_per_hour]
    assert {item.node for item in sorting} == {"H"}
    assert {item.extra_sorting_per_hour for item in sorting} == {100}
    assert sorted(item.start.date() for item in sorting)[0] == DAY1


def test_storage_reserve_is_the_peak_excess_and_one_step_less_overflows_again() -> None:
    """H sorts all it receives each day but parcels bunch in the pickup rounds: its storage of
    500 overflows; the reserve is the peak excess rounded up to 1,000, and it is the least whole
    step — with 1,000 less H overflows again."""
    network = hub_chain(400, hub_storage=500, outlet_volume=4000)
    season = scenario(2, storage_policy="overflow")
    sizing = size_reserves(network, season)
    assert sizing.overflowing(sizing.without) == ["H"]
    assert sizing.overflowing(sizing.with_reserves) == []
    [reserve] = sizing.reserves
    assert reserve.extra_sorting_per_hour == 0
    excess = _overflow(sizing.without, "H")
    assert reserve.extra_storage == int(np.ceil(excess / 1000) * 1000)
    less = Reserve(reserve.node, reserve.start, reserve.end, 0, reserve.extra_storage - 1000)
    again = simulate(network, with_reserves(season, [less]))
    assert _overflow(again, "H") > 0


def test_gap_report_names_the_node_with_dates_and_the_overflow_it_prevents() -> None:
    """The gap row of H: floor area = extra storage ÷ 1,000 × 40 m², needed from the first
    overflowing day, in place the day before, decided 14 days before that (floor space's lead),
    and the overflow without the reserve is the simulated one."""
    network = hub_chain(400, hub_storage=500, outlet_volume=4000)
    sizing = size_reserves(network, scenario(2, storage_policy="overflow"))
    [gap] = reserve_gaps(sizing)
    assert gap.node == "H"
    assert gap.kind == NodeKind.hub.value
    assert gap.floor_area_m2 == pytest.approx(gap.extra_storage / 1000 * 40)
    assert gap.first_day == DAY1
    assert gap.in_place_by == date(2024, 11, 10)
    assert gap.decide_by == date(2024, 10, 27)
    assert gap.overflow_without == pytest.approx(_overflow(sizing.without, "H"))
    assert gap.overflow_with == 0


def test_forecast_scenario_multiplies_each_city_by_forecast_over_normal_day() -> None:
    """A forecast of 6,000 for O's carrier and city on a day when O's normal day is 4,000 is a
    1.5 multiplier for that carrier's origins in that city on that day, and the simulated
    pickups that day are 6,000."""
    network = hub_chain(10**6, outlet_volume=4000)
    base = scenario(2, warm_up_days=0)
    forecast = DailyForecast("ZTO", "510100", DAY1, np.array([6000.0, 2000.0]))
    built = forecast_scenario(network, base, [forecast], {("ZTO", "510100"): 4000.0}, name="f")
    assert [
        (rule.first_day, rule.multiplier, rule.origin_region) for rule in built.volume_multipliers
    ] == [
        (DAY1, 1.5, "5101"),
        (date(2024, 11, 12), 0.5, "5101"),
    ]
    assert built.storage_policy == "overflow"
    result = simulate(network, built)
    accepted = result.run.arrived[0]
    assert accepted[:24].sum() == pytest.approx(6000)
    assert accepted[24:48].sum() == pytest.approx(2000)
