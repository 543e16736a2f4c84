"""The ledger by account, grown as batches arrive: which rows touch an account, in milliseconds.

Fund control asks, at every tick, for the payments into and out of a few thousand accounts. The
working store has no index on accounts, so each such question scanned the whole transactions
table (0.3 s at city, a thousand times a month). The book keeps, beside the store, each row's
integer account ids and time, and for each side (payer, payee) the row numbers sorted by account:
a large main run and a recent run, both sorted, plus a small unsorted tail. The tail is sorted
into the recent run once it passes 1/32 of the sorted rows, and the recent run into the main one
once it passes a quarter of it, so the copy of every row happens a few times a month rather than
at every merge (one sorted part took 7.5 s of merging per side over a synthetic city month of 4 M
rows of history and 15 M in 5,000 batches, the two runs 3.3 s). The runs are ordered by account
and then by second, so the rows of an account within a time window (the taint window of a trace)
are found without reading its older ones.
The rows themselves stay as the Arrow tables that were inserted, combined in tiers: every
`_FAN_IN` parts of one tier make one part of the next, so a take of rows from the whole month
touches a few dozen parts at most (a take costs about 0.1 ms per part touched), and each row is
copied once per tier (four at a city month).

The book narrows what SQL reads: callers take the rows they care about (the tainted sub-ledger,
a payment's window on an account, every row of an account) and run their usual SQL over that
small table. Where the book computes rows itself (`tainted`), it computes what the SQL it
replaces would select, and the tests compare the two on random ledgers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.arrays import NO_ID, TIME, run_positions, sorted_distinct
from fraudlink.store.string_ids import StringIds

IntArray = npt.NDArray[np.int64]
Bound = IntArray | int  # epoch µs: one for all accounts, or one per account
COLUMNS = ("txn_id", "time", "from_account", "to_account", "amount_fen", "channel", "terminal")
NO_ACCOUNT = NO_ID  # a payment out of the banking system (cash out) has no payee account
_TAIL_SHARE = 32  # merge the tail once it holds more than 1/32 of the sorted part
_MIN_TAIL = 65_536
_RECENT_SHARE = 4  # merge the recent run into the main one once it holds more than 1/4 of it
_FAN_IN = 8  # parts of one tier combined into one of the next, so a take stays cheap
_NEVER = np.iinfo(np.int64).max
_EARLIEST_US = -(2**62)
_LOW32 = (1 << 32) - 1


@dataclass
class _Side:
    """Row numbers sorted by one side's account id: the rows below `merged` in a main run and a
    recent run, both sorted by (key, row), and the rows from `merged` on in an unsorted tail.
    Every row of the recent run is newer than every row of the main run."""

    keys: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    rows: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    recent_keys: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    recent_rows: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    merged: int = 0  # rows below this number are in the main or the recent run


class LedgerBook:
    """The transactions known so far, findable by account."""

    def __init__(self) -> None:
        self._ids = StringIds()  # account -> id, numbered as first seen
        self._time = np.empty(0, np.int64)  # epoch microseconds, one per row
        self._frm = np.empty(0, np.int64)
        self._dst = np.empty(0, np.int64)
        self._n = 0
        self._out = _Side()
        self._in = _Side()
        self._parts: list[pa.Table] = []  # the rows in order: inserted tables, combined
        self._tiers: list[int] = []  # each part's tier: 0 inserted, k + 1 from _FAN_IN of tier k
        self._starts: list[int] = [0]  # first row of each part, then the number of rows
        self._schema: pa.Schema | None = None
        self._first = np.empty(0, np.int64)  # scratch of `reach`, see `_scratch`
        self._hop = np.empty(0, np.int64)
        self._mark = np.zeros(1, bool)  # scratch of `_rows_of`, see `_marks`

    @property
    def rows(self) -> int:
        """Transactions in the book."""
        return self._n

    def add(self, transactions: pa.Table) -> None:
        """Take in transactions as they are written to the store (in the store's order)."""
        t = transactions.select(list(COLUMNS))
        if t.num_rows == 0:
            return
        # The history and the replay may spell UTC differently; one schema lets tables combine.
        t = t.set_column(1, "time", pc.cast(t.column("time"), TIME))
        if self._schema is None:
            self._schema = t.schema
        t = t.cast(self._schema)
        frm, dst = self._encode(t.column("from_account"), t.column("to_account"))
        us = pc.cast(t.column("time"), pa.int64()).to_numpy()
        self._time = _grow(self._time, us, self._n)
        self._frm = _grow(self._frm, frm, self._n)
        self._dst = _grow(self._dst, dst, self._n)
        self._n += t.num_rows
        self._parts.append(t)
        self._tiers.append(0)
        self._starts.append(self._n)
        self._combine()
        self._maybe_merge(self._out, self._frm)
        self._maybe_merge(self._in, self._dst)

    def accounts(self) -> pa.Array:
        """The account number of each id, in id order."""
        return self._ids.values()

    def columns(self) -> tuple[IntArray, IntArray, IntArray]:
        """Each row's payer id, payee id (NO_ACCOUNT for none) and epoch µs, in row order."""
        n = self._n
        return self._frm[:n], self._dst[:n], self._time[:n]

    def column(self, name: str) -> pa.ChunkedArray:
        """One inserted column (of `COLUMNS`) over every row, in row order."""
        if self._schema is None:
            raise LookupError("the ledger book is empty")
        return pa.chunked_array(
            [c for t in self._parts for c in t.column(name).chunks],
            self._schema.field(name).type,
        )

    def around(
        self,
        payees: IntArray,
        payee_lo: IntArray,
        payee_hi: IntArray,
        payers: IntArray,
        payer_lo: IntArray,
        payer_hi: IntArray,
    ) -> pa.Table:
        """The transactions into each of `payees` and out of each of `payers` within that
        account's window [lo, hi] (epoch µs); a few more besides (to the second, and the unsorted
        tail whole), so callers keep their own exact conditions."""
        into = self._rows_of(self._in, self._dst, *_windows(payees, payee_lo, payee_hi))
        out_of = self._rows_of(self._out, self._frm, *_windows(payers, payer_lo, payer_hi))
        return self._take(sorted_distinct(np.concatenate([into, out_of])))

    def ids(self, accounts: Sequence[str | None]) -> IntArray:
        """The book's id of each account, in order (NO_ACCOUNT for one it has not seen)."""
        return self._ids.ids(pa.array(accounts, pa.string()), add=False)

    def reach(self, seed_to: IntArray, seed_us: IntArray, until_us: int, max_hops: int) -> IntArray:
        """Ids of every account the seed payments' money could reach by `until`, to `max_hops`."""
        return self._taint(seed_to, seed_us, until_us, max_hops)[0]

    def tainted(
        self, seed_to: IntArray, seed_us: IntArray, since_us: int, until_us: int, max_hops: int
    ) -> pa.Table:
        """The sub-ledger beyond its seeds: every payment out of an account the seed payments'
        money reaches, from its taint time to `until`, and every payment into one from its taint
        time to its last payment out (the `outs` and `ins` of `trace.subledger.SUBLEDGER_SQL`)."""
        ids, first = self._taint(seed_to, seed_us, until_us, max_hops)
        lo = np.maximum(first, since_us)
        rows = self._rows_of(self._out, self._frm, ids, lo, until_us)
        at, t = np.searchsorted(ids, self._frm[rows]), self._time[rows]
        ok = (t >= lo[at]) & (t <= until_us)
        outs, at, t = rows[ok], at[ok], t[ok]
        last = np.full(len(ids), np.iinfo(np.int64).min, np.int64)
        np.maximum.at(last, at, t)
        paid_out = last > np.iinfo(np.int64).min
        ids, lo, last = ids[paid_out], lo[paid_out], last[paid_out]
        rows = self._rows_of(self._in, self._dst, ids, lo, last)
        at, t = np.searchsorted(ids, self._dst[rows]), self._time[rows]
        ins = rows[(t >= lo[at]) & (t <= last[at])]
        return self._take(sorted_distinct(np.concatenate([outs, ins])))

    def holds(self, ids: IntArray, until_us: int) -> tuple[IntArray, IntArray, IntArray]:
        """Every payment into one of the accounts `ids` up to `until`, with the first payment out
        of the same account at or after it (the as-of join of `trace.ranking`): the position of
        the account in `ids`, the time in and the time out, in epoch µs. Inflows never followed
        by a payment out are left out."""
        ids = np.asarray(ids, np.int64)
        known = np.flatnonzero(ids != NO_ACCOUNT)
        order = known[np.argsort(ids[known], kind="stable")]
        wanted = ids[order]
        start = np.flatnonzero(np.r_[True, wanted[1:] != wanted[:-1]]) if len(wanted) else known
        distinct, first_pos = wanted[start], order[start]  # each account once, at its first place
        sides = []
        for side, key in ((self._in, self._dst), (self._out, self._frm)):
            rows = self._rows_of(side, key, distinct, _EARLIEST_US, until_us)
            t = self._time[rows]
            rows, t = rows[t <= until_us], t[t <= until_us]
            sides.append((np.searchsorted(distinct, key[rows]), t))
        (k_in, t_in), (k_out, t_out) = sides
        if not len(k_in) or not len(k_out):
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
        # One sorted key per (account, time): accounts in separate spans of one time line.
        base = min(int(t_in.min()), int(t_out.min()))
        span = max(int(t_in.max()), int(t_out.max())) - base + 1
        if span * (len(distinct) + 1) >= 2**62:
            raise OverflowError("the ledger spans too long a time for one key per account")
        key_out = np.sort(k_out * span + (t_out - base))
        j = np.searchsorted(key_out, k_in * span + (t_in - base), side="left")
        has = j < len(key_out)
        has[has] = key_out[j[has]] // span == k_in[has]
        t_next = key_out[j[has]] % span + base
        return first_pos[k_in[has]], t_in[has], t_next

    def _taint(
        self, seed_to: IntArray, seed_us: IntArray, until_us: int, max_hops: int
    ) -> tuple[IntArray, IntArray]:
        """Reached account ids (sorted) and the earliest time each was tainted.

        The same fixpoint as `trace.subledger.FRONTIER_SQL`: an account keeps its earliest taint
        time and fewest hops (each the least over every way in), and passes the taint on through
        every payment out at or after its taint time, while its hops are under the limit.
        """
        first, hop = self._scratch()
        known = seed_to != NO_ACCOUNT
        seed_to, seed_us = seed_to[known], seed_us[known]
        touched = [np.empty(0, np.int64)]
        try:
            level = _least(seed_to, seed_us, np.ones(len(seed_to), np.int64), first, hop)
            while len(level):
                touched.append(level)
                ids = np.sort(level[hop[level] < max_hops])
                rows = self._rows_of(self._out, self._frm, ids, first[ids], until_us)
                src, t, d = self._frm[rows], self._time[rows], self._dst[rows]
                ok = (t >= first[src]) & (t <= until_us) & (d != NO_ACCOUNT)
                level = _least(d[ok], t[ok], hop[src[ok]] + 1, first, hop)
            reached = sorted_distinct(np.concatenate(touched))
            return reached, first[reached]  # a fancy index copies before the reset
        finally:
            # Leave the scratch clean for the next call, even when this one failed.
            done = np.concatenate(touched)
            first[done], hop[done] = _NEVER, _NEVER

    # -- internals ------------------------------------------------------------------------

    def _scratch(self) -> tuple[IntArray, IntArray]:
        """Per-account taint time and hops for one reach, all `_NEVER` between calls."""
        n = len(self._ids)
        if len(self._first) < n:
            grow = np.full(max(n, 2 * len(self._first)) - len(self._first), _NEVER, np.int64)
            self._first = np.concatenate([self._first, grow])
            self._hop = np.concatenate([self._hop, grow])
        return self._first, self._hop

    def _marks(self) -> npt.NDArray[np.bool_]:
        """One flag per account, all False between calls, and one more past the last id, never
        set, that NO_ACCOUNT (-1) indexes."""
        if len(self._mark) <= len(self._ids):
            self._mark = np.zeros(2 * len(self._ids) + 1, bool)
        return self._mark

    def _encode(self, *columns: pa.ChunkedArray) -> list[IntArray]:
        """Integer ids of the columns' accounts, new accounts numbered as they first appear."""
        both = pa.chunked_array([c for col in columns for c in col.chunks], pa.string())
        ids = self._ids.ids(both)
        bounds = np.cumsum([0, *(len(c) for c in columns)])
        return [ids[a:b] for a, b in pairwise(bounds.tolist())]

    def _combine(self) -> None:
        """Combine the newest `_FAN_IN` parts into one while they are of one tier (tiers only
        fall from the oldest part to the newest, at most `_FAN_IN` - 1 parts of each)."""
        tier = self._tiers[-1] if self._tiers else -1
        while len(self._tiers) >= _FAN_IN and self._tiers[-_FAN_IN] == tier:
            k = len(self._parts) - _FAN_IN
            combined = pa.concat_tables(self._parts[k:]).combine_chunks()
            self._parts[k:], self._tiers[k:] = [combined], [tier + 1]
            self._starts[k + 1 :] = [self._n]
            tier += 1

    def _maybe_merge(self, side: _Side, key: IntArray) -> None:
        """Sort the tail into the recent run once it is too long to scan at every question, and
        the recent run into the main one once it is too long to copy at every such sort."""
        tail = self._n - side.merged
        if tail <= max(_MIN_TAIL, side.merged // _TAIL_SHARE):
            return
        keys, rows = _sorted_run(key[side.merged : self._n], self._time[side.merged : self._n])
        side.recent_keys, side.recent_rows = _merge_runs(
            side.recent_keys, side.recent_rows, keys, rows + side.merged
        )
        side.merged = self._n
        if len(side.recent_keys) > len(side.keys) // _RECENT_SHARE:
            side.keys, side.rows = _merge_runs(
                side.keys, side.rows, side.recent_keys, side.recent_rows
            )
            side.recent_keys, side.recent_rows = side.keys[:0], side.rows[:0]

    def _rows_of(
        self, side: _Side, key: IntArray, ids: IntArray, lo_us: Bound, hi_us: Bound
    ) -> IntArray:
        """Row numbers whose account on this side is one of `ids` (sorted), timed within
        [lo, hi] to the second (callers filter to the microsecond); lo and hi may differ per id.
        The sorted runs' rows come first, by (key, row), then the tail's, by row."""
        if len(ids) == 0:
            return np.empty(0, np.int64)
        # Each window's two ends side by side in one search, the second end's path mostly
        # cached by the first's: a third cheaper than two searches, which pays for most of
        # searching the recent run. The key after hi's, searched left, is hi's searched right.
        ends = np.empty(2 * len(ids), np.int64)
        ends[0::2], ends[1::2] = _sort_key(ids, lo_us), _sort_key(ids, hi_us) + 1
        found = []
        for keys, rows in ((side.keys, side.rows), (side.recent_keys, side.recent_rows)):
            at = np.searchsorted(keys, ends)
            lo, hi = at[0::2], at[1::2]
            pos = run_positions(lo, np.maximum(hi - lo, 0))
            found.append((keys[pos], rows[pos]))
        (main_k, main_r), (recent_k, recent_r) = found
        runs = main_r
        if len(recent_r):
            # Each run's hits are sorted by key and the recent rows are the newer: a stable
            # sort of the two keeps every tie in row order, as in the one sorted part they were.
            order = np.argsort(np.concatenate([main_k, recent_k]), kind="stable")
            runs = np.concatenate([main_r, recent_r])[order]
        # The tail by a mark per account (np.isin sorted the whole tail at every question).
        mark = self._marks()
        mark[ids] = True
        try:
            hit = mark[key[side.merged : self._n]]
        finally:
            mark[ids] = False
        tail = np.flatnonzero(hit).astype(np.int64) + side.merged
        return np.concatenate([runs, tail])

    def _take(self, rows: IntArray) -> pa.Table:
        """The rows (ascending row numbers) as a table of the inserted columns."""
        if self._schema is None:
            raise LookupError("the ledger book is empty")
        parts = self._parts
        starts = np.array(self._starts, np.int64)
        cut = np.searchsorted(rows, starts)  # rows[cut[k]:cut[k+1]] fall in part k
        out = [parts[k].take(pa.array(rows[cut[k] : cut[k + 1]] - starts[k]))
               for k in range(len(parts)) if cut[k + 1] > cut[k]]  # fmt: skip
        return pa.concat_tables(out) if out else self._schema.empty_table()


def _windows(ids: IntArray, lo: IntArray, hi: IntArray) -> tuple[IntArray, ...]:
    """Ids sorted and distinct, each with the span of its windows (unknown accounts dropped)."""
    known = ids != NO_ACCOUNT
    ids, lo, hi = ids[known], lo[known], hi[known]
    if not len(ids):
        return ids, lo, hi
    order = np.argsort(ids, kind="stable")
    ids, lo, hi = ids[order], lo[order], hi[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return ids[starts], np.minimum.reduceat(lo, starts), np.maximum.reduceat(hi, starts)


def _sort_key(ids: IntArray, us: IntArray | int) -> IntArray:
    """Account id in the high bits, whole seconds (1970 to 2106) in the low 32: each account's
    rows in time order, so a time window is one binary search away."""
    sec = np.clip(np.floor_divide(us, 1_000_000), 0, _LOW32)
    return (ids << 32) | sec


def _sorted_run(ids: IntArray, us: IntArray) -> tuple[IntArray, IntArray]:
    """The rows' keys sorted, and each one's position among the rows, ties in that order."""
    keys = _sort_key(ids, us)
    sec = keys & _LOW32
    id_lo, sec_lo = int(ids.min()), int(sec.min())
    id_bits = (int(ids.max()) - id_lo).bit_length()
    sec_bits = (int(sec.max()) - sec_lo).bit_length()
    at_bits = (len(keys) - 1).bit_length()
    if id_bits + sec_bits + at_bits > 63:
        order = np.argsort(keys, kind="stable")
        return keys[order], order
    # Account, second and position in one word, all distinct: a plain sort (SIMD in NumPy) is
    # a third of the time of a stable argsort. A tail spans a few days of a few million
    # accounts, so it fits; a wider one takes the argsort.
    packed = (((ids - id_lo) << sec_bits | (sec - sec_lo)) << at_bits) | np.arange(len(keys))
    packed.sort()
    order = packed & ((1 << at_bits) - 1)
    return keys[order], order


def _merge_runs(
    keys: IntArray, rows: IntArray, new_keys: IntArray, new_rows: IntArray
) -> tuple[IntArray, IntArray]:
    """Two runs sorted by key as one, each new row after the old rows of an equal key."""
    if not len(new_keys):
        return keys, rows
    if not len(keys):
        return new_keys, new_rows
    # A stable sort of two sorted runs one after the other is one linear merge (Timsort): for
    # runs of like size, less than half the time of searching one in the other and inserting.
    # The keys sort again in place: faulting in a fresh array for them costs more than that.
    both = np.concatenate([keys, new_keys])
    order = np.argsort(both, kind="stable")
    both.sort(kind="stable")
    return both, np.concatenate([rows, new_rows])[order]


def _grow(buf: IntArray, values: IntArray, n: int) -> IntArray:
    """Append to a buffer that doubles when full (amortised O(1) per row)."""
    need = n + len(values)
    if need > len(buf):
        bigger = np.empty(max(need, 2 * len(buf), 1024), np.int64)
        bigger[:n] = buf[:n]
        buf = bigger
    buf[n:need] = values
    return buf


def _least(acc: IntArray, us: IntArray, hops: IntArray, first: IntArray, hop: IntArray) -> IntArray:
    """Fold candidate (account, taint time, hops) into the reach; the accounts that improved."""
    if len(acc) == 0:
        return np.empty(0, np.int64)
    order = np.argsort(acc, kind="stable")
    acc, us, hops = acc[order], us[order], hops[order]
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
    acc = acc[starts]
    best_t = np.minimum.reduceat(us, starts)
    best_h = np.minimum.reduceat(hops, starts)
    better = (best_t < first[acc]) | (best_h < hop[acc])
    acc = acc[better]
    first[acc] = np.minimum(first[acc], best_t[better])
    hop[acc] = np.minimum(hop[acc], best_h[better])
    return acc
