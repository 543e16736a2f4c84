"""The ledger in memory, by account, for tracing one victim in milliseconds.

A DuckDB point query costs a millisecond or more, and without an index a filter on an account
scans the whole transactions table (about 100 ms at city scale), so the per-victim path keeps the
ledger as NumPy arrays: rows in time order, integer account ids, and CSR offsets of each
account's payments out and in. Built once (seconds at city scale); the frontier and the
sub-ledger of one victim are then slices of it, and the lot accounting is the same replay as the
one-pass trace. Sellers of goods are judged as the one-pass trace of every victim judges them
(`trace.purchases`): on the chains of every report made by the trace time, from one store query
over their own rows, once per trace time and depth.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.trace.engine import METHODS, TraceResult, result_from_ledger
from fraudlink.trace.match_payments import match_payments
from fraudlink.trace.purchases import as_purchases, sellers_of_goods
from fraudlink.trace.schemas import TS

IntArray = npt.NDArray[np.int64]

_LOAD_SQL = """
with acc as (
  select account, (row_number() over (order by account) - 1)::integer as id from (
    select from_account as account from transactions
    union select to_account from transactions where to_account is not null)
)
select x.txn_id, epoch_us(x.time) as t, f.id as frm, coalesce(g.id, -1)::integer as dst,
       x.amount_fen, x.channel, x.terminal
from transactions x join acc f on f.account = x.from_account
left join acc g on g.account = x.to_account
order by x.time, x.txn_id
"""


def _csr(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Row numbers grouped by key (time order kept within a key) and each key's offsets."""
    order = np.argsort(keys, kind="stable")
    starts = np.searchsorted(keys[order], np.arange(n + 1))
    return order.astype(np.int64), starts.astype(np.int64)


