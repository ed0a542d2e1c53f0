"""The KPI engine on the simulator's own scan events gives back the simulator's own figures.

The simulator moves fluid cohorts; :func:`expand_events` turns them into whole parcels, each
taking the hours of the fraction its number falls in. So a figure from the events can differ
from the fluid one by the rounding: a cohort's parcels are rounded to a whole number, and at
every split of a cohort (some sorted this hour, the rest later) the parcel straddling the split
goes wholly to one side. Parcels are numbered by floor of the cumulative fluid share, so per
cohort and node the whole-parcel count up to any moment is within one parcel of the fluid
count, plus under one for rounding the cohort: a count by cohort differs by less than two
parcels. The tests compare cohort by cohort (on-time, within 72 h) or bound a node-hour's
backlog by two parcels per cohort fraction present — bounds from the construction, not fudge
factors.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from peakguard.analytics import (
    KpiSettings,
    delivery_rates,
    duckdb_engine,
    node_hours,
    on_time_rates,
    parcel_facts,
    standards_of,
)
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.formats.loading import load_network
from peakguard.formats.scenario_document import parse_scenario
from peakguard.formats.simulation_output import events_table
from peakguard.simulate.events import expand_events, sample_counts
from peakguard.simulate.run import SimulationResult, simulate

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


@pytest.fixture(scope="module")
def drained() -> tuple[SimulationResult, Any]:
    """The example network, two demand days (Double 11 doubling the second) and four drain
    days, no closure: every parcel is delivered before the end, so the events hold each
    parcel's whole trail (the trace records a parcel at a node only once it leaves)."""
    network = load_network(EXAMPLES / "chengdu-mianyang.yaml")
    raw = yaml.safe_load((EXAMPLES / "double11-small.yaml").read_text(encoding="utf-8"))
    raw.update(first_day="2026-11-10", days=2, drain_days=4)
    raw["volume_multipliers"] = [{"first_day": "2026-11-11", "multiplier": 2.0}]
    for key in ("closures", "capacity_changes", "lane_changes"):
        raw[key] = []
    result = simulate(network, parse_scenario(raw, network), trace=True)
    assert result.run.backlog[:, -1].sum() < 1e-6 and result.run.in_transit_at_end < 1e-6
    table = events_table(result, expand_events(result.run, rate=1.0))
    return result, table


def cohort_of(result: SimulationResult, parcels: Any) -> Any:
    """Each parcel-level row's cohort, from its waybill's parcel number."""
    counts = sample_counts(result.run, 1.0)
    numbers = np.array([int(waybill[-12:]) for waybill in parcels.column("waybill").to_pylist()])
    return np.searchsorted(np.cumsum(counts), numbers, side="right")


def settings_for(result: SimulationResult) -> KpiSettings:
    end = result.scenario.start + timedelta(hours=result.scenario.hours)
    return KpiSettings(
        cutoff=end.replace(tzinfo=CHINA_STANDARD_TIME),
        service_standards=standards_of(result.network),
    )


def test_on_time_rate_matches_the_simulator(drained: tuple[SimulationResult, Any]) -> None:
    """(a) On time against the run's own service standards: cohort by cohort, the parcels on
    time from the events are within two of the simulator's; the rates agree to within the
    sum of those bounds."""
    result, table = drained
    engine = duckdb_engine(table)
    config = settings_for(result)
    parcels = engine.compute(parcel_facts(engine.events, config))
    cohort = cohort_of(result, parcels)
    run = result.run
    cohorts = len(run.plan.cohort_parcels)
    on_time = np.bincount(
        cohort, parcels.column("on_time").to_numpy(zero_copy_only=False), minlength=cohorts
    )
    assert np.abs(on_time - run.delivered_on_time).max() < 2
    [row] = engine.compute(on_time_rates(parcel_facts(engine.events, config), by=())).to_pylist()
    fluid_rate = run.delivered_on_time.sum() / run.delivered.sum()
    print(
        f"on time: events {row['on_time']}/{row['delivered']} = {row['on_time_rate']:.6f}, "
        f"simulator {run.delivered_on_time.sum():.1f}/{run.delivered.sum():.1f} = "
        f"{fluid_rate:.6f}; largest gap in a cohort "
        f"{np.abs(on_time - run.delivered_on_time).max():.3f} of {cohorts} cohorts"
    )
    assert abs(row["delivered"] - run.delivered.sum()) < cohorts
    assert abs(row["on_time"] - run.delivered_on_time.sum()) < 2 * cohorts
    assert row["on_time_rate"] == pytest.approx(fluid_rate, abs=1e-3)
    assert 0.3 < row["on_time_rate"] < 0.99  # some parcels late: the check has teeth


