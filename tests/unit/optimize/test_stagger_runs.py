"""cohort_rows: which demand row each of the simulator's cohorts came from, whether every row
with parcels made a cohort (the quick path) or some (origin, destination, hour) had no route
(the lookup)."""

from __future__ import annotations

import numpy as np
import pytest

from peakguard.optimize.stagger_runs import cohort_rows
from peakguard.simulate.plan import Demand


def _demand() -> Demand:
    """Six rows: row 2 has no parcels; rows 3 and 5 share (origin 1, destination 4, hour 7)."""
    return Demand(
        origin=np.array([0, 0, 2, 1, 3, 1]),
        destination=np.array([4, 5, 4, 4, 5, 4]),
        hour=np.array([6, 6, 7, 7, 8, 7]),
        parcels=np.array([10.0, 5.0, 0.0, 3.0, 8.0, 2.0]),
    )


def _cohorts(demand: Demand, rows: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the simulator keeps of ``demand``: those rows, in their order."""
    return demand.origin[rows], demand.destination[rows], demand.hour[rows]


@pytest.mark.parametrize(
    "kept",
    [
        [0, 1, 3, 4, 5],  # every row with parcels
        [0, 1, 4],  # (1, 4, 7) had no route: both of its rows dropped
        [0, 3, 4, 5],  # (0, 5, 6) had no route, inside the run's hours
        [1, 3, 5],  # hour 8 outside the run and (0, 4, 6) without a route
    ],
)
def test_each_cohort_names_the_row_it_was_made_from(kept: list[int]) -> None:
    demand = _demand()
    assert cohort_rows(demand, *_cohorts(demand, kept)).tolist() == kept


def test_cohorts_that_follow_no_rows_are_refused() -> None:
    demand = _demand()
    origin, destination, hour = _cohorts(demand, [0, 1, 3, 4, 5])
    with pytest.raises(ValueError, match="do not follow"):
        cohort_rows(demand, origin, destination, hour[::-1].copy())
