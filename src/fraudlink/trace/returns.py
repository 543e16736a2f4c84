"""Return plans (原路返还) for a frozen account by the 2016 rules, Article 8.

Article 8's cases, tried in order:

1. one victim deposit in the frozen account: it goes back to that victim;
2. several deposits whose timestamps tell whose money the balance is: first in, first out, so the
   balance belongs to the newest deposits (see `allocation`);
3. otherwise: pro rata to each victim's loss over the total (the loss counted up to what was
   traced into this account), after a 30-day public notice; rounding remainders and the shares of
   unidentified victims stay frozen.

Money goes back to the victim's original paying account; the bank acts within 3 working days.
A deposit carrying money the victim paid from several accounts comes as one row per paying
account (`return_runs.paid_deposits`), and each part goes back to its own account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.clock import CHINA
from fraudlink.trace import allocation as alloc
from fraudlink.trace.allocation import Piece
from fraudlink.trace.schemas import DEPOSITS

Rule = Literal["single", "fifo", "pro_rata", "none"]
FORCEABLE_RULES = ("fifo", "pro_rata")

NOTICE_DAYS = 30  # Article 8(3): pro-rata returns wait for a 30-day public notice (公告)
BANK_WORKING_DAYS = 3  # banks carry out a return instruction within 3 working days

RULE_NAMES = {
    "single": "single deposit (单笔汇款直接返还)",
    "fifo": "first in, first out by timestamp (按时间戳先进先出)",
    "pro_rata": "pro rata to losses (按比例返还)",
    "none": "nothing to return",
}


@dataclass(frozen=True)
class ReturnLine:
    """Money going back to one victim's original paying account."""

    report_id: str
    paying_account: str | None
    amount_fen: int
    basis: str
    txn_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReturnPlan:
    """How a frozen account's balance goes back to victims, and when."""

    account: str
    frozen_fen: int
    frozen_at: dt.datetime
    rule: Rule
    reason: str
    lines: tuple[ReturnLine, ...]
    kept_fen: int  # stays frozen: not victims' money by the rule, remainders, unfound victims
    notice_date: dt.date | None  # pro rata only: the day the public notice goes up
    earliest_return: dt.date | None  # pro rata only: the first day after the notice period
    bank_due_date: dt.date | None  # the last day for the bank to act; None if nothing returns

    @property
    def returned_fen(self) -> int:
        """The total going back to victims."""
        return sum(line.amount_fen for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: money in fen, dates ISO, the freeze time in UTC."""

        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "account": self.account,
            "frozen_fen": self.frozen_fen,
            "frozen_at": self.frozen_at.astimezone(dt.UTC).isoformat(),
            "rule": self.rule,
            "reason": self.reason,
            "lines": [
                {
                    "report_id": ln.report_id,
                    "paying_account": ln.paying_account,
                    "amount_fen": ln.amount_fen,
                    "basis": ln.basis,
                    "txn_ids": list(ln.txn_ids),
                }
                for ln in self.lines
            ],
            "returned_fen": self.returned_fen,
            "kept_fen": self.kept_fen,
            "notice_date": iso(self.notice_date),
            "earliest_return": iso(self.earliest_return),
            "bank_due_date": iso(self.bank_due_date),
        }

    def to_text(self) -> str:
        """A plan a person reads: yuan with 2 decimals, China time, Chinese terms beside English."""
        out = [
            f"Return plan (原路返还) for account {self.account}",
            f"  frozen balance (冻结余额): {yuan(self.frozen_fen)}, frozen at "
            f"{self.frozen_at.astimezone(CHINA):%Y-%m-%d %H:%M} (UTC+8)",
            f"  rule (返还规则): {RULE_NAMES[self.rule]}",
            f"  why: {self.reason}",
            "  returns to the victims' original paying accounts (原汇出账户):",
        ]
        if not self.lines:
            out.append("    (none)")
        for ln in self.lines:
            out.append(
                f"    {ln.report_id}  ->  {ln.paying_account or '(paying account unknown)'}  "
                f"{yuan(ln.amount_fen)}  ({ln.basis})"
            )
        out.append(f"  returned in all: {yuan(self.returned_fen)}")
        out.append(f"  stays frozen (继续冻结): {yuan(self.kept_fen)}")
        if self.notice_date and self.earliest_return:
            out.append(
                f"  public notice (公告): from {self.notice_date}, {NOTICE_DAYS} days; "
                f"earliest return {self.earliest_return}"
            )
        if self.bank_due_date:
            out.append(
                f"  bank to act by (银行办理期限): {self.bank_due_date} "
                f"({BANK_WORKING_DAYS} working days, weekends skipped)"
            )
        return "\n".join(out)


def yuan(fen: int) -> str:
    """Fen as yuan with 2 decimals and thousands separators (exact: no floats)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th Monday-to-Friday day after `start` (public holidays are not modelled)."""
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def return_plan(
    account: str,
    frozen_fen: int,
    deposits: pa.Table,
    frozen_at: dt.datetime,
    losses: Mapping[str, int] | None = None,
    rule: str | None = None,
    *,
    plan_date: dt.date | None = None,
    account_deposits: int | None = None,
    held: Mapping[tuple[int, str, str | None], int] | None = None,
) -> ReturnPlan:
    """The Article 8 return plan for one frozen account.

    `deposits` is a DEPOSITS table (other accounts' rows are ignored); `losses` caps each
    victim's return at their loss; `rule` None chooses by Article 8, or forces 'fifo' or
    'pro_rata'. `plan_date` is the day the plan is made and a notice would go up (default: the
    freeze day in China time). Only deposits made by `frozen_at` count (untimed ones too).
    `account_deposits` is how many deposits the account received by the freeze, victims' or not
    (from the ledger): Article 8(1) applies only if it is one; None counts the traced deposits.
    `held` says, per (txn id, victim, paying account) part of a deposit the victim paid from
    several accounts, how much of it tracing still finds in the account at the freeze: a part
    of such a deposit goes back first (see `allocation.share_deposit`).
    """
    if frozen_fen < 0:
        raise ValueError(f"frozen_fen must be >= 0, got {frozen_fen}")
    if frozen_at.tzinfo is None:
        raise ValueError("frozen_at must carry a time zone")
    if rule is not None and rule not in FORCEABLE_RULES:
        raise ValueError(f"rule must be None or one of {FORCEABLE_RULES}, got {rule!r}")
    if any(v < 0 for v in (losses or {}).values()):
        raise ValueError("losses must be >= 0")
    rows = [
        r for r in _account_rows(deposits, account) if r["time"] is None or r["time"] <= frozen_at
    ]
    still = held or {}
    pieces = [Piece(r["report_id"], r["txn_id"], r["time"], r["amount_fen"],
                    still.get((r["txn_id"], r["report_id"], r["paying_account"])))
              for r in rows]  # fmt: skip
    chosen, reason = choose_rule(frozen_fen, pieces, rule, account_deposits)
    if chosen == "pro_rata":
        amounts, bases = _pro_rata_lines(frozen_fen, rows, losses)
    else:
        amounts, bases = _fifo_lines(frozen_fen, rows, pieces, losses, chosen)
    shared = _shared_deposits(rows)
    # Unidentified victims get no line: their share is part of what stays frozen.
    lines = tuple(
        ReturnLine(key[0], key[1], amounts[key], bases[key] + shared.get(key, ""), txns)
        for key, txns in _line_txns(rows).items()
        if key[0] is not None
    )
    day = plan_date or frozen_at.astimezone(CHINA).date()
    notice = earliest = None
    instructed = day
    if chosen == "pro_rata":
        # The period starts the day after the notice goes up (a day-counted period excludes its
        # first day), so the last notice day is day + 30 and returns may start the day after.
        notice, earliest = day, day + dt.timedelta(days=NOTICE_DAYS + 1)
        instructed = earliest
    returned = sum(ln.amount_fen for ln in lines)
    due = add_working_days(instructed, BANK_WORKING_DAYS) if returned else None
    return ReturnPlan(
        account, frozen_fen, frozen_at, chosen, reason, lines, frozen_fen - returned,
        notice, earliest, due,
    )  # fmt: skip


def choose_rule(
    frozen_fen: int,
    pieces: list[Piece],
    forced: str | None,
    account_deposits: int | None = None,
) -> tuple[Rule, str]:
    """The Article 8 case for these deposits (or the forced one), with a sentence saying why.

    `account_deposits`, the number of deposits the account received by the freeze (victims' or
    not), must be one for Article 8(1); None trusts the traced deposits."""
    # A deposit paid from several of the victim's accounts is one piece per account: one deposit.
    n = len({(p.txn_id, p.victim) for p in pieces})
    if n == 0:
        return "none", (
            "No victim deposit was traced into this account, so nothing goes back; "
            "the balance stays frozen."
        )
    owners = {p.victim for p in pieces}
    determined = alloc.owners_determined(frozen_fen, pieces)
    unfound = " Shares of deposits whose victim is not yet identified stay frozen." * (
        None in owners
    )
    if forced == "pro_rata":
        return "pro_rata", (
            f"Pro rata (Article 8(3)) as asked, over {n} deposits: each victim's loss (up to "
            "what was traced here) over the total, after a 30-day public notice." + unfound
        )
    one_deposit = len({p.txn_id for p in pieces}) == 1 and (account_deposits or 1) <= 1
    single = one_deposit and len(owners) == 1 and None not in owners
    if forced == "fifo":
        tie = ""
        if not determined:
            tie = (
                " Deposits of several victims share the timestamp where the balance runs out, "
                "so Article 8 would return pro rata; the tie was broken by transaction id."
            )
        return "fifo", (
            f"First in, first out (Article 8(2)) as asked, over {n} deposits: the newest "
            "deposits hold the balance." + tie + unfound
        )
    if single:
        return "single", (
            f"Article 8(1): the account received a single deposit (txn {pieces[0].txn_id}), "
            "so it goes back to that victim, up to the frozen balance and the victim's loss."
        )
    if determined:
        if frozen_fen >= sum(p.amount_fen for p in pieces):
            why = f"the balance covers all {n} deposits in full, so each victim's money is known"
        else:
            why = (
                f"the timestamps of the {n} deposits tell whose money the balance is: the earliest "
                "deposits left first (first in, first out), so the balance belongs to the newest"
            )
        return "fifo", f"Article 8(2): {why}." + unfound
    return "pro_rata", (
        f"Article 8(3): the timestamps of the {n} deposits cannot tell whose money is left "
        "(several victims' deposits share the time where the balance runs out, or are untimed), "
        "so it goes back pro rata to each victim's loss (up to what was traced here) over the "
        "total, after a 30-day public notice." + unfound
    )


LineKey = tuple[str | None, str | None]  # (report_id, paying_account)


def _account_rows(deposits: pa.Table, account: str) -> list[dict[str, Any]]:
    """The account's deposit rows with a positive amount, checked."""
    table = deposits.select(DEPOSITS.names).cast(DEPOSITS)
    table = table.filter(pc.equal(table["account"], account))
    rows = [r for r in table.to_pylist() if r["amount_fen"] != 0]
    for r in rows:
        if r["amount_fen"] is None or r["amount_fen"] < 0 or r["txn_id"] is None:
            raise ValueError(f"bad deposit row for {account}: {r}")
    return rows


def _line_txns(rows: list[dict[str, Any]]) -> dict[LineKey, tuple[int, ...]]:
    """Per (victim, paying account), its deposits' txn ids, in first-seen order."""
    out: dict[LineKey, list[int]] = {}
    for r in rows:
        out.setdefault((r["report_id"], r["paying_account"]), []).append(r["txn_id"])
    return {k: tuple(v) for k, v in out.items()}


def _shared_deposits(rows: list[dict[str, Any]]) -> dict[LineKey, str]:
    """A note for each line holding part of a deposit the victim paid from several accounts."""
    accounts: dict[tuple[int, str | None], list[str | None]] = {}
    for r in rows:
        accounts.setdefault((r["txn_id"], r["report_id"]), []).append(r["paying_account"])
    txns: dict[LineKey, list[int]] = {}
    for (txn, victim), paying in accounts.items():
        if len(paying) > 1:
            for a in paying:
                txns.setdefault((victim, a), []).append(txn)
    return {
        key: f"; txn {', '.join(map(str, ids))} carried money from several of the victim's "
        "paying accounts: this line is the part from this one"
        for key, ids in txns.items()
    }


def _fifo_lines(
    frozen_fen: int,
    rows: list[dict[str, Any]],
    pieces: list[Piece],
    losses: Mapping[str, int] | None,
    chosen: Rule,
) -> tuple[dict[LineKey, int], dict[LineKey, str]]:
    """Per line, the fen returned by first in, first out (or the single deposit) and its basis."""
    paid = alloc.fifo(frozen_fen, pieces, losses)
    uncapped = alloc.fifo(frozen_fen, pieces)
    amounts: dict[LineKey, int] = {}
    covered: dict[LineKey, int] = {}
    deposited: dict[LineKey, int] = {}
    for r, fen, cov in zip(rows, paid, uncapped, strict=True):
        key = (r["report_id"], r["paying_account"])
        amounts[key] = amounts.get(key, 0) + fen
        covered[key] = covered.get(key, 0) + cov
        deposited[key] = deposited.get(key, 0) + r["amount_fen"]
    what = "the only deposit" if chosen == "single" else "newest-first share of deposits"
    bases = {
        k: f"{what}: {yuan(amounts[k])} of {yuan(deposited[k])} deposited"
        + _cap_note(k[0], covered[k], losses)
        for k in amounts
    }
    return amounts, bases


def _pro_rata_lines(
    frozen_fen: int, rows: list[dict[str, Any]], losses: Mapping[str, int] | None
) -> tuple[dict[LineKey, int], dict[LineKey, str]]:
    """Per line, its pro-rata share of the balance and its basis.

    Article 8(3): each victim's loss over the total. A victim's weight is their reported loss,
    counted only up to what was traced into this account (so nobody is paid others' money); a
    victim with no reported loss, or not yet identified, weighs what was traced here, and an
    unidentified victim's share stays frozen. A victim's share is split over their paying
    accounts by what each brought in, rounded down; every remainder fen stays frozen.
    """
    deposited: dict[LineKey, int] = {}
    for r in rows:
        key = (r["report_id"], r["paying_account"])
        deposited[key] = deposited.get(key, 0) + r["amount_fen"]
    traced: dict[str | None, int] = {}
    for (victim, _), fen in deposited.items():
        traced[victim] = traced.get(victim, 0) + fen
    owners = list(traced)
    weights = [_weight(v, traced[v], losses) for v in owners]
    shares = dict(zip(owners, alloc.pro_rata(frozen_fen, weights), strict=True))
    total = sum(weights)
    amounts: dict[LineKey, int] = {}
    bases: dict[LineKey, str] = {}
    for victim in owners:
        keys = [k for k in deposited if k[0] == victim]
        split = _split(shares[victim], [deposited[k] for k in keys])
        weight = _weight(victim, traced[victim], losses)
        if frozen_fen >= total:
            how = f"the balance covers every claim: the full {yuan(weight)}"
        else:
            how = (
                f"{yuan(weight)} of {yuan(total)} in claims, times {yuan(frozen_fen)}, rounded down"
            )
        if weight < traced[victim]:
            how += (
                f" ({yuan(traced[victim])} traced here, capped at the reported loss {yuan(weight)})"
            )
        for k, fen in zip(keys, split, strict=True):
            amounts[k] = fen
            bases[k] = how + (
                f"; {yuan(deposited[k])} of it paid from this account" * (len(keys) > 1)
            )
    return amounts, bases


def _weight(victim: str | None, traced_fen: int, losses: Mapping[str, int] | None) -> int:
    """A victim's pro-rata claim: the loss, up to what was traced here (the traced amount if no
    loss is known)."""
    if victim is None or losses is None or victim not in losses:
        return traced_fen
    return min(losses[victim], traced_fen)


def _split(fen: int, parts: list[int]) -> list[int]:
    """`fen` split over `parts` in proportion, rounded down (the sum is at most `fen`)."""
    total = sum(parts)
    if total <= 0:
        return [0] * len(parts)
    if len(parts) == 1:
        return [min(fen, parts[0])]
    return [fen * p // total for p in parts]


def _cap_note(victim: str | None, due: int, losses: Mapping[str, int] | None) -> str:
    """A note when the victim's reported loss is below what the rule alone would return."""
    if victim is None or losses is None or victim not in losses or losses[victim] >= due:
        return ""
    return f"; capped at the reported loss {yuan(losses[victim])}"
