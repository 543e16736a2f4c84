"""The tainted sub-ledger: the transactions victims' money could have passed through, in SQL.

A recursive frontier over accounts (DuckDB `USING KEY`: one row per account, kept at its
earliest taint time and fewest hops) starts at the accounts the victims paid and follows every
transaction out of a reached account at or after its taint time, to `max_hops`. The sub-ledger is
then the seeds, every later transaction out of a reached account, and every transaction into one
from its taint time up to its last payment out: clean money mixes in, and inflows after the last
payment out change nobody's share. Nothing outside it is read by the lot accounting.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.store.arrays import (
    TIME,
    IntArray,
    column_us,
    epoch_us,
    sorted_distinct,
    valid_mask,
)
from fraudlink.store.compute import registered
from fraudlink.trace.ledger_book import COLUMNS, LedgerBook

FRONTIER_SQL = """
with recursive f(account, first_at, hop) using key (account) as (
  select to_account, min(time), 1 from {seeds} group by to_account
  union
  select x.to_account, least(min(x.time), any_value(g.first_at)),
         least(min(f.hop) + 1, any_value(g.hop))
  from f join {ledger} x on x.from_account = f.account and x.time >= f.first_at
  left join recurring.f g on g.account = x.to_account
  where f.hop < ? and x.to_account is not null and x.time <= ? and x.time >= {since}
  group by x.to_account
  having any_value(g.account) is null or min(x.time) < any_value(g.first_at)
      or min(f.hop) + 1 < any_value(g.hop)
)
select account, first_at, hop from f
"""

SUBLEDGER_SQL = """
with fr as ({frontier}),
outs as (
  select x.* from {ledger} x join fr on x.from_account = fr.account
  where x.time >= fr.first_at and x.time <= ? and x.time >= {since}
),
last_out as (select from_account as account, max(time) as last_at from outs group by 1),
ins as (
  select x.* from {ledger} x join fr on x.to_account = fr.account
  join last_out l on l.account = fr.account
  where x.time >= fr.first_at and x.time <= l.last_at and x.time >= {since}
),
rows as (
  select txn_id, time, from_account, to_account, amount_fen, channel, terminal from {seeds}
  union select txn_id, time, from_account, to_account, amount_fen, channel, terminal from outs
  union select txn_id, time, from_account, to_account, amount_fen, channel, terminal from ins
)
select r.*, s.report_id from rows r left join {seeds} s using (txn_id) order by r.time, r.txn_id
"""

_SEEDS_SQL = """
select m.report_id, x.txn_id, x.time, x.from_account, x.to_account, x.amount_fen, x.channel,
       x.terminal
from {ledger} x join {matched} m using (txn_id)
where x.time <= ? and x.to_account is not null order by x.time, x.txn_id
"""

# The book's tainted rows (`LedgerBook.tainted`) with the seeds, in SUBLEDGER_SQL's shape.
SEEDED_SQL = """
with rows as (
  select txn_id, time, from_account, to_account, amount_fen, channel, terminal from {seeds}
  union select txn_id, time, from_account, to_account, amount_fen, channel, terminal from {tainted}
)
select r.*, s.report_id from rows r left join {seeds} s using (txn_id) order by r.time, r.txn_id
"""


def seed_transactions(
    store: Store, matched: pa.Table, as_of: datetime, rows: pa.Table | None = None
) -> pa.Table:
    """The ledger rows of matched payments (report_id + transaction columns), up to as_of.

    `rows`, transactions that hold every matched one (the ledger book's rows that matching chose
    among), are looked in instead of the store's whole ledger, in whole columns."""
    picked = matched.select(["report_id", "txn_id"])
    if rows is not None:
        seeds = _seeds_in(store.con, picked, as_of, rows)
        if seeds is not None:
            return seeds
    return _seeds_by_sql(store.con, picked, as_of, "transactions" if rows is None else rows)


