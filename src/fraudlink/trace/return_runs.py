"""Return plans for the store's frozen accounts: tracing gives the deposits, Article 8 the split.

Every report known when the plan is made counts, even one made after the freeze: the money is
taken as it stood at the freeze (deposits up to the freeze time), and a victim who reported later
still owns their deposits. The loss cap is cumulative over the plans of one run: a victim is never
planned more than their reported loss across all frozen accounts.

A deposit further down the chain goes back to the paying account(s) the victim's money in it
left from. Tracing follows each victim's money as one pot, so for a victim who paid from several
accounts the trace alone names no account once both had paid; such deposits are found again by
a second trace that follows each (victim, paying account) as a pot of its own (`paid_deposits`).
The same trace says how much of each part is still in the frozen account at the freeze, so a
freeze that holds only part of such a deposit returns the part tracing finds there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.clock import CHINA
from fraudlink.store import Store
from fraudlink.trace.allocation import apportion
from fraudlink.trace.engine import TraceResult, ledger_end, trace_all, trace_matched
from fraudlink.trace.order_store import load_orders
from fraudlink.trace.returns import ReturnPlan, return_plan
from fraudlink.trace.schemas import DEPOSITS

# Joins a victim and a paying account into one owner label for the second trace; no report id
# or account number holds this control character.
_SEP = "\x1f"


def victim_losses(store: Store) -> dict[str, int]:
    """Each reported victim's loss as they stated it: the cap on what they get back."""
    rows = store.arrow("select report_id, claimed_loss_fen from victim_reports").to_pylist()
    return {r["report_id"]: int(r["claimed_loss_fen"]) for r in rows}


def deposits_by(store: Store, account: str, at: dt.datetime) -> int:
    """How many deposits the account received by `at` (victims' or not), from the ledger."""
    sql = "select count(*) as n from transactions where to_account = ? and time <= ?"
    return int(store.arrow(sql, [account, at]).column("n")[0].as_py() or 0)


def trace_now(store: Store, now: dt.datetime | None = None) -> TraceResult:
    """A trace of every report known at `now` (default: the current time, or the ledger's end
    if that is later)."""
    now = now or dt.datetime.now(dt.UTC)
    with contextlib.suppress(LookupError):  # an empty ledger: trace at `now`
        now = max(now, ledger_end(store))
    return trace_all(store, as_of=now)


