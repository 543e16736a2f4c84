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
from fraudlink.store.arrays import TIME
from fraudlink.store.compute import registered
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
    received: pa.Table | None = None,
) -> list[Order]:
    """One stop-payment order per account holding victim money and not yet stopped or frozen,
    highest priority (amount × urgency) first. Nothing is stored. The engine passes its
    `LedgerBook` and `HolderBook`, which answer as the store would, only faster.

    Each order's checks name the transactions that brought the victims' money in: those of
    `received` (the trace's RECEIVED) when given, else each victim's last arrival, found in the
    ledger by the position's account and `last_in_at`."""
    held = _holdings(positions)
    return _propose(store, STOP, held, now, created_by, {}, book, holders, received)


def propose_freezes(
    store: Store,
    positions: pa.Table,
    confirmed_accounts: Iterable[str] | None = None,
    now: dt.datetime | None = None,
    created_by: str = "fraudlink",
    received: pa.Table | None = None,
) -> list[Order]:
    """One freeze order per case-confirmed account holding victim money and not yet frozen.

    A freeze is the case-handling unit's decision: only accounts confirmed in a case (the store's
    case confirmations of kind 'account', by `now`) are frozen. `confirmed_accounts` may only
    narrow that set; UnconfirmedAccountError names an account in it that no case confirms.
    The checks name transactions as `propose_stop_payments` says."""
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
    return _propose(store, FREEZE, held, now, created_by, cases, received=received)


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
    received: pa.Table | None = None,
) -> list[Order]:
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    blocked = live_accounts(store, blocking_kinds(kind))
    accounts = sorted(a for a in held if a not in blocked)
    info = (holders.holders if holders else account_holders)(store, accounts)
    accounts = [a for a in accounts if a in info]  # no institution on record: nobody to address
    holds = hold_times(store, accounts, now, book)
    mine = {a: held[a] for a in accounts}
    inflows = _inflows(store, mine, received, book)
    orders = [
        _order(kind, a, info[a], held[a], holds.get(a), now, created_by, cases.get(a, []),
               inflows.get(a, []))
        for a in accounts
    ]  # fmt: skip
    return sorted(orders, key=lambda o: (-o.priority, -o.amount_fen, o.account))


# The ledger's rows into each account at the victims' last arrivals (account, time): the real
# transactions an order's checks name when the trace's RECEIVED is not at hand.
_ARRIVALS_SQL = """
select distinct a.account, a.report_id, x.txn_id, x.time, x.amount_fen
from {arrivals} a join {rows} x on x.to_account = a.account and x.time = a.time
"""


def _inflows(
    store: Store,
    held: dict[str, list[dict[str, Any]]],
    received: pa.Table | None,
    book: LedgerBook | None,
) -> dict[str, list[dict[str, Any]]]:
    """Account → the transactions that brought its victims' money in (txn_id, amount_fen, time),
    oldest first, each once: from RECEIVED, each victim's latest arrivals that cover what the
    account still holds of the victim's money (the money held is the newest, first in first
    out); without RECEIVED, the ledger's rows at each victim's last arrival."""
    left = {(a, v["report_id"]): int(v["amount_fen"]) for a, vs in held.items() for v in vs}
    if not left:
        return {}
    if received is not None:
        rows = received.filter(pc.is_in(received.column("account"), pa.array(list(held))))
        rows = rows.sort_by([("time", "descending"), ("txn_id", "descending")]).to_pylist()
    else:
        rows = _arrivals(store, held, book).to_pylist()
    out: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        key = (r["account"], r["report_id"])
        if left.get(key, 0) <= 0:
            continue  # not this order's victim, or the held money is covered already
        if received is not None:
            left[key] -= int(r["share_fen"])
        out[r["account"]][r["txn_id"]] = {
            "txn_id": r["txn_id"], "amount_fen": r["amount_fen"], "time": r["time"]
        }
    return {a: sorted(t.values(), key=lambda x: (x["time"], x["txn_id"])) for a, t in out.items()}


def _arrivals(
    store: Store, held: dict[str, list[dict[str, Any]]], book: LedgerBook | None
) -> pa.Table:
    """The ledger's rows into each account at its victims' `last_in_at` (from the book's rows of
    those accounts at those instants when given, else from the store)."""
    pairs = [(a, v["report_id"], v["last_in_at"]) for a, vs in held.items() for v in vs]
    arrivals = pa.table({
        "account": pa.array([p[0] for p in pairs], pa.string()),
        "report_id": pa.array([p[1] for p in pairs], pa.string()),
        "time": pa.array([p[2] for p in pairs], TIME),
    })  # fmt: skip
    with registered(store.con, arrivals, "arrivals") as a:
        if book is None:
            sql = _ARRIVALS_SQL.format(arrivals=a, rows="transactions")
            return store.con.sql(sql).to_arrow_table()
        ids = book.ids(arrivals.column("account").to_pylist())
        us = pc.cast(arrivals.column("time"), pa.int64()).to_numpy()
        rows = book.around(ids, us, us, ids[:0], us[:0], us[:0])
        with registered(store.con, rows, "arrival_rows") as x:
            return store.con.sql(_ARRIVALS_SQL.format(arrivals=a, rows=x)).to_arrow_table()


def _order(
    kind: str,
    account: str,
    info: tuple[str, str, str],
    victims: list[dict[str, Any]],
    hold_s: float | None,
    now: dt.datetime,
    created_by: str,
    cases: list[str],
    inflows: list[dict[str, Any]],
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
    checks = _checks(owner_name, account, inflows)
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


def _checks(owner_name: str, account: str, inflows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the receiving institution matches before it acts (domain.md: "it stops only on a
    match"): the holder's name, the account, and the real transactions that brought the
    victims' money in. `amount_fen`, `time` and `txn_id` are those of the latest of them (a
    single transaction the bank can find); `transactions` lists every one, oldest first. The
    amount to hold is the order's `amount_fen`, not a check."""
    out: dict[str, Any] = {"account_name": owner_name, "account_number": account}
    txns = [{"txn_id": int(t["txn_id"]), "amount_fen": int(t["amount_fen"]),
             "time": t["time"].isoformat()} for t in inflows]  # fmt: skip
    if txns:
        out.update({k: txns[-1][k] for k in ("txn_id", "amount_fen", "time")})
    out["transactions"] = txns
    return out


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
