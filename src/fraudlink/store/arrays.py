"""Whole-column NumPy steps that the in-memory books of several analyses share."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
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


def grown(a: IntArray, n: int, fill: int = 0) -> IntArray:
    """A per-id array with room for ids below `n`, the new places `fill`."""
    return a if len(a) >= n else np.concatenate([a, np.full(n - len(a), fill, a.dtype)])


def valid_mask(column: pa.ChunkedArray | pa.Array) -> BoolArray:
    """Where a column holds a value (not null)."""
    return np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), bool)


def int_column(column: pa.ChunkedArray | pa.Array) -> tuple[IntArray, BoolArray]:
    """An integer column as int64 (0 for null), and where it is not null."""
    values = pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return values, valid_mask(column)


def column_us(column: pa.ChunkedArray | pa.Array) -> tuple[IntArray, BoolArray]:
    """A time column as epoch microseconds (0 for null), and where it is not null."""
    return int_column(pc.cast(pc.cast(column, TIME), pa.int64()))


def string_codes(*columns: pa.ChunkedArray | pa.Array) -> list[IntArray]:
    """Integer codes of string columns, one code list per column, equal where the strings are
    (-1 for null)."""
    pieces = [c.cast(pa.string()) for col in columns
              for c in (col.chunks if isinstance(col, pa.ChunkedArray) else [col])]  # fmt: skip
    enc = pc.dictionary_encode(pa.concat_arrays(pieces) if pieces else pa.array([], pa.string()))
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    bounds = np.cumsum([0, *(len(c) for c in columns)])
    return [codes[a:b] for a, b in pairwise(bounds.tolist())]