class LedgerIndex:
    """The whole ledger as arrays, plus every report's matched payments."""

    def __init__(self, store: Store) -> None:
        t = store.arrow(_LOAD_SQL)
        # Kept to judge sellers of goods (trace.purchases) over their own rows at trace time.
        self.store = store
        self.accounts = (
            store.arrow(
                "select account from (select from_account as account from transactions union "
                "select to_account from transactions where to_account is not null) order by 1"
            )
            .column("account")
            .combine_chunks()
        )
        self.txn_id = t.column("txn_id").to_numpy()
        self.time = t.column("t").to_numpy()
        self.frm = t.column("frm").to_numpy().astype(np.int64)
        self.dst = t.column("dst").to_numpy().astype(np.int64)
        self.amount = t.column("amount_fen").to_numpy()
        self.channel = t.column("channel").combine_chunks().dictionary_encode()
        self.terminal = t.column("terminal").combine_chunks()
        n_acc = len(self.accounts)
        self.out_rows, self.out_start = _csr(self.frm, n_acc)
        self.in_rows, self.in_start = _csr(np.where(self.dst < 0, n_acc, self.dst), n_acc)
        self._by_txn = np.argsort(self.txn_id)
        reported = store.arrow("select report_id, epoch_us(reported_at) as t from victim_reports")
        self.reported_at: dict[str, int] = dict(
            zip(*(reported.column(c).to_pylist() for c in ("report_id", "t")), strict=True)
        )
        self._sellers: dict[tuple[int, int], tuple[dict[int, str], list[str]]] = {}
        self.matched = match_payments(store)
        self.seeds: dict[str, list[int]] = {}
        for rid, txn in zip(
            self.matched.column("report_id").to_pylist(),
            self._rows_of(self.matched.column("txn_id").to_numpy()).tolist(),
            strict=True,
        ):
            self.seeds.setdefault(rid, []).append(txn)

    def _rows_of(self, txn_ids: IntArray) -> IntArray:
        pos = np.searchsorted(self.txn_id, txn_ids, sorter=self._by_txn)
        return self._by_txn[pos].astype(np.int64)

    def trace(
        self, report_id: str, as_of: datetime | None = None, method: str = "fifo", max_hops: int = 6
    ) -> TraceResult:
        """One victim's trace from memory (same replay and tables as `trace_all`)."""
        if method not in METHODS:
            raise ValueError(f"unknown attribution method {method!r} ({', '.join(METHODS)})")
        end = len(self.time) if as_of is None else self._row_at(as_of)
        if as_of is None:
            as_of = pa.scalar(int(self.time[-1]), TS).as_py()
        seeds = self._seeds_of(report_id, end)
        rows = self.subledger_rows(seeds, end, max_hops)
        matched = self.matched.filter(pc.equal(self.matched.column("report_id"), report_id))
        ledger = self._table(rows, dict.fromkeys(seeds, report_id))
        ledger = as_purchases(ledger, self.sellers(as_of, end, max_hops, report_id))
        return result_from_ledger(ledger, matched, method, max_hops, as_of)

    def _seeds_of(self, report_id: str, end: int) -> list[int]:
        return [r for r in self.seeds.get(report_id, []) if r < end and self.dst[r] >= 0]

    def sellers(self, as_of: datetime, end: int, max_hops: int, report_id: str) -> list[str]:
        """Sellers of goods on the chains of every report made by `as_of` and of `report_id`,
        judged on that sub-ledger as the one-pass trace of every victim judges them. Kept for
        the last trace time and depth; a report traced before it was made is added for that
        trace alone."""
        made = pa.scalar(as_of, TS).cast(pa.int64()).as_py()
        key = (made, max_hops)
        if key not in self._sellers:
            owner = {r: rid for rid in self.seeds if self.reported_at.get(rid, made + 1) <= made
                     for r in self._seeds_of(rid, end)}  # fmt: skip
            self._sellers = {key: (owner, self._judge(owner, as_of, end, max_hops))}
        owner, sellers = self._sellers[key]
        own = self._seeds_of(report_id, end)
        if all(r in owner for r in own):
            return sellers
        return self._judge(owner | dict.fromkeys(own, report_id), as_of, end, max_hops)

    def _judge(self, seeds: dict[int, str], as_of: datetime, end: int, max_hops: int) -> list[str]:
        every = self._table(self.subledger_rows(sorted(seeds), end, max_hops), seeds)
        return sellers_of_goods(self.store, every, as_of)

    def _row_at(self, as_of: datetime) -> int:
        us = pa.scalar(as_of, TS).cast(pa.int64()).as_py()
        return int(np.searchsorted(self.time, us, side="right"))

    def frontier(self, seeds: list[int], end: int, max_hops: int) -> dict[int, list[int]]:
        """account -> [first tainted row, fewest hops], time-respecting, to max_hops."""
        reach: dict[int, list[int]] = {}
        for r in seeds:
            _improve(reach, int(self.dst[r]), r, 1)
        level = dict(reach)
        for hop in range(1, max_hops):
            nxt: dict[int, list[int]] = {}
            for acc, (first, _) in level.items():
                rows = self._out(acc, first, end)
                for r, d in zip(rows.tolist(), self.dst[rows].tolist(), strict=True):
                    if d >= 0 and _improve(reach, d, r, hop + 1):
                        nxt[d] = reach[d]
            if not nxt:
                break
            level = nxt
        return reach

    def subledger_rows(self, seeds: list[int], end: int, max_hops: int) -> IntArray:
        """Row numbers of the sub-ledger (as in `trace.subledger`), in time order."""
        parts = [np.array(seeds, np.int64)]
        for acc, (first, _) in self.frontier(seeds, end, max_hops).items():
            outs = self._out(acc, first, end)
            parts.append(outs)
            if len(outs):
                a, b = self.in_start[acc], self.in_start[acc + 1]
                ins = self.in_rows[a:b]
                parts.append(ins[(ins >= first) & (ins <= outs[-1])])
        return np.unique(np.concatenate(parts))

    def _out(self, acc: int, first: int, end: int) -> IntArray:
        rows = self.out_rows[self.out_start[acc] : self.out_start[acc + 1]]
        lo, hi = np.searchsorted(rows, [first, end])
        return rows[lo:hi]

    def _table(self, rows: IntArray, seeds: dict[int, str]) -> pa.Table:
        """The sub-ledger's rows as a table, each seed row (row number) with its report."""
        idx = pa.array(rows)
        dst = self.dst[rows]
        report = pa.nulls(len(rows), pa.string())
        if seeds:
            keys = np.fromiter(seeds, np.int64, len(seeds))
            order = np.argsort(keys)
            at = order[np.minimum(np.searchsorted(keys, rows, sorter=order), len(keys) - 1)]
            names = pa.array(list(seeds.values()), pa.string())
            report = names.take(pa.array(at, mask=keys[at] != rows))
        return pa.table(
            {
                "txn_id": pa.array(self.txn_id[rows]),
                "time": pa.array(self.time[rows]).cast(TS),
                "from_account": self.accounts.take(pa.array(self.frm[rows])),
                "to_account": self.accounts.take(pa.array(np.maximum(dst, 0), mask=dst < 0)),
                "amount_fen": pa.array(self.amount[rows]),
                "channel": self.channel.take(idx).cast(pa.string()),
                "terminal": self.terminal.take(idx),
                "report_id": report,
            }
        )


def _improve(reach: dict[int, list[int]], acc: int, row: int, hop: int) -> bool:
    """Record that acc is reached at row with hop; whether that is earlier or fewer hops."""
    cur = reach.get(acc)
    if cur is None:
        reach[acc] = [row, hop]
        return True
    if row < cur[0] or hop < cur[1]:
        cur[0], cur[1] = min(cur[0], row), min(cur[1], hop)
        return True
    return False