def subledger(
    store: Store, seeds: pa.Table, as_of: datetime, max_hops: int, book: LedgerBook | None = None
) -> pa.Table:
    """The tainted sub-ledger for these seeds, sorted by time; report_id set on seed rows.

    Given the `LedgerBook` of the store's transactions, the frontier and the rows it taints are
    found in memory, and joined with the seeds in whole columns, instead of scanning the ledger."""
    if book is None or seeds.num_rows == 0:
        return _subledger_sql(store.con, seeds, "transactions", as_of, max_hops)
    since = pc.min(seeds.column("time")).as_py()
    tainted = book.tainted(
        book.ids(seeds.column("to_account").to_pylist()),
        pc.cast(seeds.column("time"), TIME).cast(pa.int64()).to_numpy(),
        epoch_us(since),
        epoch_us(as_of),
        max_hops,
    )
    joined = _seeded(store.con, seeds, tainted)
    return joined if joined is not None else _seeded_by_sql(store.con, seeds, tainted)


def _seeds_by_sql(
    con: duckdb.DuckDBPyConnection, matched: pa.Table, as_of: datetime, rows: str | pa.Table
) -> pa.Table:
    """`seed_transactions` by SQL, from the store's table named `rows` or from a table."""
    looked_in = nullcontext(rows) if isinstance(rows, str) else registered(con, rows)
    with registered(con, matched, "trace_matched") as name, looked_in as ledger:
        sql = _SEEDS_SQL.format(ledger=ledger, matched=name)
        return con.sql(sql, params=[as_of]).to_arrow_table()


def _seeded_by_sql(con: duckdb.DuckDBPyConnection, seeds: pa.Table, tainted: pa.Table) -> pa.Table:
    """`SEEDED_SQL` itself: the seeds and the book's tainted rows, as one sub-ledger."""
    with registered(con, seeds, "trace_seeds") as s, \
            registered(con, tainted, "trace_tainted") as t:  # fmt: skip
        return con.sql(SEEDED_SQL.format(seeds=s, tainted=t)).to_arrow_table()


def _seeds_in(
    con: duckdb.DuckDBPyConnection, matched: pa.Table, as_of: datetime, rows: pa.Table
) -> pa.Table | None:
    """`_SEEDS_SQL` over `rows` in whole columns, in the schema SQL gives; None where the two
    could differ (a transaction twice in either table or with no time, a naive trace time)."""
    txn, paid = _distinct(rows, "txn_id"), _distinct(matched, "txn_id")
    if txn is None or paid is None or as_of.tzinfo is None or rows.column("time").null_count:
        return None
    x, m = _same(txn, paid)
    us = column_us(rows.column("time"))[0]
    keep = (us[x] <= epoch_us(as_of)) & valid_mask(rows.column("to_account"))[x]
    x, m = x[keep], m[keep]
    by_time = np.lexsort((txn[x], us[x]))
    out = rows.select(list(COLUMNS)).take(pa.array(x[by_time], pa.int64()))
    report = matched.column("report_id").take(pa.array(m[by_time], pa.int64()))
    out = out.add_column(0, "report_id", report)
    return out.cast(_schema_of(con, "seeds", matched, rows))


def _seeded(con: duckdb.DuckDBPyConnection, seeds: pa.Table, tainted: pa.Table) -> pa.Table | None:
    """`SEEDED_SQL` in whole columns, in the schema SQL gives; None where the two could differ
    (a transaction twice in either table, or in both but as different rows, or with no time)."""
    schema = _schema_of(con, "seeded", seeds, tainted)
    kinds = pa.schema([schema.field(c) for c in COLUMNS])
    a, b = seeds.select(list(COLUMNS)).cast(kinds), tainted.select(list(COLUMNS)).cast(kinds)
    seed_txn, txn = _distinct(a, "txn_id"), _distinct(b, "txn_id")
    if seed_txn is None or txn is None or a.column("time").null_count:
        return None
    if b.column("time").null_count:
        return None
    j, i = _same(txn, seed_txn)  # tainted row j is seed i: UNION keeps one of the two
    ti, tj = pa.array(i, pa.int64()), pa.array(j, pa.int64())
    for c in COLUMNS[1:]:
        x, y = a.column(c).take(ti), b.column(c).take(tj)
        same = pc.or_kleene(pc.equal(x, y), pc.and_(pc.is_null(x), pc.is_null(y)))
        if pc.all(pc.fill_null(same, False)).as_py() is False:
            return None
    only = np.ones(len(seed_txn), bool)
    only[i] = False
    rows = pa.concat_tables([b, a.filter(pa.array(only))])
    seed_of = np.full(len(txn), -1, np.int64)
    seed_of[j] = i
    seed_of = np.concatenate([seed_of, np.flatnonzero(only)])
    key = np.concatenate([txn, seed_txn[only]])
    by_time = np.lexsort((key, column_us(rows.column("time"))[0]))
    at = seed_of[by_time]
    report = seeds.column("report_id").take(pa.array(at, pa.int64(), mask=at < 0))
    out = rows.take(pa.array(by_time, pa.int64())).append_column("report_id", report)
    return out.cast(schema)


