"""Card-cutting in the engine: the ledger book's payments give the mule features' figures."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.detect.accounts_features import CASH_OUT_CHANNELS, LARGE_INFLOW_FEN
from fraudlink.detect.accounts_ledger import account_ledger_of, payment_columns
from fraudlink.detect.ledger_figures import LedgerFigures
from fraudlink.engine import detection
from fraudlink.engine.detection import book_payments
from fraudlink.engine.known import Flags
from fraudlink.engine.policy import STRATEGIES
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


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 300), st.lists(st.integers(1, 299), max_size=8))
def test_figures_kept_from_the_book_week_after_week_are_the_ledgers(
    seed: int, n: int, cuts: list[int]
) -> None:
    """The engine's weekly path: the book fed in pieces, its payments folded into figures kept
    from one score to the next, give at each score what the payments so far give afresh."""
    ledger = random_ledger(seed, n)
    book, figures = LedgerBook(), LedgerFigures()
    times = ledger.column("time").to_pylist()
    for a, b in pairwise(sorted({0, n, *(c for c in cuts if c < n)})):
        book.add(ledger.slice(a, b - a))
        now = times[b - 1]
        want = account_ledger_of(payment_columns(ledger.slice(0, b)), now).sort_by("account")
        assert figures.update(book_payments(book), now).sort_by("account").equals(want)


def test_figures_that_cannot_follow_the_book_are_counted_afresh() -> None:
    """A refusal of the kept figures costs time, not the weekly scores: the ledger's figures are
    counted from the whole book instead."""
    ledger = random_ledger(7, 200)
    book, figures = LedgerBook(), LedgerFigures()
    book.add(ledger)
    now = T0 + dt.timedelta(days=1)
    figures.update(book_payments(book), now)
    seen: list[pa.Table] = []

    def record(store: object, as_of: dt.datetime, reasons: bool, ledger: pa.Table) -> pa.Table:
        seen.append(ledger)
        return pa.table({"account": pa.array([], pa.string()), "score": pa.array([], pa.float64())})

    earlier = T0 + dt.timedelta(hours=1)  # before folded payments: the figures refuse
    with pytest.MonkeyPatch.context() as m:
        m.setattr(detection, "score_accounts", record)
        store = SimpleNamespace(con=SimpleNamespace(execute=lambda _: SimpleNamespace(
            fetchall=lambda: [(detection.MIN_LABELS,)])))  # fmt: skip
        detection.flag_accounts(store, Flags(), STRATEGIES["full"], earlier, book, figures)
    assert seen and seen[0].equals(account_ledger_of(book_payments(book), earlier))
