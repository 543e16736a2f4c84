"""Where each victim's money is now (资金查控): one pass over the tainted sub-ledger, all victims.

`trace_all` matches every reported payment to the ledger, pulls the tainted sub-ledger with one
recursive SQL frontier, replays it through the lot books of the chosen method (FIFO by default,
the 2016 rules' timestamp tracing; `pro_rata`; `poison`, the upper bound) and returns the hand-off
tables of `trace.schemas`. `trace_report` does the same for one victim; given a `LedgerIndex` it
reads the ledger from memory instead of the store.

Money a chain account pays an ordinary seller for goods has left the laundering chain: it is
recorded as a cash-out by goods (`trace.purchases`), not as money the seller holds. A seller is
judged against the chains traced; `trace_report` (one victim, by SQL or from a `LedgerIndex`)
judges against every report made by then, as the trace of every victim does, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.trace.holders import HolderBook
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.match_payments import MATCHED, match_payments, match_payments_in_book
from fraudlink.trace.purchases import GOODS, as_purchases, sellers_of_goods, spent_on_goods
from fraudlink.trace.replay import replay
from fraudlink.trace.subledger import seed_transactions, subledger
from fraudlink.trace.tables import (
    deposits_table,
    exits_table,
    positions_table,
    received_table,
    trail_table,
)

if TYPE_CHECKING:
    from fraudlink.trace.index import LedgerIndex

METHODS = ("fifo", "pro_rata", "poison")


@dataclass
class TraceResult:
    """The tables of one trace, with per-victim views."""

    method: str
    as_of: datetime
    matched: pa.Table  # (report_id, seq, txn_id, matched_by)
    positions: pa.Table  # POSITIONS
    exits: pa.Table  # EXITS
    trail_rows: pa.Table  # TRAIL
    paying: dict[str, str]  # report_id -> the victim's (first) paying account
    received: pa.Table  # RECEIVED: the transactions that brought victims' money into accounts

    def trail(self, report_id: str) -> pa.Table:
        """One victim's money trail, by hop then time."""
        t = self.trail_rows.filter(pc.equal(self.trail_rows.column("report_id"), report_id))
        return t.sort_by([("hop", "ascending"), ("time", "ascending"), ("txn_id", "ascending")])

    def positions_of(self, report_id: str) -> pa.Table:
        """Where one victim's money still is."""
        return self.positions.filter(pc.equal(self.positions.column("report_id"), report_id))

    def exits_of(self, report_id: str) -> pa.Table:
        """One victim's money that was cashed out or went past the depth limit."""
        return self.exits.filter(pc.equal(self.exits.column("report_id"), report_id))

    def deposits(self, account: str | None = None) -> pa.Table:
        """Victim-attributed deposits into one account (DEPOSITS), or into every account. A
        payment for goods is no deposit: the seller was paid in good faith, and returns
        (原路返还) come only out of money the victims' trail left on an account."""
        goods = self.exits.filter(pc.equal(self.exits.column("channel"), GOODS)).column("txn_id")
        trail = self.trail_rows.filter(pc.invert(pc.is_in(self.trail_rows.column("txn_id"), goods)))
        return deposits_table(trail, self.paying, account)


def ledger_end(store: Store) -> datetime:
    """The time of the last transaction: the default trace time."""
    t = store.arrow("select max(time) as t from transactions").column("t")[0].as_py()
    if t is None:
        raise LookupError("the store has no transactions")
    return t


def reported_by(store: Store, as_of: datetime, report_ids: list[str] | None) -> list[str]:
    """Reports made by the trace time (the engine may not see later ones)."""
    sql = "select report_id from victim_reports where reported_at <= ?"
    params: list[object] = [as_of]
    if report_ids is not None:
        sql += " and report_id in (select unnest(?::varchar[]))"
        params.append(report_ids)
    return store.arrow(sql + " order by 1", params).column("report_id").to_pylist()


def trace_all(
    store: Store,
    as_of: datetime | None = None,
    method: str = "fifo",
    max_hops: int = 6,
    report_ids: list[str] | None = None,
    book: LedgerBook | None = None,
    holders: HolderBook | None = None,
    every_chain: bool = False,
) -> TraceResult:
    """Trace every victim reported by `as_of` (or the given reports) in one pass; `book`, the
    store's transactions by account, spares matching and the sub-ledger scans of the whole
    ledger, and `holders` spares matching a look through every account for the victims' own.
    With `every_chain`, sellers of goods are judged against the chains of every report made by
    `as_of`, not only of those given (one more trace's sub-ledger, of all of them)."""
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r} ({', '.join(METHODS)})")
    as_of = as_of or ledger_end(store)
    reports = reported_by(store, as_of, report_ids)
    matched, near = _no_match(), None
    if reports and book is None:
        matched = match_payments(store, reports)
    elif reports and book is not None:
        # The matched payments' own rows are among those matching read from the book: the seeds
        # come from there, so no question at a tick reads the store's ledger.
        matched, near = match_payments_in_book(store, book, reports, holders=holders)
    every = None
    if every_chain and report_ids is not None and reports:
        every = (every_report_ledger(store, as_of, max_hops, book, holders) if book is not None
                 else _every_report_ledger_kept(store, as_of, max_hops))  # fmt: skip
    return trace_matched(store, matched, as_of, method, max_hops, book, near, every)


