"""The ledger book: rows by account grown batch by batch, and the same answers as the SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.store.arrays import epoch_us
from fraudlink.store.compute import compute_connection, registered
from fraudlink.trace import ledger_book
from fraudlink.trace.engine import ledger_end, trace_all
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.ranking import hold_times
from fraudlink.trace.subledger import FRONTIER_SQL, subledger

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Merge and combine after a handful of rows, so small tests walk every path of the book."""
    monkeypatch.setattr(ledger_book, "_MIN_TAIL", 3)
    monkeypatch.setattr(ledger_book, "_TAIL_SHARE", 2)
    monkeypatch.setattr(ledger_book, "_RECENT_SHARE", 2)
    monkeypatch.setattr(ledger_book, "_FAN_IN", 3)


def book_of(ledger: pa.Table, cuts: list[int]) -> LedgerBook:
    """A book fed the ledger in pieces cut at the given row numbers."""
    book = LedgerBook()
    bounds = [0, *sorted({c for c in cuts if 0 < c < ledger.num_rows}), ledger.num_rows]
    for a, b in pairwise(bounds):
        book.add(ledger.slice(a, b - a))
    assert book.rows == ledger.num_rows
    return book


def test_trace_with_the_book_equals_trace_without(store: Store) -> None:
    ledger = store.arrow("select * from transactions order by time, txn_id")
    rng = np.random.default_rng(7)
    book = book_of(ledger, rng.integers(0, ledger.num_rows, 40).tolist())
    end = ledger_end(store)
    first = store.arrow("select min(reported_at) as t from victim_reports")["t"][0].as_py()
    for as_of in (end, first + (end - first) / 2):
        a = trace_all(store, as_of, max_hops=5)
        b = trace_all(store, as_of, max_hops=5, book=book)
        assert a.trail_rows.num_rows and a.matched.num_rows
        assert a.matched.equals(b.matched)
        assert a.trail_rows.equals(b.trail_rows)
        assert a.positions.equals(b.positions)
        assert a.exits.equals(b.exits)
        accounts = a.positions.column("account").to_pylist()
        assert hold_times(store, accounts, as_of) == hold_times(store, accounts, as_of, book)


def test_a_book_fed_out_of_time_order_gives_the_same_holds(store: Store) -> None:
    ledger = store.arrow("select * from transactions order by txn_id desc")
    book = book_of(ledger, list(range(0, ledger.num_rows, 997)))
    accounts = store.arrow(
        "select to_account from transactions where to_account is not null "
        "group by 1 order by count(*) desc limit 50"
    ).column("to_account")
    now = ledger_end(store)
    got = hold_times(store, accounts.to_pylist(), now, book)
    assert got and got == hold_times(store, accounts.to_pylist(), now)


# Card numbers, and two the book numbers through its dict (a leading zero, a letter): both kinds
# of account id are handed out in one sequence.
ACCOUNTS = [f"62{i:014d}" for i in range(6)] + ["0620000000000006", "62-EXT-7"]
Row = tuple[str, str | None, int, int]
ledgers = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.one_of(st.none(), st.sampled_from(ACCOUNTS)),
        st.integers(0, 30),  # minutes: many payments share a time, as in real feeds
        st.integers(0, 2),  # microseconds: and some share the second but not the instant
    ),
    min_size=1,
    max_size=60,
)


def at(minute: int, us: int = 0) -> datetime:
    """A time in the test's half hour."""
    return T0 + timedelta(minutes=minute, microseconds=us)


def as_table(rows: list[Row]) -> pa.Table:
    """A transactions table from (payer, payee, minute, µs) rows, in the given (arrival) order."""
    return pa.table(
        {
            "txn_id": pa.array(range(len(rows)), pa.int64()),
            "time": pa.array([at(m, u) for _, _, m, u in rows], pa.timestamp("us", "UTC")),
            "from_account": [r[0] for r in rows],
            "to_account": pa.array([r[1] for r in rows], pa.string()),
            "amount_fen": pa.array([100] * len(rows), pa.int64()),
            "channel": ["mobile"] * len(rows),
            "terminal": pa.array([None] * len(rows), pa.string()),
        }
    )


@settings(max_examples=80, deadline=None)
@given(ledgers, st.lists(st.integers(0, 60), max_size=6), st.integers(1, 4), st.integers(0, 30),
       st.integers(0, 59), st.integers(1, 2))  # fmt: skip
