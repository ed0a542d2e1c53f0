"""The kernel's threads take shares of a pass by an atomic fetch-and-add on a cursor: every
share is taken exactly once, however the threads race for them."""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from peakguard.simulate.kernel_atomic import fetch_add


@njit(parallel=True)
def _race(threads: int, grabs: int, cursor: np.ndarray, taken: np.ndarray) -> None:
    for thread in prange(threads):
        for grab in range(grabs):
            taken[thread, grab] = fetch_add(cursor, 1)


def test_threads_racing_for_a_cursor_take_every_value_once() -> None:
    threads, grabs = max(numba.get_num_threads(), 2), 200_000
    cursor = np.zeros(1, dtype=np.int64)
    taken = np.full((threads, grabs), -1, dtype=np.int64)
    _race(threads, grabs, cursor, taken)
    assert cursor[0] == threads * grabs  # no increment lost
    assert np.array_equal(np.sort(taken.ravel()), np.arange(threads * grabs))  # none twice
    for row in taken:  # each thread saw the cursor only grow
        assert np.all(np.diff(row) > 0)


def test_the_value_before_the_addition_is_returned() -> None:
    @njit
    def twice(cursor: np.ndarray) -> tuple[int, int]:
        return fetch_add(cursor, 5), fetch_add(cursor, 2)

    cursor = np.array([10], dtype=np.int64)
    assert twice(cursor) == (10, 15)
    assert cursor[0] == 17
