"""The payment figures kept fold by fold against `account_ledger_of`: equal tables after each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_rows import AMOUNTS, T0, Row, at

from fraudlink.detect import ledger_figures
from fraudlink.detect.accounts_features import CASH_OUT_CHANNELS
from fraudlink.detect.accounts_ledger import (
    NO_ACCOUNT,
    PaymentColumns,
    account_ledger_of,
    cash_out_mask,
    payment_columns,
)
from fraudlink.detect.ledger_figures import LedgerFigures
from fraudlink.store import Store
from fraudlink.store.arrays import epoch_us

ACCOUNTS = [f"62{i:014d}" for i in range(10)]
PAYERS, PAYEES = ACCOUNTS[:8], ACCOUNTS[3:]  # the first three only pay, the last two only receive
row_drawn = st.tuples(
    st.sampled_from(PAYERS),
    st.one_of(st.none(), st.sampled_from(PAYEES)),
    st.integers(0, 12).map(lambda m: 20 * m),  # few distinct minutes: many payments share one
    st.integers(0, 2),  # some share the second but not the microsecond
    st.sampled_from(AMOUNTS),
    st.sampled_from(["mobile", "counter", *CASH_OUT_CHANNELS]),
)
rows_drawn = st.lists(row_drawn, min_size=1, max_size=80)


def as_of_us(us: int) -> dt.datetime:
    """A time `us` microseconds after the start of the test's four hours."""
    return T0 + dt.timedelta(microseconds=us)


def in_time_order(rows: list[Row]) -> list[Row]:
    """The rows as the engine's book holds them: in time order, ties as drawn."""
    return sorted(rows, key=lambda r: (r[2], r[3]))


def ledger(rows: list[Row]) -> PaymentColumns:
    """The rows as the engine's book hands them over: accounts numbered as first seen."""
    ids: dict[str, int] = {}
    for payer, payee, *_ in rows:
        ids.setdefault(payer, len(ids))
        if payee is not None:
            ids.setdefault(payee, len(ids))
    t0 = epoch_us(T0)
    return PaymentColumns(
        accounts=pa.array(list(ids), pa.string()),
        payer=np.array([ids[r[0]] for r in rows], np.int64),
        payee=np.array([NO_ACCOUNT if r[1] is None else ids[r[1]] for r in rows], np.int64),
        time_us=np.array([t0 + r[2] * 60_000_000 + r[3] for r in rows], np.int64),
        amount_fen=np.array([r[4] for r in rows], np.int64),
        cash_out=cash_out_mask(pa.array([r[5] for r in rows], pa.string())),
    )


def start_us(rows: list[Row]) -> int:
    """Microseconds from the start of the test's four hours to the last of the rows."""
    return max((r[2] * 60_000_000 + r[3] for r in rows), default=0)


@settings(max_examples=300, deadline=None)
@given(rows_drawn, st.data())
def test_each_fold_gives_the_ledger_of_the_payments_so_far(
    rows: list[Row], data: st.DataObject
) -> None:
    rows = in_time_order(rows)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=6)))
    book = LedgerFigures()
    for end in [*cuts, len(rows)]:
        prefix = rows[:end]
        # Now and then exactly the last payment's time, or a tie with the next fold's first.
        as_of = as_of_us(start_us(prefix) + data.draw(st.sampled_from([0, 1, 60_000_000])))
        payments = ledger(prefix)
        got = book.update(payments, as_of)
        want = account_ledger_of(payments, as_of)
        assert got.equals(want), (got.to_pylist(), want.to_pylist())
        assert book.rows == end


@settings(max_examples=60, deadline=None)
@given(st.lists(row_drawn, min_size=20, max_size=60))
def test_one_payment_at_a_time(rows: list[Row]) -> None:
    """Folds of one payment each: many ties across folds, and more folds than the book keeps
    parts of ended holds (here two), so that it joins them."""
    rows = in_time_order(rows)
    book = LedgerFigures()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ledger_figures, "_HOLD_PARTS", 2)
        for end in range(1, len(rows) + 1):
            payments = ledger(rows[:end])
            as_of = as_of_us(start_us(rows[:end]))
            assert book.update(payments, as_of).equals(account_ledger_of(payments, as_of))