def test_reach_is_the_sql_frontier(
    rows: list[Row], cuts: list[int], max_hops: int, until_min: int, first_seed: int, n_seeds: int
) -> None:
    ledger = as_table(rows)
    book = book_of(ledger, cuts)
    paid = ledger.filter(pa.compute.is_valid(ledger.column("to_account")))
    seeds = paid.slice(first_seed % max(paid.num_rows, 1), n_seeds)
    if seeds.num_rows == 0:
        return
    until = at(until_min, 1)
    con = compute_connection()
    with registered(con, ledger, "book_ledger") as name, registered(con, seeds, "book_seeds") as s:
        sql = FRONTIER_SQL.format(seeds=s, since="'-infinity'::timestamptz", ledger=name)
        want = set(con.sql(sql, params=[max_hops, until]).to_arrow_table()["account"].to_pylist())
    seed_us = pa.compute.cast(seeds.column("time"), pa.int64()).to_numpy()
    got = book.reach(book.ids(seeds.column("to_account").to_pylist()), seed_us, epoch_us(until),
                     max_hops)  # fmt: skip
    names = {i: a for a, i in zip(ACCOUNTS, book.ids(ACCOUNTS).tolist(), strict=True)}
    assert {names[i] for i in got.tolist()} == want


@settings(max_examples=80, deadline=None)
@given(ledgers, st.lists(st.integers(0, 60), max_size=6),
       st.lists(st.tuples(st.sampled_from(ACCOUNTS), st.booleans(), st.integers(0, 30),
                          st.integers(0, 30)), max_size=4))  # fmt: skip
def test_around_finds_every_row_in_the_windows(
    rows: list[Row], cuts: list[int], windows: list[tuple[str, bool, int, int]]
) -> None:
    book = book_of(as_table(rows), cuts)
    payee = np.array([p for _, p, _, _ in windows], bool)
    ids = book.ids([a for a, _, _, _ in windows])
    spans = [sorted((at(a, 1), at(b, 1))) for _, _, a, b in windows]
    lo = np.array([epoch_us(x) for x, _ in spans], np.int64)
    hi = np.array([epoch_us(y) for _, y in spans], np.int64)
    got = book.around(ids[payee], lo[payee], hi[payee], ids[~payee], lo[~payee], hi[~payee])
    txn = got.column("txn_id").to_pylist()
    assert txn == sorted(set(txn))
    want = {i for i, (f, t, m, u) in enumerate(rows) for (a, into, _, _), (x, y) in
            zip(windows, spans, strict=True) if (t if into else f) == a and x <= at(m, u) <= y}
    assert want <= set(txn)
    touched = {a for a, _, _, _ in windows}
    assert all(rows[i][0] in touched or rows[i][1] in touched for i in txn)