# What DuckDB's Arrow answer to each query is typed as, by the schemas of what it reads: the
# columnar steps give their answers in it (one query of empty tables for each new pair). The
# time zone on a timestamp column follows the session's, which every fraudlink connection sets
# to UTC, so the schemas alone key it.
_SCHEMAS: dict[tuple[str, pa.Schema, pa.Schema], pa.Schema] = {}


def _schema_of(
    con: duckdb.DuckDBPyConnection, query: str, left: pa.Table, right: pa.Table
) -> pa.Schema:
    """The schema SQL gives `_seeds_in` ("seeds": matched, rows) or `_seeded` ("seeded":
    seeds, tainted) for tables of these schemas."""
    key = (query, left.schema, right.schema)
    if key not in _SCHEMAS:
        empty = left.schema.empty_table(), right.schema.empty_table()
        if query == "seeds":
            got = _seeds_by_sql(con, empty[0], datetime(1970, 1, 1, tzinfo=UTC), empty[1])
        else:
            got = _seeded_by_sql(con, *empty)
        _SCHEMAS[key] = got.schema
    return _SCHEMAS[key]


def _distinct(table: pa.Table, column: str) -> IntArray | None:
    """An integer column as int64 when it has no null and no value twice, else None."""
    col = table.column(column)
    if col.null_count:
        return None
    values = np.asarray(col.to_numpy(), np.int64)
    return values if len(sorted_distinct(values)) == len(values) else None


def _same(keys: IntArray, wanted: IntArray) -> tuple[IntArray, IntArray]:
    """Positions (in `keys`, in `wanted`) of every value of `wanted` found in `keys`, both
    distinct."""
    order = np.argsort(keys, kind="stable")
    at = np.clip(np.searchsorted(keys[order], wanted), 0, max(len(keys) - 1, 0))
    found = np.flatnonzero(keys[order][at] == wanted) if len(keys) else wanted[:0]
    return order[at[found]].astype(np.int64), found.astype(np.int64)


def _subledger_sql(
    con: duckdb.DuckDBPyConnection, seeds: pa.Table, ledger: str, as_of: datetime, max_hops: int
) -> pa.Table:
    with registered(con, seeds, "trace_seeds") as name:
        since = _since(seeds)
        frontier = FRONTIER_SQL.format(seeds=name, since=since, ledger=ledger)
        sql = SUBLEDGER_SQL.format(frontier=frontier, seeds=name, since=since, ledger=ledger)
        return con.sql(sql, params=[max_hops, as_of, as_of]).to_arrow_table()


def frontier(store: Store, seeds: pa.Table, as_of: datetime, max_hops: int) -> pa.Table:
    """(account, first_at, hop) of every account the seeds' money could reach."""
    with registered(store.con, seeds, "trace_seeds") as name:
        sql = FRONTIER_SQL.format(seeds=name, since=_since(seeds), ledger="transactions")
        return store.arrow(sql, [max_hops, as_of])


def _since(seeds: pa.Table) -> str:
    """The earliest seed time as a literal bound: every taint time is at or after it, and a
    literal lets DuckDB skip the row groups of older transactions (a ledger stored in time
    order, as the engine's is, then costs what the period since the payments holds)."""
    first = pc.min(seeds.column("time")).as_py() if seeds.num_rows else None
    if first is None:
        return "'-infinity'::timestamptz"
    return f"'{first.isoformat()}'::timestamptz"