def plan_for_account(
    store: Store,
    account: str,
    frozen_fen: int,
    frozen_at: dt.datetime,
    rule: str | None = None,
    *,
    plan_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ReturnPlan:
    """The Article 8 plan for one frozen account, from the victims' money traced into it."""
    paid = paid_deposits(store, trace_now(store, now), account)
    return return_plan(
        account, frozen_fen, paid.table, frozen_at, victim_losses(store), rule,
        plan_date=plan_date or today(now), account_deposits=deposits_by(store, account, frozen_at),
        held=paid.held(account, frozen_at),
    )  # fmt: skip


def plans_for_freezes(
    store: Store,
    rule: str | None = None,
    *,
    plan_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[ReturnPlan]:
    """One plan per executed freeze order, for the amount the bank actually holds.

    Plans go by freeze time, then account; each victim's loss cap shrinks by what earlier plans
    of the run return to them.
    """
    runs = [(o.account, int(o.held_fen or 0), o.takes_effect_at)
            for o in load_orders(store, state="executed")
            if o.kind == "freeze" and o.takes_effect_at is not None]  # fmt: skip
    if not runs:
        return []
    paid = paid_deposits(store, trace_now(store, now))
    return plan_run(
        runs,
        paid.table,
        victim_losses(store),
        rule,
        plan_date=plan_date or today(now),
        counts={(a, at): deposits_by(store, a, at) for a, _, at in runs},
        held={(a, at): paid.held(a, at) for a, _, at in runs},
    )


Freeze = tuple[str, int, dt.datetime]  # (account, frozen fen, when the freeze took effect)
# Per (txn id, victim, paying account) part of a deposit, the fen of it still in the account.
Held = Mapping[tuple[int, str, str | None], int]


def plan_run(
    freezes: list[Freeze],
    deposits: pa.Table,
    losses: Mapping[str, int],
    rule: str | None = None,
    *,
    plan_date: dt.date | None = None,
    counts: Mapping[tuple[str, dt.datetime], int] | None = None,
    held: Mapping[tuple[str, dt.datetime], Held] | None = None,
) -> list[ReturnPlan]:
    """The plans of one run, by freeze time then account, with the loss cap cumulative: each
    victim's cap shrinks by what earlier plans return to them. `deposits` is a DEPOSITS table of
    every account; `counts` the ledger's deposit count per (account, freeze time); `held` what
    of each part of a mixed deposit is still in the account then (see `PaidDeposits.held`)."""
    room = dict(losses)
    plans = []
    for account, fen, at in sorted(freezes, key=lambda f: (f[2], f[0])):
        plan = return_plan(
            account, fen, deposits, at, room, rule, plan_date=plan_date,
            account_deposits=(counts or {}).get((account, at)),
            held=(held or {}).get((account, at)),
        )  # fmt: skip
        for line in plan.lines:
            if line.report_id in room:
                room[line.report_id] -= line.amount_fen
        plans.append(plan)
    return plans


def today(now: dt.datetime | None = None) -> dt.date:
    """The plan date: today in China time."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(CHINA).date()


# --- deposits of a victim who paid from several accounts -----------------------------------

MOVES = pa.schema([
    ("account", pa.string()),
    ("report_id", pa.string()),
    ("paying_account", pa.string()),
    ("time", DEPOSITS.field("time").type),
    ("amount_fen", pa.int64()),  # into the account (+) or out of it (-)
])  # fmt: skip


@dataclass(frozen=True)
class PaidDeposits:
    """A trace's deposits, each named by the paying account its money left from, and the moves
    of each paying account's money through accounts that received a deposit mixing several."""

    table: pa.Table  # DEPOSITS: one row per paying account's part of a deposit
    moves: pa.Table  # MOVES: the mixed deposits' accounts only

    def held(self, account: str, at: dt.datetime) -> dict[tuple[int, str, str | None], int]:
        """Per part of a deposit into `account` whose victim paid from several accounts, the fen
        of it still there at `at` by first in, first out.

        Each paying account's money left is the newest of what came in from it: walking its
        deposits back from the newest, each keeps what is left of that money, up to its amount.
        """
        moves = self.moves.filter(pc.equal(self.moves["account"], account))
        if moves.num_rows == 0:
            return {}
        moves = moves.filter(pc.less_equal(moves["time"], at))
        left: dict[tuple[str, str | None], int] = {}
        for r in moves.to_pylist():
            key = (r["report_id"], r["paying_account"])
            left[key] = left.get(key, 0) + r["amount_fen"]
        rows = self.table.filter(pc.equal(self.table["account"], account))
        rows = rows.filter(pc.or_kleene(pc.is_null(rows["time"]), pc.less_equal(rows["time"], at)))
        rows = rows.sort_by([("time", "descending"), ("txn_id", "descending")])
        out: dict[tuple[int, str, str | None], int] = {}
        for r in rows.to_pylist():
            key = (r["report_id"], r["paying_account"])
            if key not in left:
                continue
            out[(r["txn_id"], *key)] = min(max(left[key], 0), r["amount_fen"])
            left[key] -= r["amount_fen"]
        return out


def paid_deposits(store: Store, result: TraceResult, account: str | None = None) -> PaidDeposits:
    """The deposits of one account (or all) from a trace, each named by the victim's paying
    account its money left from: a deposit mixing money of several paying accounts becomes one
    row per account, split as the trace says, the rows summing exactly to the deposit."""
    deposits = result.deposits(account)
    unknown = pc.and_(pc.is_null(deposits["paying_account"]), pc.is_valid(deposits["report_id"]))
    if not pc.any(unknown).as_py():
        return PaidDeposits(deposits, MOVES.empty_table())
    paid = _payments(result)
    split = _split_trace(store, result)
    parts = _parts(split, deposits.filter(unknown), paid)
    # One pass over the deposits no account was named for (a few rows per victim who paid
    # from several accounts, not an event stream), in exact Python integers for the split; the
    # rest stay as they are. Each part keeps its deposit's place among the rows.
    at = pa.array(range(deposits.num_rows), pa.int64())
    named = deposits.append_column("_row", at).filter(pc.invert(unknown))
    rows = []
    for row, place in zip(deposits.filter(unknown).to_pylist(), at.filter(unknown).to_pylist(),
                          strict=True):  # fmt: skip
        key = (row["account"], row["txn_id"], row["report_id"])
        weights = parts.get(key) or _paid_by(paid.get(row["report_id"], []), row["time"])
        shares = apportion(row["amount_fen"], list(weights.values()))
        rows += [{**row, "paying_account": a, "amount_fen": fen, "_row": place}
                 for a, fen in zip(weights, shares, strict=True) if fen]  # fmt: skip
    schema = DEPOSITS.append(pa.field("_row", pa.int64()))
    table = pa.concat_tables([named.cast(schema), pa.Table.from_pylist(rows, schema=schema)])
    table = table.sort_by("_row").drop_columns(["_row"])  # a stable sort
    mixed = pc.unique(deposits.filter(unknown)["account"])
    return PaidDeposits(table, _moves(split, mixed))


Payment = tuple[dt.datetime | None, str | None, int]  # a victim's own payment: time, from, fen


def _payments(result: TraceResult) -> dict[str, list[Payment]]:
    """Each victim's own payments (hop 1 of the trail), earliest first."""
    hop1 = result.trail_rows.filter(pc.equal(result.trail_rows["hop"], 1))
    hop1 = hop1.sort_by([("time", "ascending"), ("txn_id", "ascending")])
    out: dict[str, list[Payment]] = {}
    for r in hop1.select(["report_id", "time", "from_account", "amount_fen"]).to_pylist():
        out.setdefault(r["report_id"], []).append((r["time"], r["from_account"], r["amount_fen"]))
    return out


def _paid_by(payments: list[Payment], at: dt.datetime | None) -> dict[str | None, int]:
    """The fallback split of a deposit the second trace did not reach: what each paying account
    had paid by the deposit's time (all payments if none is known by then), earliest first.

    Pro rata to what each paid is the one split that favours no account when nothing says
    whose money the deposit carries; `apportion` hands the rounding fen to the earliest."""
    by_then = [p for p in payments if at is None or p[0] is None or p[0] <= at] or payments
    out: dict[str | None, int] = {}
    for _, a, fen in by_then:
        out[a] = out.get(a, 0) + fen
    return out


def _split_trace(store: Store, result: TraceResult) -> TraceResult:
    """The same trace again, with each (victim, paying account) an owner of its own.

    Under first in, first out a victim's lots move the same either way (they are only ever
    split, never reordered), so the parts add up to the victim's share of every transaction;
    under pro rata rounding may move a fen, which is why `paid_deposits` uses them as weights."""
    own = result.trail_rows.filter(pc.equal(result.trail_rows["hop"], 1))
    own = own.select(["report_id", "txn_id", "from_account"])
    matched = result.matched.join(own, ["report_id", "txn_id"], join_type="inner")
    label = pc.binary_join_element_wise(
        matched["report_id"], pc.fill_null(matched["from_account"], ""), _SEP
    )
    relabelled = matched.drop_columns(["from_account"]).set_column(0, "report_id", label)
    return trace_matched(store, relabelled, result.as_of, result.method)


def _owners(labels: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """The victims and paying accounts in the split trace's owner labels ("" for none)."""
    owner = pc.split_pattern(labels, _SEP, max_splits=1)
    paying = pc.list_element(owner, 1)
    return pc.list_element(owner, 0), pc.if_else(pc.equal(paying, ""), None, paying)


DepositKey = tuple[str, int, str]  # (receiving account, txn id, report id)


def _parts(
    split: TraceResult, unknown: pa.Table, paid: Mapping[str, list[Payment]]
) -> dict[DepositKey, dict[str | None, int]]:
    """Per deposit of `unknown`, the fen of it that came from each of the victim's paying
    accounts by the split trace, earliest paying account first."""
    got = split.deposits()
    victim, paying = _owners(got["report_id"])
    got = pa.table({"account": got["account"], "txn_id": got["txn_id"], "report_id": victim,
                    "paying": paying, "fen": got["amount_fen"]})  # fmt: skip
    wanted = unknown.select(["account", "txn_id", "report_id"])
    got = got.join(wanted, ["account", "txn_id", "report_id"], join_type="inner")
    out: dict[DepositKey, dict[str | None, int]] = {}
    for r in got.to_pylist():
        parts = out.setdefault((r["account"], r["txn_id"], r["report_id"]), {})
        parts[r["paying"]] = parts.get(r["paying"], 0) + r["fen"]
    return {key: {a: parts[a] for a in _earliest_first(paid.get(key[2], []), parts)}
            for key, parts in out.items()}  # fmt: skip


def _earliest_first(payments: list[Payment], parts: Mapping[str | None, int]) -> list[str | None]:
    """The paying accounts of `parts` by the victim's first payment from each."""
    first = list(dict.fromkeys(a for _, a, _ in payments))
    return [a for a in first if a in parts] + [a for a in parts if a not in first]


def _moves(split: TraceResult, accounts: pa.Array) -> pa.Table:
    """MOVES of the split trace through `accounts`: each deposit in (+), and each transfer,
    cash-out or hand-off past the depth limit out (-), per (victim, paying account)."""
    came = split.deposits()
    came = came.filter(pc.is_in(came["account"], accounts))
    went = split.trail_rows.filter(pc.is_in(split.trail_rows["from_account"], accounts))
    beyond = split.exits.filter(pc.equal(split.exits["channel"], "depth_limit"))
    beyond = beyond.filter(pc.is_in(beyond["from_account"], accounts))
    parts = []
    for t, where, sign in ((came, "account", 1), (went, "from_account", -1),
                           (beyond, "from_account", -1)):  # fmt: skip
        victim, paying = _owners(t["report_id"])
        parts.append(pa.table({
            "account": t[where], "report_id": victim, "paying_account": paying,
            "time": t["time"], "amount_fen": pc.multiply(t["amount_fen"], sign),
        }, schema=MOVES))  # fmt: skip
    return pa.concat_tables(parts)
