"""Card-cutting in the engine: the ledger book's payments give the mule features' figures."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.detect.accounts_features import CASH_OUT_CHANNELS, LARGE_INFLOW_FEN
from fraudlink.detect.accounts_ledger import account_ledger_of, payment_columns
from fraudlink.engine.detection import book_payments
from fraudlink.trace.ledger_book import LedgerBook

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def random_ledger(seed: int, n: int) -> pa.Table:
    """`n` payments among a dozen accounts over a day, some leaving the banking system."""
    rng = np.random.default_rng(seed)
    accounts = np.array([f"62{i:014d}" for i in range(12)], object)
    payee = accounts[rng.integers(0, 12, n)]
    payee[rng.random(n) < 0.2] = None
    us = np.sort(rng.integers(0, 86_400_000_000, n))
    return pa.table({
        "txn_id": pa.array(np.arange(n), pa.int64()),
        "time": pa.array([T0 + dt.timedelta(microseconds=int(u)) for u in us],
                         pa.timestamp("us", "UTC")),
        "from_account": pa.array(accounts[rng.integers(0, 12, n)], pa.string()),
        "to_account": pa.array(payee, pa.string()),
        "amount_fen": pa.array(rng.choice([100, 10_000, LARGE_INFLOW_FEN, 777], n), pa.int64()),
        "channel": pa.array(rng.choice(["mobile", *CASH_OUT_CHANNELS], n), pa.string()),
        "terminal": pa.array([None] * n, pa.string()),
    })  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 300), st.lists(st.integers(1, 299), max_size=8),
       st.integers(0, 24))  # fmt: skip
def test_the_books_payments_give_the_ledgers_figures(
    seed: int, n: int, cuts: list[int], hour: int
) -> None:
    ledger = random_ledger(seed, n)
    book = LedgerBook()
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    for a, b in pairwise(bounds):
        book.add(ledger.slice(a, b - a))
    now = T0 + dt.timedelta(hours=hour)
    got = account_ledger_of(book_payments(book), now).sort_by("account")
    want = account_ledger_of(payment_columns(ledger), now).sort_by("account")
    assert got.equals(want)
