"""forecast_volumes end to end: coherent figures, located mistakes in the history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peakguard.errors import InvalidInputError
from peakguard.forecast.calendar import EventCalendar
from peakguard.forecast.history import (
    ALL_CARRIERS,
    DailyVolume,
    Level,
    SeriesHistory,
    SeriesKey,
    group_history,
)
from peakguard.forecast.orchestrator import ForecastParameters, forecast_volumes


def test_node_city_province_national_add_up(four_nodes: tuple[SeriesHistory, ...]) -> None:
    """The national total of every day equals the sum of the four nodes' reconciled figures,
    and the province's equals the national's (all four nodes are in Sichuan)."""
    origin = date(2023, 10, 19)
    history = [series.until(origin) for series in four_nodes]
    run = forecast_volumes(history, EventCalendar(), horizon_days=30)
    by_key = run.result.by_key()
    nodes = run.result.at_level(Level.node)
    national = by_key[SeriesKey(Level.national, ALL_CARRIERS, "000000")]
    province = by_key[SeriesKey(Level.province, ALL_CARRIERS, "510000")]
    assert national.point.tolist() == sum(node.point for node in nodes).tolist()
    assert province.point.tolist() == national.point.tolist()
    assert set(run.result.models().values()) == {"calendar_ar1"}
    peak = (date(2023, 11, 11) - origin).days - 1
    assert national.point[peak] > 1.8 * national.point[0]


def rows(days: int, volume: float = 100.0) -> list[DailyVolume]:
    key = SeriesKey(Level.node, "ZTO", "510104", "ZTO-CD-1")
    return [DailyVolume(key, date(2024, 1, 1) + timedelta(days=k), volume) for k in range(days)]


def test_history_mistakes_are_all_located() -> None:
    """A negative volume, a repeated day and a gap are each reported."""
    history = rows(10)
    history[3] = DailyVolume(history[3].series, history[3].day, -5.0)
    history.append(DailyVolume(history[0].series, history[0].day, 100.0))
    del history[6]
    with pytest.raises(InvalidInputError) as caught:
        group_history(history)
    locations = [problem.location for problem in caught.value.problems]
    assert "history[3].volume" in locations
    assert "history[9].day" in locations
    assert any(location.startswith("history[node:") for location in locations)


def test_bad_parameters_and_horizon_are_refused() -> None:
    """An unknown model, an unknown method and a zero horizon are refused before any work."""
    with pytest.raises(InvalidInputError) as caught:
        ForecastParameters(models=("prophet",), reconciliation="magic")
    assert len(caught.value.problems) == 2
    with pytest.raises(InvalidInputError):
        forecast_volumes(rows(30), EventCalendar(), horizon_days=0)
