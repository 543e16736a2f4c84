"""Stop-payment and freeze orders proposed from where victims' money sits (POSITIONS).

Public face: `propose_stop_payments`, `propose_freezes`, `save_orders`, `update_order`,
`expire_due`, `load_orders`, `order_history`, and `Order`, `Event`, `OrderError` from the rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.clock import CHINA
from fraudlink.store import Store
from fraudlink.trace.holders import HolderBook, account_holders
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.order_rules import (
    FREEZE,
    FREEZE_BASIS,
    STOP,
    STOP_BASIS,
    Event,
    Order,
    OrderError,
)
from fraudlink.trace.order_store import (
    DuplicateOrderError,
    blocking_kinds,
    expire_due,
    live_accounts,
    load_orders,
    order_history,
    save_orders,
    spent_stop_for,
    spent_stops,
    update_order,
)
from fraudlink.trace.ranking import hold_times, priority

_PREFIX = {STOP: "SP", FREEZE: "FZ"}


def without_spent_stops(store: Store, positions: pa.Table) -> pa.Table:
    """Positions (report_id, account, …) less those whose account already had a stop for that
    report's money renewed twice and expired: the stop's period is used up, a freeze is next."""
    if positions.num_rows == 0:
        return positions
    accounts = positions.column("account").to_pylist()
    spent = spent_stops(store, set(accounts))
    if not spent:
        return positions
    reports = positions.column("report_id").to_pylist()
    keep = [spent_stop_for(spent, a, [r]) is None for r, a in zip(reports, accounts, strict=True)]
    return positions.filter(pa.array(keep, pa.bool_()))


def propose_stop_payments(
    store: Store,
    positions: pa.Table,
    now: dt.datetime,
    created_by: str = "fraudlink",
    book: LedgerBook | None = None,
    holders: HolderBook | None = None,
) -> list[Order]:
    """One stop-payment order per account holding victim money and not yet stopped or frozen,
    highest priority (amount × urgency) first. Nothing is stored. The engine passes its
    `LedgerBook` and `HolderBook`, which answer as the store would, only faster."""
    held = _holdings(positions)
    return _propose(store, STOP, held, now, created_by, {}, book, holders)


def propose_freezes(
    store: Store,
    positions: pa.Table,
    confirmed_accounts: Iterable[str] | None = None,
    now: dt.datetime | None = None,
    created_by: str = "fraudlink",
) -> list[Order]:
    """One freeze order per case-confirmed account holding victim money and not yet frozen.

    A freeze is the case-handling unit's decision: only accounts confirmed in a case (the store's
    case confirmations of kind 'account', by `now`) are frozen. `confirmed_accounts` may only
    narrow that set; UnconfirmedAccountError names an account in it that no case confirms."""
    if now is None:
        raise ValueError("propose_freezes needs the time to act at (now)")
    cases = _case_accounts(store, now)
    wanted = set(cases)
    if confirmed_accounts is not None:
        asked = list(dict.fromkeys(confirmed_accounts))
        unconfirmed = [a for a in asked if a not in cases]
        if unconfirmed:
            raise UnconfirmedAccountError(unconfirmed)
        wanted = set(asked)
    held = {a: v for a, v in _holdings(positions).items() if a in wanted}
    return _propose(store, FREEZE, held, now, created_by, cases)


class UnconfirmedAccountError(ValueError):
    """A freeze asked for on accounts that no case confirms (case_confirmations, kind account)."""

    def __init__(self, accounts: list[str]) -> None:
        self.accounts = accounts
        noun = "account" if len(accounts) == 1 else "accounts"
        super().__init__(f"no freeze on {noun} {', '.join(accounts)}: not confirmed in any case "
                         "(a freeze needs a case confirmation of the account)")  # fmt: skip


def _holdings(positions: pa.Table) -> dict[str, list[dict[str, Any]]]:
    """Victim shares per account, from one trace under one attribution method."""
    methods = pc.unique(positions.column("method")).to_pylist()
    if len(methods) > 1:
        raise ValueError(f"positions mix attribution methods {methods}: pass one trace")
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in positions.filter(pc.greater(positions.column("amount_fen"), 0)).to_pylist():
        out[r["account"]].append(r)
    return out


def _propose(
    store: Store,
    kind: str,
    held: dict[str, list[dict[str, Any]]],
    now: dt.datetime,
    created_by: str,
    cases: dict[str, list[str]],
    book: LedgerBook | None = None,
    holders: HolderBook | None = None,
) -> list[Order]:
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    blocked = live_accounts(store, blocking_kinds(kind))
    accounts = sorted(a for a in held if a not in blocked)
    info = (holders.holders if holders else account_holders)(store, accounts)
    holds = hold_times(store, accounts, now, book)
    orders = []
    for account in accounts:
        if account not in info:
            continue  # no institution on record: nobody to address the order to
        orders.append(
            _order(kind, account, info[account], held[account], holds.get(account), now,
                   created_by, cases.get(account, []))
        )  # fmt: skip
    return sorted(orders, key=lambda o: (-o.priority, -o.amount_fen, o.account))


def _order(
    kind: str,
    account: str,
    info: tuple[str, str, str],
    victims: list[dict[str, Any]],
    hold_s: float | None,
    now: dt.datetime,
    created_by: str,
    cases: list[str],
) -> Order:
    inst_id, addressee, owner_name = info
    amount = sum(v["amount_fen"] for v in victims)
    last_in = max(v["last_in_at"] for v in victims)
    since_s = max((now - last_in).total_seconds(), 0.0)
    victims = sorted(victims, key=lambda v: (v["last_in_at"], v["report_id"]))
    evidence = {
        "method": victims[0]["method"],
        "as_of": victims[0]["as_of"].isoformat(),
        "hold_time_s": hold_s,
        "since_last_in_s": since_s,
        "victims": [
            {
                "report_id": v["report_id"],
                "amount_fen": v["amount_fen"],
                "hops": v["hops"],
                "last_in_at": v["last_in_at"].isoformat(),
            }
            for v in victims
        ],
    }
    if cases:
        evidence["cases"] = cases
    checks = {
        "account_name": owner_name,
        "account_number": account,
        "amount_fen": amount,
        "time": last_in.isoformat(),
    }
    basis = STOP_BASIS if kind == STOP else FREEZE_BASIS.format(cases=", ".join(cases) or "-")
    return Order(
        order_id=_order_id(kind, account, now),
        kind=kind,
        account=account,
        inst_id=inst_id,
        addressee=addressee,
        account_name=owner_name,
        amount_fen=amount,
        report_ids=tuple(sorted({v["report_id"] for v in victims})),
        legal_basis=basis,
        evidence=evidence,
        checks=checks,
        requested_at=now,
        priority=priority(amount, hold_s, since_s),
        created_by=created_by,
    )


def _order_id(kind: str, account: str, now: dt.datetime) -> str:
    """Readable and repeatable: kind, China-time minute, and a digest of account and instant."""
    digest = hashlib.sha1(f"{kind}|{account}|{now.isoformat()}".encode()).hexdigest()[:6]
    return f"{_PREFIX[kind]}-{now.astimezone(CHINA):%Y%m%d%H%M}-{digest.upper()}"


def _case_accounts(store: Store, now: dt.datetime) -> dict[str, list[str]]:
    """Accounts confirmed in cases by `now`, with their case ids."""
    rows = store.con.execute(
        "select value, list(distinct case_id order by case_id) from case_confirmations "
        "where kind = 'account' and confirmed_at <= ? group by value",
        [now],
    ).fetchall()
    return {r[0]: list(r[1]) for r in rows}


__all__ = [
    "DuplicateOrderError",
    "Event",
    "Order",
    "OrderError",
    "UnconfirmedAccountError",
    "expire_due",
    "load_orders",
    "order_history",
    "propose_freezes",
    "propose_stop_payments",
    "save_orders",
    "update_order",
    "without_spent_stops",
]