def every_report_ledger(
    store: Store,
    as_of: datetime,
    max_hops: int = 6,
    book: LedgerBook | None = None,
    holders: HolderBook | None = None,
) -> pa.Table:
    """The tainted sub-ledger of every victim reported by `as_of`: the chains sellers of goods
    are judged against."""
    reports = reported_by(store, as_of, None)
    if book is None:
        matched, near = match_payments(store, reports), None
    else:
        matched, near = match_payments_in_book(store, book, reports, holders=holders)
    seeds = seed_transactions(store, matched, as_of, near)
    return subledger(store, seeds, as_of, max_hops, book) if seeds.num_rows else seeds


# The last sub-ledger of every report built from a store file, and what it was built from. A
# trace of one victim by SQL (an order issued at the console, `fraudlink trace --report`) judges
# sellers on it, and building it takes seconds at city; between loads of the feeds it is the same
# for every trace time after the last transaction and report. Keyed by the file, not the `Store`:
# the console opens a `Store` on its cursor for every request. One entry: a server has one store.
_EVERY: dict[str, tuple[tuple[object, ...], pa.Table]] = {}


def _every_report_ledger_kept(store: Store, as_of: datetime, max_hops: int) -> pa.Table:
    """`every_report_ledger` of the store's own ledger, kept until the feeds it reads grow."""
    counts = store.con.execute(
        "select (select count(*) from transactions), (select max(time) from transactions), "
        "(select count(*) from victim_reports), (select max(reported_at) from victim_reports), "
        "(select count(*) from report_payments), (select count(*) from bank_accounts)"
    ).fetchall()[0]
    last = max((t for t in (counts[1], counts[3]) if t is not None), default=None)
    # Any trace time at or after the last transaction and report sees the same rows and reports.
    key = (*counts, max_hops, as_of if last is None or as_of < last else "everything")
    path = str(store.path.resolve())
    kept = _EVERY.get(path)
    if kept is None or kept[0] != key:
        kept = (key, every_report_ledger(store, as_of, max_hops))
        _EVERY.clear()
        _EVERY[path] = kept
    return kept[1]


def trace_matched(
    store: Store,
    matched: pa.Table,
    as_of: datetime,
    method: str = "fifo",
    max_hops: int = 6,
    book: LedgerBook | None = None,
    rows: pa.Table | None = None,
    every: pa.Table | None = None,
) -> TraceResult:
    """Trace from payments already matched (report_id, txn_id): e.g. confirmed by the desk.

    `rows`, transactions holding every matched one, are where the seeds are looked up instead
    of the store's ledger (see `seed_transactions`). `every`, a sub-ledger holding these
    victims' chains and others' (`every_report_ledger`), is where sellers of goods are found
    and what they are judged against; by default these victims' own."""
    seeds = seed_transactions(store, matched, as_of, rows)
    if seeds.num_rows == 0:
        return result_from_ledger(seeds, matched, method, max_hops, as_of)
    ledger = subledger(store, seeds, as_of, max_hops, book)
    judged = ledger
    if every is not None:
        # These victims' own rows too, where `every` matched their payments otherwise.
        judged = pa.concat_tables([every, ledger.select(every.schema.names).cast(every.schema)])
    ledger = as_purchases(ledger, sellers_of_goods(store, judged, as_of, book))
    return result_from_ledger(ledger, matched, method, max_hops, as_of)


def trace_report(
    store: Store,
    report_id: str,
    as_of: datetime | None = None,
    method: str = "fifo",
    max_hops: int = 6,
    index: LedgerIndex | None = None,
) -> TraceResult:
    """Trace one victim: from the store by SQL, or from an in-memory `LedgerIndex`; either way
    sellers of goods are judged against every victim's chain, as `trace_all` judges them."""
    if index is None:
        return trace_all(store, as_of, method, max_hops, [report_id], every_chain=True)
    return index.trace(report_id, as_of, method, max_hops)


def result_from_ledger(
    ledger: pa.Table, matched: pa.Table, method: str, max_hops: int, as_of: datetime
) -> TraceResult:
    """Replay a time-ordered sub-ledger (report_id set on seed rows) into a TraceResult."""
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r} ({', '.join(METHODS)})")
    n = ledger.num_rows
    ends = pa.chunked_array(
        [*ledger.column("from_account").chunks, *ledger.column("to_account").chunks],
        pa.string(),
    ).combine_chunks()
    enc = ends.dictionary_encode()
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
    reports = ledger.column("report_id").combine_chunks()
    renc = reports.dictionary_encode()
    seed = pc.fill_null(renc.indices, -1).to_numpy(zero_copy_only=False)
    victims = renc.dictionary.to_pylist()
    # Money paid for goods leaves the ledger at the seller's account, as at an ATM.
    to = np.where(spent_on_goods(ledger), -1, codes[n:]) if n else codes[n:]
    flows = replay(
        codes[:n].tolist(),
        to.tolist(),
        ledger.column("amount_fen").to_numpy().tolist(),
        seed.tolist(),
        method,
        max_hops,
    )
    paying: dict[str, str] = {}
    for r, a in zip(reports.to_pylist(), ledger.column("from_account").to_pylist(), strict=True):
        if r is not None:
            paying.setdefault(r, a)
    trail = trail_table(ledger, flows, victims, method)
    return TraceResult(
        method=method,
        as_of=as_of,
        matched=matched,
        positions=positions_table(ledger, flows, victims, enc.dictionary, method, as_of),
        exits=exits_table(ledger, flows, victims, method),
        trail_rows=trail,
        paying=paying,
        received=received_table(trail, ledger),
    )


def _no_match() -> pa.Table:
    return MATCHED.empty_table()


def deposits(store: Store, account: str, as_of: datetime | None = None) -> pa.Table:
    """DEPOSITS of one account under FIFO: the victims' money it received (for return plans)."""
    return trace_all(store, as_of).deposits(account)
