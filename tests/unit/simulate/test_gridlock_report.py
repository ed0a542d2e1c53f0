"""A run's gridlocks where a user sees a simulation's results: the summary document's
``gridlocks`` section (summary.json, the API's answer), hubs by name, moments in China time."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest

from peakguard.cli.simulation import print_gridlocks
from peakguard.domain.routing import derive_routing
from peakguard.formats.simulation_output import gridlock_rows, summary_document
from peakguard.simulate.engine import simulate_plan
from peakguard.simulate.gridlock import find_gridlocks
from peakguard.simulate.plan import Demand, StoragePolicy, compile_plan
from peakguard.simulate.run import SimulationResult, summarise_run
from peakguard.simulate.scenario import Scenario
from peakguard.web.simulation_report import render_simulation_report

from .test_gridlock import hand_made_run, two_cities


def two_cities_result() -> SimulationResult:
    """The two cities of test_gridlock, each sending 300 an hour for 12 hours to the other's
    station through hubs that sort 100 an hour and hold 300 and swap only at different hours
    (A→B at 00:00, B→A at 12:00), under ``block``: in gridlock from hour 24 to the end. The
    scenario starts at 00:00 on 10 November 2026 (no warm-up)."""
    network = two_cities(a_to_b=["00:00"], b_to_a=["12:00"])
    scenario = Scenario(
        name="two-cities", first_day=date(2026, 11, 10), days=1, warm_up_days=0, drain_days=2
    )
    hours = scenario.hours
    hour = np.repeat(np.arange(12), 2)
    plan = compile_plan(
        network,
        derive_routing(network),
        Demand(np.tile([0, 1], 12), np.tile([5, 4], 12), hour, np.full(24, 300.0)),
        hours=hours,
        sorting_capacity=np.array(
            [[n.sorting_capacity_by_hour()[h % 24] for h in range(hours)] for n in network.nodes],
            dtype=float,
        ),
        accepting=np.ones((6, hours), dtype=bool),
        lane_capacity_factor=np.ones((6, hours)),
        policy=StoragePolicy.block,
    )
    run = simulate_plan(plan)
    return SimulationResult(network, scenario, run, [], [], summarise_run(run, []))


def test_a_gridlock_is_reported_with_names_moments_and_a_sentence() -> None:
    """The hand-made cycle of test_gridlock (A→B→C→A from hour 23 to 44, a knot) on a scenario
    starting at 00:00 on 10 November 2026: the report names the hubs, starts at 23:00 that day
    (China time), ends at 20:00 the next, lasts 21 hours, lists the waits, most first, and
    says it in a sentence."""
    run = hand_made_run(
        [(20, 0, 500.0), (22, 1, 300.0), (23, 2, 200.0), (30, 3, 50.0)],
        daily={0: 20, 1: 22, 2: 23, 3: 6},
    )
    names = {"A": "成都枢纽", "B": "重庆枢纽", "C": "西安枢纽", "D": "兰州枢纽"}
    result = SimpleNamespace(
        network=SimpleNamespace(
            nodes=[SimpleNamespace(id=key, name=value) for key, value in names.items()]
        ),
        scenario=Scenario(name="ring", first_day=date(2026, 11, 10), days=1, warm_up_days=0),
        run=run,
    )
    [row] = gridlock_rows(result)
    assert [hub["node_name"] for hub in row["hubs"]] == ["成都枢纽", "重庆枢纽", "西安枢纽"]
    assert (row["start"], row["end"], row["hours"]) == (
        "2026-11-10T23:00:00",
        "2026-11-11T20:00:00",
        21,
    )
    assert row["knot"] is True
    assert [
        (w["node_name"], w["waits_for_node_name"], w["parcels_held_back"]) for w in row["waits"]
    ] == [
        ("成都枢纽", "重庆枢纽", 500.0),
        ("重庆枢纽", "西安枢纽", 300.0),
        ("西安枢纽", "成都枢纽", 200.0),
    ]
    assert row["summary_en"] == (
        "Gridlock: 成都枢纽, 重庆枢纽, 西安枢纽 refuse each other's parcels for want of room "
        "from 2026-11-10 23:00 for 21 h."
    )


def test_the_summary_document_carries_the_runs_gridlocks() -> None:
    """summary.json (and the API's answer, the same document) has a ``gridlocks`` section:
    the run's, as :func:`gridlock_rows` reports them; under ``overflow`` it is empty."""
    result = two_cities_result()
    assert summary_document(result)["gridlocks"] == gridlock_rows(result)
    assert len(gridlock_rows(result)) == len(find_gridlocks(result.run)) == 1
    overflow = simulate_plan(replace(result.run.plan, policy=StoragePolicy.overflow))
    assert summary_document(replace(result, run=overflow))["gridlocks"] == []


def test_the_simulation_page_says_it_in_words() -> None:
    """The simulation report's page has one item per gridlock, each the sentence of the
    summary, and says when there is none."""
    result = two_cities_result()
    rows = gridlock_rows(result)
    assert len(rows) == 1
    page = render_simulation_report(result, language="en")
    items = re.findall(r"<li data-gridlock>(.*?)</li>", page, flags=re.S)
    assert [html.unescape(item.strip()) for item in items] == [row["summary_en"] for row in rows]
    overflow = simulate_plan(replace(result.run.plan, policy=StoragePolicy.overflow))
    quiet = render_simulation_report(replace(result, run=overflow), language="en")
    assert "data-gridlock-none" in quiet and "<li data-gridlock>" not in quiet


def test_peakguard_simulate_prints_the_gridlocks(capsys: pytest.CaptureFixture[str]) -> None:
    """``peakguard simulate`` prints a table of the gridlocks: the hand-made cycle's hubs by
    name, its start in China time, its 21 hours and who waits for room at whom."""
    result = SimpleNamespace(
        network=SimpleNamespace(
            nodes=[SimpleNamespace(id=key, name=f"{key}-hub") for key in "ABCD"]
        ),
        scenario=Scenario(name="ring", first_day=date(2026, 11, 10), days=1, warm_up_days=0),
        run=hand_made_run(
            [(20, 0, 500.0), (22, 1, 300.0), (23, 2, 200.0)], daily={0: 20, 1: 22, 2: 23}
        ),
    )
    print_gridlocks(result)
    printed = capsys.readouterr().out
    assert "A-hub, B-hub, C-hub" in printed and "2026-11-10 23:00" in printed
    assert "A-hub → B-hub 500" in printed and " 21 " in printed
