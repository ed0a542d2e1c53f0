"""The HiGHS adapter: what a user running a plan sees of the solver."""

from __future__ import annotations

import subprocess
import sys

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
