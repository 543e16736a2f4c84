"""The accounts' payment figures from columns: the same table as the store's SQL, row for row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_rows import AMOUNTS, Row, at

from fraudlink.detect.accounts_features import (
    CASH_OUT_CHANNELS,
    LEDGER_COLUMNS,
    account_features,
    account_ledger,
)
from fraudlink.detect.accounts_ledger import account_ledger_of, payment_columns
from fraudlink.store import Store
from fraudlink.store.compute import registered

ACCOUNTS = [f"62{i:014d}" for i in range(7)]
ledgers = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.one_of(st.none(), st.sampled_from(ACCOUNTS)),
        st.integers(0, 240),  # minutes: across 06:00 China time, many sharing one
        st.integers(0, 2),  # microseconds: some share the second but not the instant
        st.sampled_from(AMOUNTS),
        st.sampled_from(["mobile", "counter", *CASH_OUT_CHANNELS]),
    ),
    min_size=1,
    max_size=60,
)


def as_table(rows: list[Row]) -> pa.Table:
    """A transactions table from (payer, payee, minute, µs, fen, channel) rows."""
    return pa.table(
        {
            "txn_id": pa.array(range(len(rows)), pa.int64()),
            "time": pa.array([at(m, u) for _, _, m, u, _, _ in rows], pa.timestamp("us", "UTC")),
            "from_account": [r[0] for r in rows],
            "to_account": pa.array([r[1] for r in rows], pa.string()),
            "amount_fen": pa.array([r[4] for r in rows], pa.int64()),
            "channel": [r[5] for r in rows],
            "terminal": pa.array([None] * len(rows), pa.string()),
        }
    )


def comparable(ledger: pa.Table) -> pa.Table:
    """The ledger sorted by account, each column in the type the features read it as."""
    cols = {}
    for name, sql_type in LEDGER_COLUMNS.items():
        col = ledger.column(name)
        if sql_type == "hugeint":  # the store's sums come out as 128-bit decimals
            col = pc.cast(col, pa.int64())
        cols[name] = col
    return pa.table(cols).sort_by("account")


@pytest.fixture(scope="module")
def scratch_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One empty store whose transactions each example replaces."""
    return Store(tmp_path_factory.mktemp("ledger") / "s.duckdb")


@settings(max_examples=120, deadline=None)
@given(ledgers, st.integers(0, 240), st.integers(0, 2), st.booleans())
def test_the_columns_give_the_stores_ledger(
    scratch_store: Store, rows: list[Row], until_min: int, until_us: int, in_time_order: bool
) -> None:
    # In time order, as the engine's book holds them, the times are ranked without a sort.
    if in_time_order:
        rows = sorted(rows, key=lambda r: (r[2], r[3]))
    ledger = as_table(rows)
    scratch_store.con.execute("delete from transactions")
    with registered(scratch_store.con, ledger, "given_ledger") as name:
        scratch_store.con.execute(f"insert into transactions by name select * from {name}")
    as_of = at(until_min, until_us)  # now and then exactly a payment's time
    want = comparable(account_ledger(scratch_store, as_of))
    got = comparable(account_ledger_of(payment_columns(ledger), as_of))
    assert got.to_pylist() == want.to_pylist()


def test_the_features_are_the_same_from_either_ledger(
    demo_store: Store, day: Callable[[int], dt.datetime]
) -> None:
    """On the demo world, the features with the ledger from columns are the store's, bit for bit."""
    at = day(10)
    payments = payment_columns(demo_store.arrow("select * from transactions order by txn_id"))
    ledger = account_ledger_of(payments, at)  # the table holds later payments: they are left out
    assert ledger.column("hold_s").null_count < ledger.num_rows
    assert pc.sum(ledger.column("cash_fen")).as_py() > 0
    want = account_features(demo_store, at)
    got = account_features(demo_store, at, ledger=ledger)
    assert got.schema.equals(want.schema)
    for name in want.column_names:
        assert got.column(name).equals(want.column(name)), name
