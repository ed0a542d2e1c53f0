"""The caps on one operation's size (peakguard.app.bounds): the demo season and the example
files pass, the issue's 120-day stagger on the demo network is refused at once, every refusal
names the field and the cap."""

from __future__ import annotations

import time
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from peakguard.app.bounds import (
    DEFAULT_BOUNDS,
    WorkBounds,
    check_forecast_size,
    check_reroute_size,
    check_simulation_size,
    check_stagger_size,
    check_volume_days,
    work_bounds,
)
from peakguard.app.plans import Releases, plan_reroute, plan_stagger, scenario_releases
from peakguard.app.simulation import parse_scenario_document, simulate_scenario
from peakguard.demo.season import double11_scenario
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network, NodeKind
from peakguard.errors import InvalidInputError
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.optimize.releases import OrderRelease
from peakguard.optimize.reroute_parameters import ClosureRequest
from peakguard.simulate.scenario import Scenario


@pytest.fixture(scope="module")
def demo() -> Network:
    """demo: the Sichuan demo network (1,113 nodes), the size the caps are set against."""
    return build_sichuan_network()


def season_of(network: Network, days: int) -> Scenario:
    return parse_scenario_document(
        {"name": "peak", "first_day": "2026-11-09", "days": days}, network
    )


def demo_windows(
    network: Network, scenario: Scenario, window_days: int = 2
) -> list[tuple[date, date]]:
    """What scenario_releases gives the demo: one release per outlet and demand day."""
    outlets = sum(1 for node in network.nodes if node.kind is NodeKind.outlet)
    days = [scenario.first_day + timedelta(days=k) for k in range(scenario.days)]
    return [(day, day + timedelta(days=window_days)) for day in days for _ in range(outlets)]


def locations(error: pytest.ExceptionInfo[InvalidInputError]) -> list[str]:
    return [problem.location for problem in error.value.problems]


def test_the_demo_season_passes_every_cap(demo: Network) -> None:
    """The demo's Double 11 season may be simulated, staggered with its check and rerouted
    around one closure with its check."""
    season = double11_scenario()
    check_simulation_size(demo, season)
    check_stagger_size(demo, season, demo_windows(demo, season), check=True)
    check_reroute_size(demo, season, 1, check=True)


def test_the_issues_120_day_stagger_is_refused_within_a_second(demo: Network) -> None:
    """days: 120 with check on the demo network is refused before any demand is built, naming
    scenario.days, the size and the cap."""
    scenario = season_of(demo, 120)
    started = time.monotonic()
    with pytest.raises(InvalidInputError) as raised:
        scenario_releases(demo, scenario)
    one = OrderRelease("SF-CD-O1", "SF", scenario.first_day, scenario.first_day, 10.0)
    with pytest.raises(InvalidInputError) as given:
        plan_stagger(demo, scenario, Releases([one]), actor=ADMIN, check=True)
    assert time.monotonic() - started < 1.0
    assert locations(raised) == locations(given) == ["scenario.days"]
    text = raised.value.problems[0].render("en")
    assert "139125" in text.replace(",", "") and "25000" in text.replace(",", "")
    assert "PEAKGUARD_MAX_NODE_DAYS" in text


def test_a_long_simulation_is_refused_before_it_runs(demo: Network) -> None:
    """A 60-day season on the demo network is over the node-days cap."""
    started = time.monotonic()
    with pytest.raises(InvalidInputError) as raised:
        simulate_scenario(demo, season_of(demo, 60), actor=ADMIN)
    assert time.monotonic() - started < 1.0
    assert locations(raised) == ["scenario.days"]


def test_checks_count_their_simulations(demo: Network) -> None:
    """A season that may be simulated once is refused when the request runs three pairs of
    checks (a checked reroute of three closures), but not without the checks."""
    season = double11_scenario()
    with pytest.raises(InvalidInputError) as raised:
        check_reroute_size(demo, season, 3, check=True)
    assert "3 closures" not in raised.value.problems[0].render("en")
    assert "6 simulations" in raised.value.problems[0].render("en")
    check_reroute_size(demo, season, 3, check=False)


def test_too_many_closures_are_refused(demo: Network) -> None:
    """Thirteen closures are over the cap of twelve, located at the closures."""
    season = season_of(demo, 1)
    closures = [
        ClosureRequest(("ZTO-CD-HUB",), season.start, season.start + timedelta(hours=5))
    ] * 13
    with pytest.raises(InvalidInputError) as raised:
        plan_reroute(demo, season, closures, actor=ADMIN, check=False)
    assert locations(raised) == ["closures"]
    assert "12" in raised.value.problems[0].render("en")


def test_wide_release_windows_are_refused(demo: Network) -> None:
    """Releases whose windows add up past the pickup-days cap are refused at releases."""
    season = double11_scenario()
    windows = demo_windows(demo, season, window_days=14)
    with pytest.raises(InvalidInputError) as raised:
        check_stagger_size(demo, season, windows, check=False)
    assert locations(raised) == ["releases"]


def test_forecast_caps_count_series_and_points() -> None:
    """1,201 series, or a thousand series of four years each, are refused; the demo network's
    nodes with two years of history pass."""
    check_forecast_size([730] * 1_113, 35)
    with pytest.raises(InvalidInputError) as raised:
        check_forecast_size([30] * 1_201, 35)
    assert "1201" in raised.value.problems[0].render("en").replace(",", "")
    with pytest.raises(InvalidInputError):
        check_forecast_size([1_461] * 1_000, 35)


def test_volume_days_are_capped_per_node() -> None:
    """A node with 401 days of volumes is refused at volumes[node]."""
    check_volume_days([("A", 400)])
    with pytest.raises(InvalidInputError) as raised:
        check_volume_days([("A", 400), ("B", 401)])
    assert locations(raised) == ["volumes[B]"]


def test_bounds_come_from_settings_that_define_them() -> None:
    """A setting of the same name replaces a default; settings without them keep all."""
    assert work_bounds(SimpleNamespace(max_node_days=10)) == WorkBounds(max_node_days=10)
    assert work_bounds(object()) == DEFAULT_BOUNDS
