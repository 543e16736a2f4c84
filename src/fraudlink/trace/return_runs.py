"""Return plans for the store's frozen accounts: tracing gives the deposits, Article 8 the split."""

from __future__ import annotations

import datetime as dt

from fraudlink.store import Store
from fraudlink.trace.engine import trace_all
from fraudlink.trace.order_store import load_orders
from fraudlink.trace.returns import ReturnPlan, return_plan


def victim_losses(store: Store) -> dict[str, int]:
    """Each reported victim's loss as they stated it: the cap on what they get back."""
    rows = store.arrow("select report_id, claimed_loss_fen from victim_reports").to_pylist()
    return {r["report_id"]: int(r["claimed_loss_fen"]) for r in rows}


def plan_for_account(
    store: Store, account: str, frozen_fen: int, frozen_at: dt.datetime, rule: str | None = None
) -> ReturnPlan:
    """The Article 8 plan for one frozen account, from the victims' money traced into it."""
    deposits = trace_all(store, as_of=frozen_at).deposits(account)
    return return_plan(account, frozen_fen, deposits, frozen_at, victim_losses(store), rule)


def plans_for_freezes(store: Store, rule: str | None = None) -> list[ReturnPlan]:
    """One plan per executed freeze order, for the amount the bank actually holds."""
    freezes = [o for o in load_orders(store, state="executed") if o.kind == "freeze"]
    losses = victim_losses(store)
    plans = []
    # One trace per freeze time: the deposits that count are those before the freeze took effect.
    for at in sorted({o.takes_effect_at for o in freezes if o.takes_effect_at is not None}):
        traced = trace_all(store, as_of=at)
        for o in (o for o in freezes if o.takes_effect_at == at):
            plans.append(return_plan(o.account, int(o.held_fen or 0), traced.deposits(o.account),
                                     at, losses, rule))  # fmt: skip
    return plans
