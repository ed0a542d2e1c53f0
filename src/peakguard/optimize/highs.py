"""A thin adapter over HiGHS (``highspy``) for the linear programs of this package.

Programs are built as SciPy sparse matrices (rows ``lower <= A x <= upper``, columns
``lower <= x <= upper``) and passed to HiGHS in one call, which is far faster than adding
rows one by one from Python.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt
from scipy.sparse import csc_array, csr_array

FloatArray = npt.NDArray[np.float64]
StatusArray = npt.NDArray[np.int8]
"""HiGHS's basis statuses as codes: 0 at lower bound, 1 basic, 2 at upper, 3 zero, 4 nonbasic."""
INFINITY = highspy.kHighsInf
AT_LOWER = 0
BASIC = 1
_STATUS = [highspy.HighsBasisStatus(code) for code in range(5)]
_SIMPLEX_STRATEGY = {"dual": 1, "primal": 4}
_EDGE_WEIGHTS = {"choose": -1, "dantzig": 0, "devex": 1, "steepest-edge": 2}
"""HiGHS's ``simplex_dual_edge_weight_strategy`` (pricing) by name."""
_SCALE_OFF = 0
_NO_LIMIT = 2147483647
"""HiGHS's default simplex iteration limit (none)."""


@dataclass(frozen=True)
class LinearProgram:
    """minimise ``cost @ x`` subject to ``row_lower <= matrix @ x <= row_upper`` and bounds."""

    cost: FloatArray
    matrix: csc_array
    row_lower: FloatArray
    row_upper: FloatArray
    column_lower: FloatArray
    column_upper: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.matrix.shape
        return int(rows), int(columns)


@dataclass(frozen=True)
class Solution:
    values: FloatArray
    objective: float
    status: str
    iterations: int
    seconds: float


UNDECIDED = "Unknown"
"""HiGHS's model status when a solve ended without deciding optimality (numerical trouble in
its last cleanup, seen on a warm primal simplex): the program itself may be fine."""


class SolverError(RuntimeError):
    """HiGHS stopped without an optimal solution (reported with its status)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class _QuietHighs(highspy.Highs):
    """HiGHS without its banner: ``highspy.Highs()`` enables its callbacks while HiGHS's log is
    still on, which prints "Running HiGHS …" and its licence lines to the terminal in the
    middle of a command's own output. The log is turned off first."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def enableCallbacks(self) -> object:  # noqa: N802 (highspy's name)
        self.setOptionValue("output_flag", False)
        return super().enableCallbacks()  # type: ignore[no-untyped-call]