def test_a_new_inflow_at_an_old_outflows_instant_is_held_no_time() -> None:
    """Across a fold: the old outflow at the inflow's microsecond ends its hold; an earlier
    outflow does not, and the inflow waits for the next outflow of a later fold."""
    a, b, c = ACCOUNTS[3], ACCOUNTS[4], ACCOUNTS[5]
    rows: list[Row] = [
        (a, b, 0, 0, 500, "mobile"),
        (c, None, 20, 0, 100, "atm"),  # c's outflow, then in the next fold an inflow at its instant
        (b, None, 20, 1, 100, "mobile"),
        (a, c, 20, 0, 700, "mobile"),  # next fold: at c's outflow's instant
        (a, b, 20, 1, 900, "mobile"),  # next fold: at b's outflow's instant
        (a, c, 40, 0, 300, "mobile"),  # c has no later outflow: waits
        (c, a, 60, 0, 300, "mobile"),  # a later fold's outflow ends c's waiting hold
    ]
    rows = in_time_order(rows)
    book = LedgerFigures()
    for end in (2, 4, 5, 6, 7, 7):
        payments = ledger(rows[:end])
        as_of = as_of_us(start_us(rows[:end]))
        got, want = book.update(payments, as_of), account_ledger_of(payments, as_of)
        assert got.equals(want), (got.to_pylist(), want.to_pylist())
    holds = dict(zip(got["account"].to_pylist(), got["hold_s"].to_pylist(), strict=True))
    assert holds[c] == 600.0  # holds of 0 s (the tie) and 20 min: their middle
    assert holds[a] is None  # its one inflow came after its last outflow


def test_the_demo_worlds_ledger_week_by_week(
    demo_store: Store, day: Callable[[int], dt.datetime]
) -> None:
    """On the demo world, a week at a time, the figures are `account_ledger_of`'s."""
    txns = demo_store.arrow("select * from transactions order by time, txn_id")
    whole = payment_columns(txns)
    times = whole.time_us
    book = LedgerFigures()
    for week in range(1, 5):
        as_of = day(7 * week)
        end = int(np.searchsorted(times, epoch_us(as_of), "right"))
        p = PaymentColumns(whole.accounts, whole.payer[:end], whole.payee[:end], times[:end],
                           whole.amount_fen[:end], whole.cash_out[:end])  # fmt: skip
        assert book.update(p, as_of).equals(account_ledger_of(p, as_of))
    assert book.rows > 0


def refused(book: LedgerFigures, payments: PaymentColumns, as_of: dt.datetime, match: str) -> None:
    """The update is refused with a message saying why."""
    with pytest.raises(ValueError, match=match):
        book.update(payments, as_of)


ROWS: list[Row] = [
    (ACCOUNTS[0], ACCOUNTS[3], 0, 0, 100, "mobile"),
    (ACCOUNTS[3], ACCOUNTS[4], 20, 0, 100, "mobile"),
    (ACCOUNTS[4], None, 40, 0, 100, "atm"),
    (ACCOUNTS[3], ACCOUNTS[5], 60, 0, 100, "mobile"),
]
LATE = at(240)


def still_agrees(book: LedgerFigures) -> None:
    """After a refusal the book folds the whole ledger in as if it had never been asked."""
    payments = ledger(ROWS)
    assert book.update(payments, LATE).equals(account_ledger_of(payments, LATE))


def test_a_ledger_shorter_than_folded_is_refused() -> None:
    book = LedgerFigures()
    book.update(ledger(ROWS[:3]), LATE)
    refused(book, ledger(ROWS[:2]), LATE, "fewer than the 3 folded in")
    still_agrees(book)


def test_new_payments_out_of_time_order_are_refused() -> None:
    book = LedgerFigures()
    book.update(ledger(ROWS[:2]), LATE)
    swapped = [*ROWS[:2], ROWS[3], ROWS[2]]
    refused(book, ledger(swapped), LATE, "not in time order")
    before_folded = [*ROWS[:2], (ACCOUNTS[3], ACCOUNTS[4], 10, 0, 100, "mobile")]
    refused(book, ledger(before_folded), LATE, "not in time order")
    still_agrees(book)


def test_payments_later_than_as_of_are_refused() -> None:
    book = LedgerFigures()
    book.update(ledger(ROWS[:2]), at(20))
    refused(book, ledger(ROWS), at(59), "later than")
    refused(book, ledger(ROWS[:2]), at(19), "later than")  # no new rows, but folded ones later
    still_agrees(book)


def test_a_ledger_with_fewer_accounts_is_refused() -> None:
    book = LedgerFigures()
    payments = ledger(ROWS[:2])
    book.update(payments, LATE)
    fewer = PaymentColumns(payments.accounts.slice(0, 2), payments.payer, payments.payee,
                           payments.time_us, payments.amount_fen, payments.cash_out)  # fmt: skip
    refused(book, fewer, LATE, "fewer than the 3 seen")
    still_agrees(book)


def test_a_fold_that_fails_half_way_refuses_every_later_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fold that failed after counting some rows would count them twice if tried again."""
    book = LedgerFigures()
    book.update(ledger(ROWS[:2]), LATE)

    def fail(*_: object) -> None:
        raise RuntimeError("the medians' query failed")

    monkeypatch.setattr(ledger_figures, "hold_medians", fail)
    with pytest.raises(RuntimeError, match="medians"):
        book.update(ledger(ROWS), LATE)
    monkeypatch.undo()
    refused(book, ledger(ROWS), LATE, "failed half way")
