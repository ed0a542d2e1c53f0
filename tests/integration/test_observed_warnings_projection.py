"""The projection started from an observed state reproduces the simulation it was observed
from: node totals and parcels on the road are what a desk observes, and the run from them
agrees with the run that produced them.

What an observation cannot tell is where a node's parcels are bound (split as the plan routes
parcels through the node) and which are already sorted and waiting for a vehicle (taken as
unsorted, so they are sorted again). The first changes nothing on these networks' single
routes; the second makes the projection late by up to those parcels: at an hour when no
sorted parcel waits (before the outlet's first sort of the day, after a departure) the
projection agrees within a parcel per node-hour; at other hours the gap at any node-hour is at
most the parcels sorted and waiting (a hand bound, checked here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from peakguard.app.context import open_store
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.projection import (
    CHINA,
    compile_projection_plan,
    project_from_observation,
    project_plan,
)
from peakguard.config import Settings
from peakguard.domain.network import Network
from peakguard.formats.simulation_output import events_table
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.events import expand_events
from peakguard.simulate.plan import SimulationPlan
from peakguard.simulate.run import simulate
from peakguard.simulate.scenario import Scenario
from peakguard.simulate.state import SimulationState
from peakguard.store.database import Store

SCENARIO = Scenario(name="p", first_day=date(2026, 11, 10), days=3, warm_up_days=1, drain_days=0)


def busy(tiny: dict[str, Any]) -> dict[str, Any]:
    """The tiny network with Chengdu's outlet taking 6,000 parcels a day for Mianyang's
    station (and the station 5,000 a day back): the outlet sorts 200 an hour from 08:00 to
    20:00 and its lane leaves at 08:00 and 20:00, so parcels sit sorted between departures."""
    for node in tiny["nodes"]:
        if node["id"] == "CD-O1":
            node["daily_volume"] = 6000
        if node["id"] == "MY-S1":
            node["daily_volume"] = 5000
    return tiny


def on_the_road(plan: SimulationPlan, state: SimulationState) -> dict[str, list[tuple[int, float]]]:
    """What a desk sees of the state's lanes: per lane, parcels by the hour they arrive."""
    lanes = state.on_lanes
    cohorts = state.cohorts
    batch = np.repeat(np.arange(len(lanes.place)), np.diff(lanes.starts))
    found: dict[str, dict[int, float]] = {}
    for row in range(len(lanes.parcels)):
        lane = int(cohorts.route_lanes[cohorts.route[lanes.cohort[row]], lanes.hop[row] - 1])
        arrives = found.setdefault(plan.lane_ids[lane], {})
        hour = int(lanes.hour[batch[row]])
        arrives[hour] = arrives.get(hour, 0.0) + float(lanes.parcels[row])
    return {lane: sorted(hours.items()) for lane, hours in found.items()}


def test_projection_from_observed_totals_agrees_with_the_run(tiny: dict[str, Any]) -> None:
    """From the run's node totals and the parcels on its lanes at hours 26–32 and 46–56 (no
    sorted parcel waiting; 2,000 on a lane at 46): the next 24 h within a parcel per node-hour.
    At 34–44 (sorted parcels waiting at the outlet): within the parcels waiting."""
    network = parse_network_document(busy(tiny))
    plan = compile_projection_plan(network, SCENARIO)
    run = simulate_plan(plan)
    for hour in (26, 30, 34, 40, 44, 46, 50, 56):
        state = simulate_plan(plan, snapshot_at=hour).state
        assert state is not None
        totals = {node: float(run.backlog[i, hour - 1]) for i, node in enumerate(plan.node_ids)}
        projected, left_out = project_plan(plan, hour, totals, 24, on_the_road(plan, state))
        gap = np.abs(projected - run.backlog[:, hour : hour + 24]).max()
        assert left_out == ()
        assert gap <= state.waiting.total + 1.0, hour
        if state.waiting.total == 0:
            assert gap <= 1.0, hour


@pytest.fixture
def store(tmp_path: Path, tiny: dict[str, Any]) -> Iterator[tuple[Store, Network]]:
    """SQLite with the busy network stored (the projection's store work is a network read)."""
    opened = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", home=tmp_path))
    network = parse_network_document(busy(tiny))
    save_network(opened, network, actor=LOCAL_ADMINISTRATOR, source="test")
    yield opened, network
    opened.engine.dispose()


def test_projection_from_the_scan_events_agrees_with_the_run(
    store: tuple[Store, Network],
) -> None:
    """The run's own scan events as the lake, observed at 22:00 China time on day 2 (hour 46,
    2,000 parcels on the road to Deyang, nothing sorted waiting): the projection of the next 24
    h matches the run's backlog within a parcel per node-hour."""
    stored, network = store
    result = simulate(network, SCENARIO, trace=True)
    lake = events_table(result, expand_events(result.run))
    hour = 46
    at = SCENARIO.moment(hour)
    moment = at.replace(tzinfo=CHINA).astimezone(UTC)
    projection = project_from_observation(
        stored, LOCAL_ADMINISTRATOR, "tiny", moment, 24, events=lake, scenario=SCENARIO
    )
    expected = result.run.backlog[:, hour : hour + 24]
    assert np.abs(projection.backlog - expected).max() <= 1.0
    assert {source for _value, source in projection.observed.values()} == {"lake"}