class Solver:
    """One HiGHS instance holding a program, so a second phase can warm-start from the first."""

    def __init__(self, program: LinearProgram, *, time_limit_seconds: float = 600.0) -> None:
        self.highs = _QuietHighs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("time_limit", float(time_limit_seconds))
        scaling = self.highs.getOptionValue("simplex_scale_strategy")
        # highspy gives (status, value) here, the value alone in some releases.
        self._default_scaling = int(scaling[1] if isinstance(scaling, tuple) else scaling)
        rows, columns = program.shape
        matrix = csc_array(program.matrix)
        matrix.sort_indices()
        lp = highspy.HighsLp()
        lp.num_col_ = columns
        lp.num_row_ = rows
        lp.col_cost_ = program.cost.astype(np.float64)
        lp.col_lower_ = program.column_lower.astype(np.float64)
        lp.col_upper_ = program.column_upper.astype(np.float64)
        lp.row_lower_ = program.row_lower.astype(np.float64)
        lp.row_upper_ = program.row_upper.astype(np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data.astype(np.float64)
        self.highs.passModel(lp)
        self.columns = columns

    def solve(self) -> Solution:
        started = time.perf_counter()
        self.highs.run()
        return self._solution(time.perf_counter() - started)

    def solve_within(self, iterations: int) -> Solution | None:
        """:meth:`solve`, or None when it stops short of an optimum within ``iterations``
        simplex iterations (HiGHS then says "iteration limit" or, from a repaired alien
        basis, "unknown"); the program stays, and :meth:`forget_basis` lets the next solve
        start afresh."""
        started = time.perf_counter()
        self.highs.setOptionValue("simplex_iteration_limit", int(iterations))
        try:
            self.highs.run()
        finally:
            self.highs.setOptionValue("simplex_iteration_limit", _NO_LIMIT)
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return self._solution(time.perf_counter() - started)

    def forget_basis(self) -> None:
        """Drop the basis and solution, so the next solve starts cold (with presolve)."""
        self.highs.clearSolver()

    def _solution(self, seconds: float) -> Solution:
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(self.highs.modelStatusToString(status))
        info = self.highs.getInfo()
        values = np.asarray(self.highs.getSolution().col_value, dtype=np.float64)
        return Solution(
            values=values,
            objective=float(info.objective_function_value),
            status="optimal",
            iterations=int(info.simplex_iteration_count) + int(info.ipm_iteration_count),
            seconds=seconds,
        )

    def solve_afresh(self, method: str = "ipm") -> Solution:
        """The program as it now stands solved again from scratch by ``method`` (``ipm``:
        interior point, then crossover; presolve on, no basis kept): for a warm solve that
        ended :data:`UNDECIDED`."""
        self.highs.clearSolver()
        self.use(method)
        return self.solve()

    def add_row(
        self, lower: float, upper: float, columns: npt.NDArray[np.int64], values: FloatArray
    ) -> None:
        self.highs.addRow(
            float(lower),
            float(upper),
            len(columns),
            columns.astype(np.int32),
            values.astype(np.float64),
        )

    def add_rows(self, lower: FloatArray, upper: FloatArray, matrix: csr_array) -> None:
        """Rows added to the program as it stands (a solved program keeps its basis, the new
        rows' slacks basic: the dual simplex goes on from it)."""
        self.highs.addRows(
            len(lower),
            lower.astype(np.float64),
            upper.astype(np.float64),
            int(matrix.nnz),
            matrix.indptr[:-1].astype(np.int32),
            matrix.indices.astype(np.int32),
            matrix.data.astype(np.float64),
        )

    def use(self, method: str) -> None:
        """``simplex`` or ``ipm`` (interior point, then crossover to a vertex)."""
        self.highs.setOptionValue("solver", method)

    def use_simplex(self, variant: str, *, pricing: str = "choose", scaled: bool = True) -> None:
        """The ``dual`` or the ``primal`` simplex for the next solve: the primal one goes on
        from a basis that stays feasible when only the costs change (a second phase).

        ``pricing``: the dual simplex's edge weights (``choose``: HiGHS's, normally steepest
        edge; ``dantzig``, ``devex``, ``steepest-edge``); ``scaled``: whether HiGHS scales the
        program first (a program already in well-chosen units may solve quicker unscaled)."""
        self.highs.setOptionValue("solver", "simplex")
        self.highs.setOptionValue("simplex_strategy", _SIMPLEX_STRATEGY[variant])
        self.highs.setOptionValue("simplex_dual_edge_weight_strategy", _EDGE_WEIGHTS[pricing])
        scaling = self._default_scaling if scaled else _SCALE_OFF
        self.highs.setOptionValue("simplex_scale_strategy", scaling)

    def basis(self) -> tuple[StatusArray, StatusArray]:
        """The last solve's basis: each column's and each row's status."""
        basis = self.highs.getBasis()
        return _codes(basis.col_status), _codes(basis.row_status)

    def start_from(self, columns: StatusArray, rows: StatusArray) -> bool:
        """Start the next solve from a basis (statuses as :meth:`basis` gives them) that may
        be another program's, mapped onto this one: HiGHS completes or repairs it (an "alien"
        basis) and skips presolve. False if HiGHS refused it (the solve then starts cold)."""
        basis = highspy.HighsBasis()
        basis.col_status = [_STATUS[code] for code in columns.tolist()]
        basis.row_status = [_STATUS[code] for code in rows.tolist()]
        basis.alien = True
        basis.valid = True
        return bool(self.highs.setBasis(basis) == highspy.HighsStatus.kOk)

    def bound_columns(self, columns: npt.NDArray[np.int64], upper: FloatArray) -> None:
        self.highs.changeColsBounds(
            len(columns), columns.astype(np.int32), np.zeros(len(columns)), upper.astype(np.float64)
        )

    def set_cost(self, cost: FloatArray) -> None:
        indices = np.arange(self.columns, dtype=np.int32)
        self.highs.changeColsCost(self.columns, indices, cost.astype(np.float64))


def _codes(statuses: list[highspy.HighsBasisStatus]) -> StatusArray:
    return np.fromiter((int(status) for status in statuses), dtype=np.int8, count=len(statuses))
