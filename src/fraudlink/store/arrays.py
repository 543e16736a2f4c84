"""Whole-column NumPy steps that the in-memory books of several analyses share."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa

IntArray = npt.NDArray[np.int64]
TIME = pa.timestamp("us", "UTC")

NO_ID = -1
"""The integer id of a missing value: the payee of a payment that left the banking system, or
an account a book has not seen."""


def epoch_us(t: datetime) -> int:
    """A time as epoch microseconds, as the books keep it."""
    return int(pa.scalar(t, TIME).cast(pa.int64()).as_py())


def sorted_distinct(a: IntArray) -> IntArray:
    """The distinct values, sorted (`np.unique` hashes in NumPy 2.4, many times slower here)."""
    s = np.sort(a)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def run_positions(lo: IntArray, n: IntArray) -> IntArray:
    """Positions lo[i] .. lo[i] + n[i] - 1 of every run, one run after another, in one vector."""
    n = np.asarray(n, np.int64)
    offsets = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    return np.repeat(np.asarray(lo, np.int64), n) + offsets
