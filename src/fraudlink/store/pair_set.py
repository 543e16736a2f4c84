"""A growing set of distinct integer keys (two ids side by side), for books folded in by chunks.

The books that count distinct pairs (callers and callees, payers and payees) fold each chunk of
rows into the set once and count only the keys new to it.
"""

from __future__ import annotations

import itertools

import numpy as np

from fraudlink.store.arrays import run_positions

EARLIEST, COUNT = "earliest", "count"
LOW = np.int64(0xFFFFFFFF)  # the low id of a key: `key & LOW`; the high one is `key >> 32`


class PairSet:
    """Distinct int64 keys, each optionally with a value: the earliest time it was seen
    (`EARLIEST`), or how many times (`COUNT`).

    Kept in sorted parts by `key >> shift`: a chunk of rows touches most parts, but merging
    into many small parts stays in cache and reuses freed memory, where one array of 30 M keys
    rewritten every day does neither.
    """

    def __init__(self, shift: int, value: str | None = None) -> None:
        """`shift`: keys with the same `key >> shift` share a part."""
        self.shift = shift
        self.combine = {None: None, EARLIEST: np.minimum, COUNT: np.add}[value]
        self.keys: dict[int, np.ndarray] = {}
        self.values: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return sum(len(k) for k in self.keys.values())

    def add(self, keys: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """Fold in sorted distinct keys (and their values); return which were new to the set."""
        if self.combine is None:
            values = None  # a set of keys alone
        new = np.zeros(len(keys), bool)
        for part, lo, hi in _runs(keys >> self.shift):
            v = None if values is None else values[lo:hi]
            new[lo:hi] = self._add_part(part, keys[lo:hi], v)
        return new

    def _add_part(self, part: int, keys: np.ndarray, values: np.ndarray | None) -> np.ndarray:
        old = self.keys.get(part, np.empty(0, np.int64))
        pos = np.searchsorted(old, keys)
        found = pos < len(old)
        found[found] = old[pos[found]] == keys[found]
        if values is not None and self.combine is not None and found.any():
            at = pos[found]  # distinct: the keys are
            self.values[part][at] = self.combine(self.values[part][at], values[found])
        new = ~found
        if new.any():
            # A merge of two sorted runs by position: linear, where re-sorting would not be.
            ins = pos[new] + np.arange(int(new.sum()))
            keep = np.ones(len(old) + len(ins), bool)
            keep[ins] = False
            self.keys[part] = _merged(old, keys[new], ins, keep)
            if values is not None:
                old_v = self.values.get(part, np.empty(0, np.int64))
                self.values[part] = _merged(old_v, values[new], ins, keep)
        return new

    def within(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys, and values, in the sorted ranges [lo, hi), none of which spans two parts."""
        keys, values = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
        for part, a, b in _runs(lo >> self.shift):
            if part not in self.keys:
                continue
            k = self.keys[part]
            start, stop = np.searchsorted(k, lo[a:b]), np.searchsorted(k, hi[a:b])
            at = run_positions(start, stop - start)  # every position in the ranges
            keys.append(k[at])
            if self.combine is not None:
                values.append(self.values[part][at])
        return np.concatenate(keys), np.concatenate(values)

    def everything(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key, sorted, and its value."""
        parts = sorted(self.keys)
        keys = [np.empty(0, np.int64), *(self.keys[p] for p in parts)]
        values = [np.empty(0, np.int64)]
        if self.combine is not None:
            values += [self.values[p] for p in parts]
        return np.concatenate(keys), np.concatenate(values)


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """(value, start, stop) of each run of equal values in a sorted array."""
    if not len(values):
        return []
    edges = np.flatnonzero(np.r_[True, values[1:] != values[:-1], True]).tolist()
    return [(int(values[a]), a, b) for a, b in itertools.pairwise(edges)]


def _merged(old: np.ndarray, new: np.ndarray, ins: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = np.empty(len(old) + len(new), old.dtype)
    out[keep] = old
    out[ins] = new
    return out
