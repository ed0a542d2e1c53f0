"""The demo lets the season's trace go once it has made its scan events: the season it
carries on to the desk and the report is the same run, only without the trace."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.app.demo import without_trace
from peakguard.simulate.events import expand_events
from peakguard.simulate.run import simulate
from tests.unit.optimize.conftest import hub_chain, scenario


def test_the_season_without_its_trace_keeps_every_figure() -> None:
    """A traced run of outlet → hub → station (1,000 parcels a day for two days) and the same
    run without its trace: the same series and summary (2,000 parcels accepted), no trace,
    and asking it for scan events fails rather than returning none."""
    traced = simulate(hub_chain(100), scenario(2), trace=True)
    assert traced.run.trace is not None and len(traced.run.trace.cohort) > 0
    season = without_trace(traced)
    assert season.run.trace is None
    assert season.summary == traced.summary
    assert season.summary.accepted == pytest.approx(2000)
    for series in ("arrived", "processed", "backlog", "queued", "blocked", "delivered"):
        assert np.array_equal(getattr(season.run, series), getattr(traced.run, series))
    with pytest.raises(ValueError, match="trace"):
        expand_events(season.run)
