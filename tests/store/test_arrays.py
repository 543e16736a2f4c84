"""Shared column steps: distinct values by a sort, and the positions of runs."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fraudlink.store.arrays import run_positions, sorted_distinct

ints = st.lists(st.integers(-(2**62), 2**62), max_size=50)


@given(ints)
def test_sorted_distinct_is_np_unique(values: list[int]) -> None:
    a = np.array(values, np.int64)
    assert sorted_distinct(a).tolist() == np.unique(a).tolist()


@given(st.lists(st.tuples(st.integers(0, 1_000), st.integers(0, 5)), max_size=20))
def test_run_positions_lists_every_run_in_order(runs: list[tuple[int, int]]) -> None:
    lo = np.array([a for a, _ in runs], np.int64)
    n = np.array([k for _, k in runs], np.int64)
    assert run_positions(lo, n).tolist() == [a + i for a, k in runs for i in range(k)]