@pytest.fixture(scope="module")
def scratch_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One empty store whose transactions each example replaces."""
    return Store(tmp_path_factory.mktemp("subledger") / "s.duckdb")


def both_hold(store: Store, ledger: pa.Table, cuts: list[int]) -> LedgerBook:
    """Give the store exactly this ledger, and return a book of it fed in pieces."""
    store.con.execute("delete from transactions")
    with registered(store.con, ledger, "given_ledger") as name:
        store.con.execute(f"insert into transactions by name select * from {name}")
    return book_of(ledger, cuts)


@settings(max_examples=80, deadline=None)
@given(ledgers, st.lists(st.integers(0, 60), max_size=6), st.integers(1, 4), st.integers(0, 30),
       st.lists(st.integers(0, 59), min_size=1, max_size=3))  # fmt: skip
def test_the_books_subledger_is_the_stores(
    scratch_store: Store,
    rows: list[Row],
    cuts: list[int],
    max_hops: int,
    until_min: int,
    seed_rows: list[int],
) -> None:
    book = both_hold(scratch_store, as_table(rows), cuts)
    until = at(until_min, 1)
    seeds = scratch_store.arrow(
        "select 'r' || txn_id as report_id, txn_id, time, from_account, to_account, amount_fen,"
        " channel, terminal from transactions where txn_id in (select unnest(?::bigint[]))"
        " and to_account is not null and time <= ? order by time, txn_id",
        [sorted({r % len(rows) for r in seed_rows}), until],
    )
    if seeds.num_rows == 0:
        return
    want = subledger(scratch_store, seeds, until, max_hops)
    got = subledger(scratch_store, seeds, until, max_hops, book)
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()


@settings(max_examples=80, deadline=None)
@given(ledgers, st.lists(st.integers(0, 60), max_size=6), st.sets(st.sampled_from(ACCOUNTS)),
       st.integers(0, 30), st.integers(0, 2))  # fmt: skip
def test_the_books_hold_times_are_the_stores(
    scratch_store: Store,
    rows: list[Row],
    cuts: list[int],
    wanted: set[str],
    until_min: int,
    until_us: int,
) -> None:
    book = both_hold(scratch_store, as_table(rows), cuts)
    until = at(until_min, until_us)  # now and then exactly a payment's time
    accounts = [*sorted(wanted), "62999999999999999"]  # and one the book has never seen
    assert hold_times(scratch_store, accounts, until, book) == hold_times(
        scratch_store, accounts, until
    )


def test_with_the_book_tracing_reads_no_ledger_from_the_store(
    trace_db: Path, tmp_path: Path
) -> None:
    """The engine writes the ledger into its store in big deferred inserts, and traces at every
    tick in between: every row tracing needs must come from the book."""
    with Store(trace_db, read_only=True) as full:
        ledger = full.arrow("select * from transactions order by time, txn_id")
        end = ledger_end(full)
        want = trace_all(full, end, max_hops=5)
    with Store(tmp_path / "no-ledger.duckdb") as bare:
        bare.con.execute(f"attach '{trace_db}' as src (read_only)")
        for table in bare.tables():
            if table != "transactions":
                bare.con.execute(f'insert into "{table}" select * from src."{table}"')
        bare.con.execute("detach src")
        assert bare.count("transactions") == 0
        got = trace_all(bare, end, max_hops=5, book=book_of(ledger, [len(ledger) // 2]))
    assert want.matched.num_rows and want.positions.num_rows
    assert got.matched.equals(want.matched)
    assert got.trail_rows.equals(want.trail_rows)
    assert got.positions.equals(want.positions)


@settings(max_examples=150, deadline=None)
@given(ledgers, st.lists(st.integers(0, 60), max_size=30), st.integers(2, 4), st.data())
def test_takes_are_a_take_of_the_whole(
    rows: list[Row], cuts: list[int], fan_in: int, data: st.DataObject
) -> None:
    # The tiers of parts combined as they fill, after each insert: the same rows as one table.
    ledger = as_table(rows)
    ledger_book._FAN_IN = fan_in  # put back by the autouse fixture
    book = LedgerBook()
    bounds = [0, *sorted({c for c in cuts if 0 < c < ledger.num_rows}), ledger.num_rows]
    for a, b in pairwise(bounds):
        book.add(ledger.slice(a, b - a))
        assert book._starts == [0, *np.cumsum([p.num_rows for p in book._parts]).tolist()]
        assert all(t >= u for t, u in pairwise(book._tiers))
        assert all(book._tiers.count(t) < fan_in for t in set(book._tiers))
        taken = data.draw(st.lists(st.integers(0, b - 1), max_size=b, unique=True))
        want = ledger.slice(0, b).take(pa.array(sorted(taken), pa.int64()))
        assert book._take(np.array(sorted(taken), np.int64)).equals(want)
    assert book.column("txn_id").equals(ledger.column("txn_id"))


IntArray = npt.NDArray[np.int64]
ONE_RUN = 2**62  # a recent-run share that sends every merge on into the main run


def merged_after(merged: int, n: int) -> int:
    """The rows below which the book has sorted, by the rule of one sorted part and a tail."""
    tail = n - merged
    return n if tail > max(ledger_book._MIN_TAIL, merged // ledger_book._TAIL_SHARE) else merged


def seconds(us: IntArray | int) -> IntArray:
    """Epoch µs to the book's whole seconds."""
    return np.clip(np.floor_divide(us, 1_000_000), 0, (1 << 32) - 1)


