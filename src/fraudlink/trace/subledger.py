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
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.store.arrays import TIME, epoch_us
from fraudlink.store.compute import registered
from fraudlink.trace.ledger_book import LedgerBook

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
    among), are looked in instead of the store's whole ledger."""
    looked_in = nullcontext("transactions") if rows is None else registered(store.con, rows)
    with registered(store.con, matched.select(["report_id", "txn_id"]), "trace_matched") as name, \
            looked_in as ledger:  # fmt: skip
        return store.arrow(
            f"""select m.report_id, x.txn_id, x.time, x.from_account, x.to_account,
                       x.amount_fen, x.channel, x.terminal
                from {ledger} x join {name} m using (txn_id)
                where x.time <= ? and x.to_account is not null order by x.time, x.txn_id""",
            [as_of],
        )


def subledger(
    store: Store, seeds: pa.Table, as_of: datetime, max_hops: int, book: LedgerBook | None = None
) -> pa.Table:
    """The tainted sub-ledger for these seeds, sorted by time; report_id set on seed rows.

    Given the `LedgerBook` of the store's transactions, the frontier and the rows it taints are
    found in memory, and SQL only joins the seeds onto them, instead of scanning the ledger."""
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
    with registered(store.con, seeds, "trace_seeds") as s, \
            registered(store.con, tainted, "trace_tainted") as t:  # fmt: skip
        return store.con.sql(SEEDED_SQL.format(seeds=s, tainted=t)).to_arrow_table()


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
