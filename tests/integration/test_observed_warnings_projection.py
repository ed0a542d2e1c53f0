"""The projection started from an observed state reproduces the simulation it was observed
from: node counts and parcels on the road are what a desk observes, and the run from them
agrees with the run that produced them.

The busy outlet sorts 200 parcels an hour from 08:00 and its lane leaves at 08:00 and 20:00, so
from hour 33 to 44 of the run (09:00–20:00 on day 2) up to 2,400 sorted parcels wait there for
the 20:00 vehicle. Given apart as ready (the lake: a sort scan without a departure), they take
that vehicle, and the projection repeats the run within a parcel per node-hour at every hour.
Counted as queued (a desk that knows only totals) they are sorted again and leave with the next
vehicle: late by up to those parcels (checked too, so the bound is known to bite). What an
observation still cannot tell (a queued parcel's destination: split as the plan routes parcels
through the node; its acceptance hour) changes nothing on this network's single route."""

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
    ready_by_destination,
)
from peakguard.config import Settings
from peakguard.domain.network import Network
from peakguard.formats.simulation_output import events_table
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.events import expand_events
from peakguard.simulate.observation import observe
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


def test_projection_from_observed_counts_agrees_with_the_run(tiny: dict[str, Any]) -> None:
    """From the run's node totals, its sorted parcels per destination (ready) and the parcels on
    its lanes at hours 26–56 (2,000 sorted waiting at 42, 2,000 on a lane at 46): the next 24 h
    within a parcel per node-hour. Without ready, 34–44 are late by up to the sorted parcels."""
    network = parse_network_document(busy(tiny))
    plan = compile_projection_plan(network, SCENARIO)
    run = simulate_plan(plan)
    for hour in (26, 30, 34, 38, 42, 44, 46, 50, 56):
        state = simulate_plan(plan, snapshot_at=hour).state
        assert state is not None
        totals = {node: float(run.backlog[i, hour - 1]) for i, node in enumerate(plan.node_ids)}
        lanes = on_the_road(plan, state)
        ready = observe(plan, state).ready
        expected = run.backlog[:, hour : hour + 24]
        projected, left_out = project_plan(plan, hour, totals, 24, lanes, ready=ready)
        assert left_out == ()
        assert np.abs(projected - expected).max() <= 1.0, hour
        unknown, _left_out = project_plan(plan, hour, totals, 24, lanes)
        late = np.abs(unknown - expected).max()
        assert late <= state.waiting.total + 1.0, hour
        assert (late > 100) == (34 <= hour <= 44), hour


def test_sorted_parcels_go_to_the_destinations_of_their_region(tiny: dict[str, Any]) -> None:
    """With a second station (Deyang, 510603) taking half of the outlet's parcels through
    Chengdu's hub: 100 sorted for 510603 go there; 30 for 510799 to Mianyang's station (same
    city, 5107); 10 for 513300 half each (same province only); 60 for Xi'an half each (no
    match: any) — Deyang 135, Mianyang 65, what the hub held."""
    document = busy(tiny)
    station = next(node for node in document["nodes"] if node["id"] == "MY-S1")
    document["nodes"].append({**station, "id": "DY-S1", "region": "510603"})
    lane = next(lane for lane in document["lanes"] if lane["id"] == "L5")
    document["lanes"].append({**lane, "id": "L6", "origin": "DY-HUB", "destination": "DY-S1"})
    network = parse_network_document(document)
    plan = compile_projection_plan(network, SCENARIO)
    regions = {node.id: node.region for node in network.nodes}
    sorted_parcels = [
        ("CD-HUB", "510603", 100.0),
        ("CD-HUB", "510799", 30.0),
        ("CD-HUB", "513300", 10.0),
        ("CD-HUB", "610113", 60.0),
    ]
    ready = ready_by_destination(plan, regions, sorted_parcels, 30)
    assert ready == {"CD-HUB": {"DY-S1": 135.0, "MY-S1": 65.0}}


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
    """The run's own scan events as the lake, observed at hours 33, 38, 44 (day 2, 09:00, 14:00,
    20:00 China time: 200, 1,200, 2,400 sorted parcels waiting at the outlet) and 46 (2,000 on
    the road to Deyang): each projection of the next 24 h matches the run's backlog within a
    parcel per node-hour (before sorted parcels were told apart: off by as many as waited)."""
    stored, network = store
    result = simulate(network, SCENARIO, trace=True)
    lake = events_table(result, expand_events(result.run))
    for hour in (33, 38, 44, 46):
        moment = SCENARIO.moment(hour).replace(tzinfo=CHINA).astimezone(UTC)
        projection = project_from_observation(
            stored, LOCAL_ADMINISTRATOR, "tiny", moment, 24, events=lake, scenario=SCENARIO
        )
        expected = result.run.backlog[:, hour : hour + 24]
        assert np.abs(projection.backlog - expected).max() <= 1.0, hour
        assert {source for _value, source in projection.observed.values()} == {"lake"}