def scan_rows_of(
    key: IntArray, us: IntArray, merged: int, ids: IntArray, lo: IntArray, hi: IntArray
) -> IntArray:
    """`_rows_of` by a scan of every row: the sorted rows of the accounts within their windows
    by (account, second, row), then the tail rows of the accounts by row."""
    if not len(ids):
        return np.empty(0, np.int64)
    sec, row = seconds(us), np.arange(len(key))
    at = np.searchsorted(ids, key).clip(0, len(ids) - 1)
    asked = ids[at] == key
    inside = asked & (sec >= seconds(lo)[at]) & (sec <= seconds(hi)[at]) & (row < merged)
    hits = row[inside]
    hits = hits[np.lexsort((hits, sec[hits], key[hits]))]
    return np.concatenate([hits, row[asked & (row >= merged)]])


def scan_holds(book: LedgerBook, merged: int, ids: IntArray, until: int) -> list[tuple[int, ...]]:
    """`holds` by a scan: each inflow (in `_rows_of` order) with the first outflow after it."""
    frm, dst, us = book.columns()
    known = sorted(set(ids.tolist()) - {ledger_book.NO_ACCOUNT})
    first_at = {a: ids.tolist().index(a) for a in known}
    wanted = np.array(known, np.int64)
    lo, hi = np.zeros(len(wanted), np.int64), np.full(len(wanted), until)
    into = scan_rows_of(dst, us, merged, wanted, lo, hi)
    outs = {a: sorted(us[(frm == a) & (us <= until)].tolist()) for a in known}
    got = []
    for r in into[us[into] <= until].tolist():
        later = [t for t in outs[int(dst[r])] if t >= us[r]]
        if later:
            got.append((first_at[int(dst[r])], int(us[r]), later[0]))
    return got


def check_runs(book: LedgerBook, merged: int) -> None:
    """Each side: both runs sorted by (key, row), the recent rows newer than the main ones, and
    together the rows below `merged`, each under its own key."""
    frm, dst, us = book.columns()
    for side, key in ((book._out, frm), (book._in, dst)):
        assert side.merged == merged
        for keys, rows in ((side.keys, side.rows), (side.recent_keys, side.recent_rows)):
            assert np.array_equal(keys, (key[rows] << 32) | seconds(us[rows]))
            assert np.array_equal(np.lexsort((rows, keys)), np.arange(len(rows)))
        if len(side.rows) and len(side.recent_rows):
            assert side.rows.max() < side.recent_rows.min()
        rows = np.sort(np.concatenate([side.rows, side.recent_rows]))
        assert np.array_equal(rows, np.arange(merged))


def ask_both_sides(
    book: LedgerBook, merged: int, ids: IntArray, lo: IntArray, hi: IntArray
) -> None:
    """Every side's rows of the windows, and `around` of them, are the scan's."""
    frm, dst, us = book.columns()
    for side, key in ((book._out, frm), (book._in, dst)):
        want = scan_rows_of(key, us, merged, ids, lo, hi)
        assert np.array_equal(book._rows_of(side, key, ids, lo, hi), want)
    got = book.around(ids, lo, hi, ids, lo, hi).column("txn_id").to_numpy()
    want = np.concatenate([scan_rows_of(k, us, merged, ids, lo, hi) for k in (frm, dst)])
    assert np.array_equal(got, np.unique(want))  # txn_id is the row number here


