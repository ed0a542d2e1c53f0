"""Distinct keys by a table give what sorting gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakguard.simulate.keys import distinct


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=5_000), max_size=300),
    st.integers(min_value=0, max_value=200_000),
)
def test_the_same_keys_and_positions_as_sorting(values: list[int], extra: int) -> None:
    keys = np.array(values, dtype=np.int64)
    bound = (max(values) + 1 if values else 1) + extra  # large extras take the sorting path
    unique, inverse = distinct(keys, bound)
    expected_unique, expected_inverse = np.unique(keys, return_inverse=True)
    assert unique.tolist() == expected_unique.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
    assert unique.dtype == np.int64 and inverse.dtype == np.int64


def test_a_hand_worked_case() -> None:
    unique, inverse = distinct(np.array([7, 3, 7, 0, 3]), 8)
    assert unique.tolist() == [0, 3, 7]
    assert inverse.tolist() == [2, 1, 2, 0, 1]


def test_a_key_outside_the_bound_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        distinct(np.array([1, 5]), 5)
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        distinct(np.array([-1, 2]), 5)
    with pytest.raises(ValueError, match=r"\[0, 10000000\)"):
        distinct(np.array([10_000_000]), 10_000_000)  # a bound for sorting: checked too
