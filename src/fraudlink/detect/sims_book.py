"""SIM abuse scores kept up to date as calls are appended, for a replay that scores every day.

`score_sims` reads the whole `calls` table each time; at city scale that is tens of millions of
rows a day for a replay that adds one day at a time. `SimScoreBook` folds each call in once, into
running per-number counts and sets of distinct (caller, callee), (caller, day) and (caller, cell)
pairs, then hands those to the same features and scoring SQL as `score_sims`, with the small
tables (cards, reports, labels) read in full. Asked for a floor, it scores only the cards whose
bound reaches it (`sims_candidates`). Same output, bit for bit, as long as the store only grows
by appended rows and no call is later than the cutoff it is scored at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.sims import (
    CALL_DAY_SQL,
    SHORT_SQL,
    features_sql,
    known_bad_phones_sql,
    scores_sql,
)
from fraudlink.detect.sims_candidates import CallFigures, CardRegister, floor_logit
from fraudlink.store import Store
from fraudlink.store.arrays import NO_ID, IntArray, epoch_us, grown, sorted_distinct
from fraudlink.store.pair_set import COUNT, EARLIEST, LOW, PairSet
from fraudlink.store.string_ids import StringIds

FOLD_ROWS = 2_000_000
"""Calls read per step when folding in: bounds memory when a large store is first folded in."""

_OUT, _IN, _VICTIM_CALLS = "_sims_book_outgoing", "_sims_book_incoming", "_sims_book_victim_calls"
_ONLY = "_sims_book_candidates"
_UTC_US = pa.timestamp("us", tz="UTC")
_DAY_US = 86_400_000_000

# The call-derived CTEs of `features_sql`, from the running counts instead of the calls.
# `n_out / n_days` and `n_short / n_out` are the same double divisions as `count(*) /
# count(distinct day)` and `avg` of 0/1 integers (an exact integer sum over a count).
_BOOK_SOURCES = {
    "c": f"select caller, callee, time from {_VICTIM_CALLS}",
    "outgoing": f"""
      select msisdn, n_out, n_out / n_days as out_per_day, distinct_callees,
             n_short / n_out as short_share, n_cells, first_call
      from {_OUT}""",
    "incoming": f"select msisdn, n_in from {_IN}",
}


@dataclass(frozen=True)
class CellCalls:
    """Calls per (caller, cell): `pairs` (caller, cell, n) on the ids of `numbers` and `cells`
    (id, value)."""

    pairs: pa.Table
    numbers: pa.Table
    cells: pa.Table


def _firsts(sorted_keys: np.ndarray) -> np.ndarray:
    return np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]


class SimScoreBook:
    """`score_sims` on a store that only grows by appended rows, folding each call in once."""

    def __init__(self, store: Store, fed: bool = False) -> None:
        """`fed`: the store's writer hands every calls table to `take` as it writes it, so
        the book never reads the calls back from the store."""
        self.store = store
        self.fed = fed
        self.calls_seen = 0
        self._latest = np.iinfo(np.int64).min  # latest call time folded in, epoch microseconds
        self._numbers = StringIds()
        self._cells = StringIds()
        z = np.zeros(0, np.int64)
        self._n_out, self._n_short, self._n_in = z, z.copy(), z.copy()
        self._n_days, self._n_callees, self._n_cells = z.copy(), z.copy(), z.copy()
        self._first = z.copy()
        # Keys are two ids side by side; parts of 16,384 numbers, or one day.
        self._callees = PairSet(46, EARLIEST)  # callee << 32 | caller: a victim's callers adjoin
        self._days = PairSet(32)  # day << 32 | caller
        self._cell_pairs = PairSet(46, COUNT)  # caller << 32 | cell, with the calls made there
        self._cards = CardRegister()  # read only when a floor is asked for

    def score(self, as_of: datetime, at_least: float | None = None) -> pa.Table:
        """The table `score_sims(store, as_of, at_least)` returns, folding in the calls appended
        since."""
        self.update()
        con = self.store.con
        if self._latest > epoch_us(as_of):
            raise ValueError(f"calls later than {as_of} are in the store: cannot score before")
        logit = None if at_least is None else floor_logit(at_least)
        ids = None
        tables: dict[str, pa.Table] = {}
        if logit is not None:
            # Only the cards that can reach the floor are scored (see `sims_candidates`).
            only, ids = self._cards.candidates(
                self.store, self._numbers, self._figures(), epoch_us(as_of),
                self._known_bad(as_of), logit,
            )  # fmt: skip
            tables[_ONLY] = pa.table({"msisdn": only})
        tables |= {_OUT: self._outgoing(ids), _IN: self._incoming(ids),
                   _VICTIM_CALLS: self._to_victims()}  # fmt: skip
        for name, table in tables.items():
            con.register(name, table)
        try:
            features = features_sql(_BOOK_SOURCES, None if logit is None else _ONLY)
            sql = scores_sql(features, at_least is not None)
            return self.store.arrow(sql, [as_of] if at_least is None else [as_of, at_least])
        finally:
            for name in tables:
                con.unregister(name)

    def take(self, calls: pa.Table) -> None:
        """Fold in calls as the store's writer appends them (a `fed` book)."""
        if not self.fed:
            raise ValueError("this SimScoreBook reads its calls from the store: take() would "
                             "count them twice")  # fmt: skip
        if calls.num_rows == 0:
            return
        t = calls.column("time").cast(_UTC_US).combine_chunks().cast(pa.int64()).to_numpy()
        short = pc.or_kleene(pc.equal(calls.column("kind"), "sms"),
                             pc.less(calls.column("duration_s"), 30))  # fmt: skip
        day = t // _DAY_US  # the same day as CALL_DAY_SQL: the store's session is in UTC
        self._fold(pa.table({"caller": calls.column("caller"), "callee": calls.column("callee"),
                             "t": t, "day": day, "short": pc.fill_null(short, False),
                             "cell_id": calls.column("cell_id")}))  # fmt: skip
        self.calls_seen += calls.num_rows

    def update(self) -> int:
        """Fold in the calls appended since the last update; return how many there were."""
        if self.fed:
            return 0  # `take` folded every call in as it was written
        total = self.store.count("calls")
        if total < self.calls_seen:
            raise ValueError("calls were deleted: SimScoreBook needs an append-only store")
        start = self.calls_seen
        for lo in range(start, total, FOLD_ROWS):
            hi = min(lo + FOLD_ROWS, total)
            # Rows are numbered in insertion order; the rowid range prunes row groups unread.
            chunk = self.store.arrow(
                f"select caller, callee, epoch_us(time) as t, {CALL_DAY_SQL} as day, "
                f"{SHORT_SQL} as short, cell_id from calls where rowid >= {lo} and rowid < {hi}"
            )
            if chunk.num_rows != hi - lo:
                raise ValueError("calls rows are not numbered 0..n-1: is a transaction open?")
            self._fold(chunk)
            self.calls_seen = hi
        return total - start

    def _fold(self, chunk: pa.Table) -> None:
        k = chunk.num_rows
        both = pa.concat_arrays(
            [chunk["caller"].combine_chunks(), chunk["callee"].combine_chunks()]
        ).cast(pa.string())
        ids = self._numbers.ids(both)
        if len(self._numbers) >= 2**31:
            raise OverflowError("more than 2^31 distinct numbers: pair keys would overflow")
        caller, callee = ids[:k], ids[k:]
        cell = self._cells.ids(chunk["cell_id"].combine_chunks().cast(pa.string()))
        t = chunk["t"].to_numpy()
        day = chunk["day"].combine_chunks().cast(pa.int32()).to_numpy().astype(np.int64)
        short = chunk["short"].to_numpy().astype(bool)
        self._latest = max(self._latest, int(t.max()))

        n = len(self._numbers)
        for name in ("_n_out", "_n_short", "_n_in", "_n_days", "_n_callees", "_n_cells"):
            setattr(self, name, grown(getattr(self, name), n))
        self._first = grown(self._first, n, np.iinfo(np.int64).max)
        self._n_out += np.bincount(caller, minlength=n)
        self._n_short += np.bincount(caller[short], minlength=n)
        self._n_in += np.bincount(callee, minlength=n)
        np.minimum.at(self._first, caller, t)

        keys = (callee << 32) | caller
        order = np.argsort(keys)
        keys, times = keys[order], t[order]
        starts = np.flatnonzero(_firsts(keys))
        keys, times = keys[starts], np.minimum.reduceat(times, starts)
        new = self._callees.add(keys, times)
        self._n_callees += np.bincount(keys[new] & LOW, minlength=n)

        keys = sorted_distinct((day << 32) + caller)
        self._n_days += np.bincount(keys[self._days.add(keys)] & LOW, minlength=n)
        keys = np.sort((caller << 32) | cell)
        starts = np.flatnonzero(_firsts(keys))
        calls = np.diff(np.append(starts, len(keys)))
        keys = keys[starts]
        self._n_cells += np.bincount(keys[self._cell_pairs.add(keys, calls)] >> 32, minlength=n)

    def cells_called_from(self, as_of: datetime) -> CellCalls:
        """The calls of each (caller, cell) pair up to `as_of`, as integer ids with their
        strings; refused when a later call was folded in."""
        if self._latest > epoch_us(as_of):
            raise ValueError(f"calls later than {as_of} were folded in: cannot count before")
        keys, calls = self._cell_pairs.everything()
        numbers, cells = self._numbers.values(), self._cells.values()
        return CellCalls(
            pairs=pa.table({"caller": keys >> 32, "cell": keys & LOW, "n": calls}),
            numbers=pa.table({"id": np.arange(len(numbers)), "value": numbers}),
            cells=pa.table({"id": np.arange(len(cells)), "value": cells}),
        )

    def _figures(self) -> CallFigures:
        n = len(self._numbers)
        return CallFigures(
            n_out=self._n_out[:n], n_days=self._n_days[:n], n_callees=self._n_callees[:n],
            n_short=self._n_short[:n], n_in=self._n_in[:n], n_cells=self._n_cells[:n],
            first_us=self._first[:n],
        )  # fmt: skip

    def _known_bad(self, as_of: datetime) -> pa.Array:
        sql = f"with cut as (select ?::timestamptz as t) {known_bad_phones_sql()}"
        return self.store.arrow(sql, [as_of])["msisdn"].combine_chunks().cast(pa.string())

    def _outgoing(self, ids: IntArray | None = None) -> pa.Table:
        """Per number that called (of `ids`, sorted, when given): its call figures."""
        at = np.flatnonzero(self._n_out[: len(self._numbers)] > 0) if ids is None else ids
        at = at[self._n_out[at] > 0]
        return pa.table({
            "msisdn": self._numbers.values().take(at),
            "n_out": self._n_out[at], "n_days": self._n_days[at],
            "distinct_callees": self._n_callees[at], "n_short": self._n_short[at],
            "n_cells": self._n_cells[at], "first_call": pa.array(self._first[at], _UTC_US),
        })  # fmt: skip

    def _incoming(self, ids: IntArray | None = None) -> pa.Table:
        """Per number called (of `ids`, sorted, when given): the calls it received."""
        at = np.flatnonzero(self._n_in[: len(self._numbers)] > 0) if ids is None else ids
        at = at[self._n_in[at] > 0]
        return pa.table({"msisdn": self._numbers.values().take(at), "n_in": self._n_in[at]})

    def _to_victims(self) -> pa.Table:
        """(caller, callee, earliest time) of every pair calling a number in a victim report."""
        sql = "select distinct victim_msisdn as m from victim_reports where victim_msisdn not null"
        victims = self.store.arrow(sql)["m"].combine_chunks().cast(pa.string())
        # The few victims looked up in the book's own ids, not every number probed against them.
        ids = self._numbers.ids(victims, add=False)
        ids = sorted_distinct(ids[ids != NO_ID])
        keys, times = self._callees.within(ids << 32, (ids + 1) << 32)
        return pa.table({
            "caller": self._numbers.values().take(keys & LOW),
            "callee": self._numbers.values().take(keys >> 32),
            "time": pa.array(times, _UTC_US),
        })  # fmt: skip