def test_the_runs_answer_as_the_one_sorted_part_did(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of rows in small batches, out of time order and many to a second: after each
    batch the runs hold what one sorted part held, and every question's answer is a scan's (in
    the same order), or else the answer of a book kept in one sorted run."""
    monkeypatch.setattr(ledger_book, "_TAIL_SHARE", 8)
    rng = np.random.default_rng(25)
    names = ACCOUNTS + [f"62{i:014d}" for i in range(8, 40)]
    n = 3000
    minute = np.clip(np.sort(rng.integers(0, 600, n)) + rng.integers(-20, 21, n), 0, None)
    payer, payee = rng.integers(0, len(names), n), rng.integers(-1, len(names), n)  # -1: cash out
    rows = [
        (names[f], None if t < 0 else names[t], int(m), int(u))
        for f, t, m, u in zip(payer, payee, minute, rng.integers(0, 3, n), strict=True)
    ]
    ledger = as_table(rows)
    book, one_run = LedgerBook(), LedgerBook()
    merged, main_merges, recent_kept = 0, 0, 0
    cuts = np.cumsum(rng.integers(1, 25, n))
    for a, b in pairwise([0, *cuts[cuts < n].tolist(), n]):
        main = len(book._out.keys)
        monkeypatch.setattr(ledger_book, "_RECENT_SHARE", 2)
        book.add(ledger.slice(a, b - a))
        monkeypatch.setattr(ledger_book, "_RECENT_SHARE", ONE_RUN)
        one_run.add(ledger.slice(a, b - a))
        merged = merged_after(merged, b)
        check_runs(book, merged)
        main_merges += len(book._out.keys) != main
        recent_kept += len(book._out.recent_keys) > 0 and book._out.merged == b
        ids = np.sort(rng.choice(len(names), rng.integers(1, 8), replace=False))
        ids = book.ids([names[i] for i in ids])
        ids = np.sort(ids[ids != ledger_book.NO_ACCOUNT])
        spans = np.sort(epoch_us(T0) + rng.integers(0, 620 * 60_000_000, (len(ids), 2)), axis=1)
        ask_both_sides(book, merged, ids, spans[:, 0], spans[:, 1])
        until = epoch_us(at(int(rng.integers(0, 620))))
        asked = book.ids([names[i] for i in rng.integers(0, len(names), 6)] + ["62-NEVER"])
        got = book.holds(asked, until)
        assert list(zip(*(x.tolist() for x in got), strict=True)) == scan_holds(
            book, merged, asked, until
        )
        for x, y in zip(got, one_run.holds(asked, until), strict=True):
            assert np.array_equal(x, y)
        seeds = rng.integers(0, b, 3)
        seed_to = book.columns()[1][seeds]
        seed_us = book.columns()[2][seeds]
        since = until - 240 * 60_000_000
        reached = book.reach(seed_to, seed_us, until, 3)
        assert np.array_equal(reached, one_run.reach(seed_to, seed_us, until, 3))
        assert book.tainted(seed_to, seed_us, since, until, 3).equals(
            one_run.tainted(seed_to, seed_us, since, until, 3)
        )
    # Both levels of merge ran, again and again: the test walked the paths it is about.
    assert main_merges >= 5 and recent_kept >= 5


@settings(max_examples=80, deadline=None)
@given(ledgers, st.lists(st.integers(0, 60), max_size=30),
       st.lists(st.tuples(st.sampled_from(ACCOUNTS), st.integers(0, 30), st.integers(0, 30)),
                max_size=4))  # fmt: skip
def test_each_sides_rows_are_a_scans_after_every_batch(
    rows: list[Row], cuts: list[int], windows: list[tuple[str, int, int]]
) -> None:
    ledger = as_table(rows)
    book, merged = LedgerBook(), 0
    bounds = [0, *sorted({c for c in cuts if 0 < c < ledger.num_rows}), ledger.num_rows]
    for a, b in pairwise(bounds):
        book.add(ledger.slice(a, b - a))
        merged = merged_after(merged, b)
        check_runs(book, merged)
        ids = book.ids([a for a, _, _ in windows])
        keep = np.flatnonzero(ids != ledger_book.NO_ACCOUNT)
        keep = keep[np.unique(ids[keep], return_index=True)[1]]  # each account once
        lo = np.array([epoch_us(at(x, 1)) for _, x, _ in windows], np.int64)[keep]
        hi = np.array([epoch_us(at(y, 1)) for _, _, y in windows], np.int64)[keep]
        ask_both_sides(book, merged, ids[keep], lo, hi)  # a window may end before it starts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 2), st.integers(0, 4), st.integers(0, 2)), max_size=60),
       st.booleans())  # fmt: skip
def test_a_sorted_run_is_a_stable_sort_of_its_keys(
    rows: list[tuple[int, int, int]], wide: bool
) -> None:
    # Few accounts and seconds pack into one word with the position; an account id and seconds
    # spanning the whole key take the argsort. Either way ties keep their order.
    ids = np.array([i for i, _, _ in rows], np.int64)
    us = np.array([s * 1_000_000 + u for _, s, u in rows], np.int64)
    if wide:
        ids = np.r_[2**31 - 1, ids, -1]
        us = np.r_[-1, us, 2**52]
    if not len(ids):
        return
    keys, order = ledger_book._sorted_run(ids, us)
    want = (ids << 32) | seconds(us)
    assert np.array_equal(order, np.argsort(want, kind="stable"))
    assert np.array_equal(keys, want[order])
