"""An order's checks name real transactions: the receiving institution stops only on a match.

domain.md: the institution "checks account name, account number, amount and time; it stops only
on a match". The checks must therefore be those of transactions the ledger holds (the ones that
brought the victims' money in), not the summed held amount at the time of the last inflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.trace.engine import ledger_end, trace_all
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.orders import Order, propose_stop_payments


def ledger_rows(store: Store) -> dict[int, tuple[dt.datetime, str | None, int]]:
    """txn_id → (time, payee, amount) of every transaction."""
    rows = store.con.execute("select txn_id, time, to_account, amount_fen from transactions")
    return {t: (at, to, fen) for t, at, to, fen in rows.fetchall()}


def assert_checks_match_the_ledger(
    orders: list[Order], ledger: dict[int, tuple[dt.datetime, str | None, int]], now: dt.datetime
) -> None:
    for o in orders:
        checks: dict[str, Any] = o.checks
        assert (checks["account_name"], checks["account_number"]) == (o.account_name, o.account)
        txns = checks.get("transactions")
        assert txns, (o.order_id, checks)
        for t in txns:
            at, to, fen = ledger[t["txn_id"]]
            named = (o.account, t["amount_fen"], dt.datetime.fromisoformat(t["time"]))
            assert named == (to, fen, at), (o.order_id, t)
            assert at <= now
        assert [t["txn_id"] for t in txns] == sorted({t["txn_id"] for t in txns},
                                                     key=lambda i: (ledger[i][0], i))  # fmt: skip
        # The single transaction named at the top is the latest of them.
        assert {k: checks[k] for k in ("txn_id", "amount_fen", "time")} == txns[-1]


def times(store: Store) -> st.SearchStrategy[dt.datetime]:
    first = store.arrow("select min(time) as t from transactions")["t"][0].as_py()
    return st.datetimes(min_value=first.replace(tzinfo=None),
                        max_value=ledger_end(store).replace(tzinfo=None),
                        timezones=st.just(dt.UTC))  # fmt: skip


def test_every_stop_orders_checks_match_transactions_in_the_ledger(store: Store) -> None:
    ledger = ledger_rows(store)
    book = LedgerBook()
    book.add(store.arrow("select * from transactions order by time, txn_id"))

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(now=times(store))
    def check(now: dt.datetime) -> None:
        r = trace_all(store, now)
        held = r.positions.filter(pc.greater(r.positions.column("amount_fen"), 0))
        got = {
            "received": propose_stop_payments(store, r.positions, now, received=r.received),
            "store": propose_stop_payments(store, r.positions, now),
            "book": propose_stop_payments(store, r.positions, now, book=book),
        }
        for orders in got.values():
            assert [o.account for o in orders] == [o.account for o in got["store"]]
            assert {o.account for o in orders} <= set(held.column("account").to_pylist())
            assert_checks_match_the_ledger(orders, ledger, now)
        # Without the trace's RECEIVED the last arrivals are named; with it, at least those.
        for a, b in zip(got["received"], got["store"], strict=True):
            assert {t["txn_id"] for t in b.checks["transactions"]} <= {
                t["txn_id"] for t in a.checks["transactions"]
            }
        assert [o.checks for o in got["store"]] == [o.checks for o in got["book"]]

    check()


def test_the_whole_ledgers_orders_name_their_inflows(store: Store) -> None:
    """At the ledger's end (the audit's case): every stop names a transaction it can be matched
    on, and its amount to hold stays the money held."""
    r = trace_all(store)
    orders = propose_stop_payments(store, r.positions, r.as_of)
    assert orders
    assert_checks_match_the_ledger(orders, ledger_rows(store), r.as_of)
    held: dict[str, int] = {}
    for p in r.positions.to_pylist():
        held[p["account"]] = held.get(p["account"], 0) + p["amount_fen"]
    assert all(o.amount_fen == held[o.account] for o in orders)
