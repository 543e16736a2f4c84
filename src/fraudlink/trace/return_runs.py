"""Return plans for the store's frozen accounts: tracing gives the deposits, Article 8 the split.

Every report known when the plan is made counts, even one made after the freeze: the money is
taken as it stood at the freeze (deposits up to the freeze time), and a victim who reported later
still owns their deposits. The loss cap is cumulative over the plans of one run: a victim is never
planned more than their reported loss across all frozen accounts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping

import pyarrow as pa

from fraudlink.model.clock import CHINA
from fraudlink.store import Store
from fraudlink.trace.engine import TraceResult, ledger_end, trace_all
from fraudlink.trace.order_store import load_orders
from fraudlink.trace.returns import ReturnPlan, return_plan


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
    deposits = trace_now(store, now).deposits(account)
    return return_plan(
        account, frozen_fen, deposits, frozen_at, victim_losses(store), rule,
        plan_date=plan_date or today(now), account_deposits=deposits_by(store, account, frozen_at),
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
    return plan_run(
        runs,
        trace_now(store, now).deposits(),
        victim_losses(store),
        rule,
        plan_date=plan_date or today(now),
        counts={(a, at): deposits_by(store, a, at) for a, _, at in runs},
    )


Freeze = tuple[str, int, dt.datetime]  # (account, frozen fen, when the freeze took effect)


def plan_run(
    freezes: list[Freeze],
    deposits: pa.Table,
    losses: Mapping[str, int],
    rule: str | None = None,
    *,
    plan_date: dt.date | None = None,
    counts: Mapping[tuple[str, dt.datetime], int] | None = None,
) -> list[ReturnPlan]:
    """The plans of one run, by freeze time then account, with the loss cap cumulative: each
    victim's cap shrinks by what earlier plans return to them. `deposits` is a DEPOSITS table of
    every account; `counts` the ledger's deposit count per (account, freeze time)."""
    room = dict(losses)
    plans = []
    for account, fen, at in sorted(freezes, key=lambda f: (f[2], f[0])):
        plan = return_plan(
            account, fen, deposits, at, room, rule, plan_date=plan_date,
            account_deposits=(counts or {}).get((account, at)),
        )  # fmt: skip
        for line in plan.lines:
            if line.report_id in room:
                room[line.report_id] -= line.amount_fen
        plans.append(plan)
    return plans


def today(now: dt.datetime | None = None) -> dt.date:
    """The plan date: today in China time."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(CHINA).date()
