"""A generated daily history for the demo province, and the season that then happens.

The demo has no real carrier history, so it draws one: for every carrier and city, the daily
pickups of its outlets follow the known generating process of
:mod:`peakguard.forecast.synthetic` (15 % annual growth, a weekly pattern, the promotion
calendar with a per-year wobble of each event's size, autocorrelated noise), scaled so that the
level on the forecast origin is the network's normal day (the sum of the outlets'
``daily_volume``, the figure the simulator calls multiplier 1). One draw runs from
1 January 2023 through the season; the forecaster sees it up to the origin, and the rest is
the *outcome* its forecast is judged against.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from peakguard.domain.network import Network, NodeKind
from peakguard.domain.regions import prefecture_code
from peakguard.forecast.history import FloatArray, Level, SeriesHistory, SeriesKey, series_history
from peakguard.forecast.synthetic import SyntheticSpec, synthetic_volumes

HISTORY_FIRST_DAY = date(2023, 1, 1)


@dataclass(frozen=True)
class DemoHistory:
    """The history the forecaster sees and what the season then brings, per carrier and city."""

    origin: date
    """The last day of history (the day the forecast is made)."""
    history: tuple[SeriesHistory, ...]
    outcome: dict[SeriesKey, FloatArray]
    """The generated volumes from the day after the origin."""
    normal_day: dict[SeriesKey, float]
    """The network's normal-day pickups of each series (the simulator's multiplier 1)."""


def normal_day_pickups(network: Network) -> dict[SeriesKey, float]:
    """The outlets' normal-day pickups per carrier and city."""
    totals: dict[SeriesKey, float] = defaultdict(float)
    for node in network.nodes:
        if node.kind is NodeKind.outlet and node.daily_volume > 0:
            key = SeriesKey(Level.city, node.carrier, prefecture_code(node.region) + "00")
            totals[key] += float(node.daily_volume)
    return dict(totals)


def demo_history(network: Network, *, origin: date, last_day: date, seed: int = 0) -> DemoHistory:
    """History up to ``origin`` and the outcome through ``last_day``, one draw per series."""
    normal = normal_day_pickups(network)
    count = (last_day - HISTORY_FIRST_DAY).days + 1
    seen = (origin - HISTORY_FIRST_DAY).days + 1
    years = seen / 365.25
    history = []
    outcome: dict[SeriesKey, FloatArray] = {}
    for index, key in enumerate(sorted(normal)):
        base = normal[key] / math.pow(1.15, years)
        spec = SyntheticSpec(base_volume=base, annual_growth=0.15)
        volumes = synthetic_volumes(spec, HISTORY_FIRST_DAY, count, seed=seed * 1000 + index)
        history.append(series_history(key, HISTORY_FIRST_DAY, volumes[:seen].round()))
        outcome[key] = volumes[seen:].round()
    return DemoHistory(origin, tuple(history), outcome, normal)


def outcome_days(history: DemoHistory) -> list[date]:
    """The days of the outcome, from the day after the origin."""
    length = len(next(iter(history.outcome.values()))) if history.outcome else 0
    return [history.origin + timedelta(days=offset + 1) for offset in range(length)]
