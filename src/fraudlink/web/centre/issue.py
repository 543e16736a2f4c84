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
from fraudlink.trace.order_store import blocking_kinds, live_orders
from fraudlink.trace.orders import (
    UnconfirmedAccountError,
    propose_freezes,
    propose_stop_payments,
    save_orders,
    without_spent_stops,
)


class IssueRefused(ValueError):
    """Orders that cannot be issued: `status` 409 (a live order, nothing left) or 422 (bad ask,
    with `loc` naming the field, as pydantic would)."""

    def __init__(self, status: int, message: str,
                 loc: tuple[str | int, ...] = ("body", "accounts")) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.loc = loc


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
    stops = propose_stop_payments(store, positions, now, created_by, received=traced.received)
    freezes = propose_freezes(store, positions, now=now, created_by=created_by,
                              received=traced.received)  # fmt: skip
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
    to order; IssueRefused(422) when the list is empty, names a blank account, one that holds
    none of the victim's money or, for a freeze, one that no case confirms. Duplicates in the
    list count once.
    """
    positions = traced.positions_of(report_id)
    positions = positions.filter(pc.greater(positions.column("amount_fen"), 0))
    holding = set(positions.column("account").to_pylist())
    wanted = None if accounts is None else _wanted(accounts)
    if accounts is not None and wanted is not None:
        missing = [a for a in wanted if a not in holding]
        if missing:
            pos = [a.strip() for a in accounts].index(missing[0])
            raise IssueRefused(422, f"account {missing[0]} holds none of the money of report "
                                    f"{report_id}", ("body", "accounts", pos))  # fmt: skip
        blocked = live_orders(store, blocking_kinds(kind))
        live = [a for a in wanted if a in blocked]
        if live:
            raise IssueRefused(409, f"account {live[0]} has a live order, {blocked[live[0]]}, "
                                    f"that blocks a new {kind} order")  # fmt: skip
        chosen = pa.array(wanted, type=pa.string())
        positions = positions.filter(pc.is_in(positions.column("account"), chosen))
    if kind == STOP:
        if wanted is None:
            # Unasked, skip accounts whose stop for this victim's money has used up its period
            # (a freeze is next there); asked for by name, saving refuses them with the reason.
            positions = without_spent_stops(store, positions)
        orders = propose_stop_payments(store, positions, now, created_by,
                                       received=traced.received)  # fmt: skip
    else:
        try:
            orders = propose_freezes(store, positions,
                                     confirmed_accounts=wanted, now=now,
                                     created_by=created_by, received=traced.received)  # fmt: skip
        except UnconfirmedAccountError as exc:
            # A freeze is the case unit's: only case-confirmed accounts, named as the field.
            pos = [a.strip() for a in accounts or []].index(exc.accounts[0])
            raise IssueRefused(422, str(exc), ("body", "accounts", pos)) from exc
    if not orders and wanted is not None:
        raise IssueRefused(422, "no institution on record for the accounts asked for")
    if not orders:
        why = ("no account holds this victim's money" if not holding else
               "every account holding this victim's money has a live order, a stop renewed "
               "twice and expired (a freeze is next) or, for a freeze, no case "
               "confirmation")  # fmt: skip
        raise IssueRefused(409, f"nothing to order for report {report_id}: {why}")
    save_orders(store, orders)
    return orders


def _wanted(accounts: list[str]) -> list[str]:
    """The accounts asked for, once each; IssueRefused(422) for an empty list or a blank one."""
    if not accounts:
        raise IssueRefused(422, "the account list is empty: name at least one account, or leave "
                                "the list out for every account the rules allow")  # fmt: skip
    blank = next((i for i, a in enumerate(accounts) if not a.strip()), None)
    if blank is not None:
        raise IssueRefused(422, f"account {blank + 1} of the list is blank",
                           ("body", "accounts", blank))  # fmt: skip
    return list(dict.fromkeys(a.strip() for a in accounts))
