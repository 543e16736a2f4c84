"""Fund control (资金查控) in the engine: on a report, stop the victim's money where it is now.

`first_level_orders` freezes the accounts a victim paid into (the older practice the arena
compares against). `traced_orders` traces every open report through the ledger known so far and
stops payment on each account still holding victims' money, with each victim's claim on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from fraudlink.engine.addressees import issuers
from fraudlink.model.actions import FREEZE, STOP_PAYMENT, Action
from fraudlink.store import Store
from fraudlink.trace.engine import trace_all
from fraudlink.trace.holders import HolderBook
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.match_payments import match_payments
from fraudlink.trace.orders import propose_stop_payments

FIRST_LEVEL_BASIS = "freeze of the first-level account named in a victim report"
Claim = tuple[str, str, int]  # (account, report_id, fen) on an account already stopped


@dataclass
class FundControl:
    """What one round of fund control decided."""

    actions: list[Action] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # new victims on standing orders
    where: dict[str, set[str]] = field(default_factory=dict)  # report -> accounts holding money


def first_level_orders(
    store: Store, report_ids: list[str], now: datetime, stopped: set[str]
) -> FundControl:
    """Freezes of the accounts the reports' payments went into, matched to the ledger; a
    report naming an account already frozen adds its claim to the standing freeze."""
    out = FundControl()
    if not report_ids:
        return out
    matched = match_payments(store, report_ids)
    if matched.num_rows == 0:
        return out
    paid = dict(zip(matched.column("txn_id").to_pylist(),
                    matched.column("report_id").to_pylist(), strict=True))  # fmt: skip
    rows = store.con.execute(
        "select txn_id, to_account, amount_fen from transactions "
        "where txn_id in (select unnest(?::bigint[])) and to_account is not null",
        [list(paid)],
    ).fetchall()
    claims: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for txn_id, account, amount in rows:
        report_id = paid[txn_id]
        claims[account][report_id] += amount
    inst = issuers(store, "account", list(claims))
    for account in sorted(claims):
        c = claims[account]
        if account in stopped:
            out.claims += [(account, r, f) for r, f in sorted(c.items())]
            continue
        out.actions.append(
            Action(
                kind=FREEZE,
                decided_at=now,
                target=account,
                target_kind="account",
                addressee=inst.get(account, "unknown institution"),
                basis=FIRST_LEVEL_BASIS,
                evidence=f"paid into by report(s) {', '.join(sorted(c))}",
                amount_fen=sum(c.values()),
                report_ids=tuple(sorted(c)),
                claims=tuple(sorted(c.items())),
            )
        )
        stopped.add(account)
    return out


def traced_orders(
    store: Store,
    report_ids: list[str],
    now: datetime,
    stopped: set[str],
    book: LedgerBook | None = None,
    holders: HolderBook | None = None,
) -> FundControl:
    """Stop-payment orders on every account holding the reports' money now, by priority;
    claims on accounts already stopped; and where each report's money sits now."""
    out = FundControl(where={r: set() for r in report_ids})
    if not report_ids:
        return out
    result = trace_all(store, now, report_ids=report_ids, book=book, holders=holders)
    pos = result.positions
    for r, a, f in zip(pos.column("report_id").to_pylist(), pos.column("account").to_pylist(),
                       pos.column("amount_fen").to_pylist(), strict=True):  # fmt: skip
        out.where[r].add(a)
        if a in stopped and f > 0:
            out.claims.append((a, r, f))
    if pos.num_rows == 0:
        return out
    proposed = propose_stop_payments(store, result.positions, now, book=book, holders=holders,
                                     received=result.received)  # fmt: skip
    for order in proposed:
        if order.account in stopped:
            continue
        victims = order.evidence.get("victims", [])
        claims: dict[str, int] = defaultdict(int)
        for v in victims:
            claims[v["report_id"]] += int(v["amount_fen"])
        hops = min((int(v["hops"]) for v in victims), default=0)
        out.actions.append(
            Action(
                kind=STOP_PAYMENT,
                decided_at=now,
                target=order.account,
                target_kind="account",
                addressee=order.inst_id,
                basis=order.legal_basis,
                evidence=(
                    f"holds {order.amount_fen / 100:,.2f} yuan of {len(claims)} victim(s), "
                    f"{hops} hop(s) from the first payment; priority {order.priority:.3g}"
                ),
                amount_fen=order.amount_fen,
                report_ids=order.report_ids,
                claims=tuple(sorted(claims.items())),
            )
        )
        stopped.add(order.account)
    return out
