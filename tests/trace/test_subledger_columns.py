"""The sub-ledger's joins in whole columns give what their SQL gives, row for row and type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store.arrays import TIME
from fraudlink.store.compute import compute_connection
from fraudlink.trace.subledger import _seeded, _seeded_by_sql, _seeds_by_sql, _seeds_in

T0 = datetime(2026, 3, 1, tzinfo=UTC)
# (txn_id, minute, payee or None, terminal or None): few ids and minutes, so rows tie and meet.
ROW = st.tuples(st.integers(0, 12), st.integers(0, 5), st.one_of(st.none(), st.sampled_from("ab")),
                st.one_of(st.none(), st.sampled_from("tu")))  # fmt: skip
Row = tuple[int, int, str | None, str | None]


def ledger(rows: list[Row]) -> pa.Table:
    """Transactions from (txn_id, minute, payee, terminal); the rest follows from the txn_id."""
    return pa.table({
        "txn_id": pa.array([r[0] for r in rows], pa.int64()),
        "time": pa.array([T0 + timedelta(minutes=r[1]) for r in rows], TIME),
        "from_account": pa.array([f"p{r[0] % 3}" for r in rows], pa.string()),
        "to_account": pa.array([r[2] for r in rows], pa.string()),
        "amount_fen": pa.array([100 * r[0] for r in rows], pa.int64()),
        "channel": pa.array(["transfer"] * len(rows), pa.string()),
        "terminal": pa.array([r[3] for r in rows], pa.string()),
    })  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, max_size=12), st.lists(st.integers(0, 14), max_size=6), st.integers(0, 6))
def test_seeds_in_columns_are_the_sql(rows: list[Row], paid: list[int], until: int) -> None:
    x = ledger(rows)
    matched = pa.table({"report_id": pa.array([f"r{t}" for t in paid], pa.string()),
                        "txn_id": pa.array(paid, pa.int64())})  # fmt: skip
    as_of = T0 + timedelta(minutes=until)
    got = _seeds_in(compute_connection(), matched, as_of, x)
    distinct = len({r[0] for r in rows}) == len(rows) and len(set(paid)) == len(paid)
    assert (got is not None) == distinct  # else SQL's answer: a row per pair, in no set order
    if got is not None:
        want = _seeds_by_sql(compute_connection(), matched, as_of, x)
        assert got.equals(want) and got.schema == want.schema


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, max_size=10), st.lists(ROW, max_size=14))
def test_the_seeded_subledger_in_columns_is_the_sql(seed_rows: list[Row], rows: list[Row]) -> None:
    seeds = ledger(seed_rows)
    seeds = seeds.add_column(0, "report_id", pa.array([f"r{r[0]}" for r in seed_rows], pa.string()))
    tainted = ledger(rows)
    got = _seeded(compute_connection(), seeds, tainted)
    if got is None:  # a transaction twice, or in both tables as different rows
        ids = [r[0] for r in seed_rows], [r[0] for r in rows]
        both = {r[0]: r for r in rows}
        assert (len(set(ids[0])) < len(ids[0]) or len(set(ids[1])) < len(ids[1])
                or any(r[0] in both and both[r[0]] != r for r in seed_rows))  # fmt: skip
        return
    want = _seeded_by_sql(compute_connection(), seeds, tainted)
    assert got.equals(want) and got.schema == want.schema
