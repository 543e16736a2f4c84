"""Orders from a trace: the stop-payment and freeze orders one victim's money calls for, proposed
(nothing stored) or issued (stored in state requested, all or none).

Proposals follow `fraudlink orders propose`: a stop on every account holding the victim's money
and not yet stopped or frozen, a freeze on every such account that a case has confirmed.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store import Store
from fraudlink.trace.engine import TraceResult, trace_report
from fraudlink.trace.order_rules import FREEZE, STOP, Order
from fraudlink.trace.order_store import blocking_kinds, live_accounts
from fraudlink.trace.orders import propose_freezes, propose_stop_payments, save_orders


class IssueRefused(ValueError):
    """Orders that cannot be issued: `status` 409 (a live order, nothing left) or 422 (bad ask)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def known_report(store: Store, report_id: str) -> bool:
    """Whether the store holds this victim report."""
    rows = store.con.execute("select 1 from victim_reports where report_id = ?", [report_id])
    return bool(rows.fetchall())


def trace(store: Store, report_id: str, at: dt.datetime, method: str = "fifo") -> TraceResult:
    """One victim's money as of `at`, as `fraudlink trace` follows it."""
    return trace_report(store, report_id, as_of=at, method=method)


def propose(store: Store, traced: TraceResult, report_id: str, now: dt.datetime,
            created_by: str) -> list[Order]:  # fmt: skip
    """Stops and freezes the victim's money calls for now; nothing is stored."""
    positions = traced.positions_of(report_id)
    stops = propose_stop_payments(store, positions, now, created_by)
    freezes = propose_freezes(store, positions, now=now, created_by=created_by)
    return sorted([*stops, *freezes], key=lambda o: (-o.priority, o.kind != FREEZE, o.account))


def issue(
    store: Store,
    traced: TraceResult,
    report_id: str,
    kind: str,
    accounts: list[str] | None,
    now: dt.datetime,
    created_by: str,
) -> list[Order]:
    """Store the orders of `kind` on `accounts` (default: every account the rules allow).

    IssueRefused(409) when an account has a live order that blocks this one or nothing is left
    to order; IssueRefused(422) when an account holds none of the victim's money.
    """
    positions = traced.positions_of(report_id)
    positions = positions.filter(pc.greater(positions.column("amount_fen"), 0))
    holding = set(positions.column("account").to_pylist())
    if accounts is not None:
        wanted = list(dict.fromkeys(accounts))
        missing = [a for a in wanted if a not in holding]
        if missing:
            raise IssueRefused(422, f"account {missing[0]} holds none of the money of "
                                    f"report {report_id}")  # fmt: skip
        blocked = live_accounts(store, blocking_kinds(kind))
        live = [a for a in wanted if a in blocked]
        if live:
            raise IssueRefused(409, f"account {live[0]} has a live order that blocks a new "
                                    f"{kind} order")  # fmt: skip
        positions = positions.filter(pc.is_in(positions.column("account"), pa.array(wanted)))
    if kind == STOP:
        orders = propose_stop_payments(store, positions, now, created_by)
    else:
        orders = propose_freezes(store, positions, confirmed_accounts=accounts, now=now,
                                 created_by=created_by)  # fmt: skip
    if not orders and accounts is not None:
        raise IssueRefused(422, "no institution on record for the accounts asked for")
    if not orders:
        why = ("no account holds this victim's money" if not holding else
               "every account holding this victim's money has a live order or, for a freeze, "
               "no case confirmation")  # fmt: skip
        raise IssueRefused(409, f"nothing to order for report {report_id}: {why}")
    save_orders(store, orders)
    return orders