def test_node_backlog_matches_the_simulator(drained: tuple[SimulationResult, Any]) -> None:
    """(b) Every node's backlog at the end of every hour, from the events, is the
    simulator's to within the straddled parcels of that node."""
    result, table = drained
    engine = duckdb_engine(table)
    hours = engine.compute(node_hours(engine.events, settings_for(result))).to_pylist()
    start = result.scenario.start.replace(tzinfo=CHINA_STANDARD_TIME)
    ids = [node.id for node in result.network.nodes]
    ours = np.zeros_like(result.run.backlog)
    for row in hours:
        hour = int((row["hour"] - start) / timedelta(hours=1))
        if hour < ours.shape[1]:
            ours[ids.index(row["node_id"]), hour] = row["backlog"]
    fluid = result.run.backlog
    gap = np.abs(ours - fluid)
    trace = result.run.trace
    assert trace is not None
    # Fractions present at the end of each node-hour: entered ≤ h < left.
    left = np.where(trace.departed_hour >= 0, trace.departed_hour, trace.sorted_hour)
    present = np.zeros_like(fluid)
    np.add.at(present, (trace.node, trace.arrived_hour), 1)
    np.add.at(present, (trace.node, left), -1)
    present = np.cumsum(present, axis=1)
    print(f"backlog: largest gap {gap.max():.2f} parcels, peak {fluid.max():.0f}")
    assert (gap <= 2 * present + 1e-6).all()
    assert gap.sum() / max(fluid.sum(), 1) < 1e-3


def test_72_hour_rate_matches_the_simulator(drained: tuple[SimulationResult, Any]) -> None:
    """(c) The 72- and 48-hour rates over all parcels (the cutoff is the run's end, 96 h after
    the last acceptance, so every parcel is due) are the share of the run's delivered parcels
    with a delivery time within 72 h and 48 h."""
    result, table = drained
    engine = duckdb_engine(table)
    config = settings_for(result)
    [row] = engine.compute(
        delivery_rates(parcel_facts(engine.events, config), config, by=())
    ).to_pylist()
    parcels = engine.compute(parcel_facts(engine.events, config))
    cohort = cohort_of(result, parcels)
    trace = result.run.trace
    assert trace is not None
    final = trace.departed_hour < 0
    age = trace.sorted_hour[final] + 1 - result.run.plan.cohort_hour[trace.cohort[final]]
    cohorts = len(result.run.plan.cohort_parcels)
    assert row["due_72h"] == row["accepted"] == row["delivered"]
    for hours in (72, 48):
        fluid = np.bincount(
            trace.cohort[final], trace.parcels[final] * (age <= hours), minlength=cohorts
        )
        within = parcels.column(f"within_{hours}h").to_numpy(zero_copy_only=False)
        assert np.abs(np.bincount(cohort, within, minlength=cohorts) - fluid).max() < 2
        share = fluid.sum() / result.run.delivered.sum()
        print(f"{hours} h: events {row[f'rate_{hours}h']:.6f}, simulator {share:.6f}")
        assert row[f"rate_{hours}h"] == pytest.approx(share, abs=1e-3)
