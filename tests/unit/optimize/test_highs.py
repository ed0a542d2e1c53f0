"""The HiGHS adapter: what a user running a plan sees of the solver."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csc_array

from peakguard.optimize.highs import LinearProgram, Solver

PROGRAM = """
import numpy as np
from scipy.sparse import csc_array
from peakguard.optimize.highs import LinearProgram, Solver

# minimise x + 2y with x + y >= 3, x <= 2: x = 2, y = 1, cost 4
program = LinearProgram(
    cost=np.array([1.0, 2.0]),
    matrix=csc_array(np.array([[1.0, 1.0]])),
    row_lower=np.array([3.0]),
    row_upper=np.array([np.inf]),
    column_lower=np.zeros(2),
    column_upper=np.array([2.0, np.inf]),
)
solution = Solver(program).solve()
print("objective", solution.objective, "values", solution.values.tolist())
"""


def test_a_solve_prints_nothing_of_highs_in_a_fresh_process() -> None:
    """HiGHS prints its banner once per process, at the first instance: in a fresh process
    the first solve must print only what the caller prints, not "Running HiGHS …"."""
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "objective 4.0 values [2.0, 1.0]"
    assert "HiGHS" not in done.stdout + done.stderr


def _greedy_knapsack(value: list[float], weight: list[float], capacity: float) -> float:
    """The fractional knapsack's optimum, by hand: the best value per weight first."""
    total, room = 0.0, capacity
    for v, w in sorted(zip(value, weight, strict=True), key=lambda item: -item[0] / item[1]):
        take = min(1.0, room / w)
        total, room = total + take * v, room - take * w
        if room <= 0:
            break
    return total


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 1000), st.integers(1, 1000)), min_size=1, max_size=30
    ).flatmap(lambda items: st.tuples(st.just(items), st.integers(1, sum(w for _, w in items)))),
    st.sampled_from(["choose", "dantzig", "devex", "steepest-edge"]),
    st.booleans(),
)
def test_every_pricing_scaled_or_not_reaches_the_optimum(
    case: tuple[list[tuple[int, int]], int], pricing: str, scaled: bool
) -> None:
    """The dual simplex's pricing and scaling change its path, never its optimum: a
    fractional knapsack (max value, weight within capacity, each item 0..1) against the
    greedy closed form."""
    items, capacity = case
    value = [float(v) for v, _ in items]
    weight = [float(w) for _, w in items]
    program = LinearProgram(
        cost=-np.array(value),
        matrix=csc_array(np.array([weight])),
        row_lower=np.array([-np.inf]),
        row_upper=np.array([float(capacity)]),
        column_lower=np.zeros(len(items)),
        column_upper=np.ones(len(items)),
    )
    solver = Solver(program)
    solver.use_simplex("dual", pricing=pricing, scaled=scaled)
    best = _greedy_knapsack(value, weight, float(capacity))
    assert -solver.solve().objective == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_the_pricing_is_set_as_named() -> None:
    program = LinearProgram(
        cost=np.ones(1),
        matrix=csc_array(np.ones((1, 1))),
        row_lower=np.ones(1),
        row_upper=np.full(1, np.inf),
        column_lower=np.zeros(1),
        column_upper=np.full(1, np.inf),
    )
    solver = Solver(program)
    solver.use_simplex("dual", pricing="dantzig", scaled=False)
    assert solver.highs.getOptionValue("simplex_dual_edge_weight_strategy")[1] == 0
    assert solver.highs.getOptionValue("simplex_scale_strategy")[1] == 0
    solver.use_simplex("dual")
    assert solver.highs.getOptionValue("simplex_dual_edge_weight_strategy")[1] == -1
    assert solver.highs.getOptionValue("simplex_scale_strategy")[1] != 0
