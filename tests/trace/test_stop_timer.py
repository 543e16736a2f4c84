"""A stop-payment's 48 hours run from taking effect (execution), not from acknowledgement: the
rules, the store's expiry and spent stops, and an acknowledged stop the bank never executes."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.trace.order_rules import (
    FREEZE,
    MAX_RENEWALS,
    STOP,
    STOP_BASIS,
    STOP_HOLD,
    Order,
    OrderError,
    apply,
    awaiting,
)
from fraudlink.trace.order_store import (
    expire_due,
    live_accounts,
    load_orders,
    order_history,
    save_orders,
    spent_stops,
    update_order,
)

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
_ids = itertools.count(1)

# Gaps from request to acknowledgement and from acknowledgement to execution, to the minute;
# up to 100 hours, past a whole 48 h period (an old timer from acknowledgement would have run out).
GAP = st.integers(min_value=0, max_value=100 * 60).map(lambda m: m * M)


def stop(account: str | None = None, kind: str = STOP, at: dt.datetime = T0) -> Order:
    """A new order of `kind` on its own account, requested at `at`."""
    n = next(_ids)
    return Order(f"SP-T-{n}", kind, account or f"ACC{n}", "ICBC", "中国工商银行", "张三", 50_000,
                 ("R1",), STOP_BASIS, {}, {}, at, 1.0)  # fmt: skip


@pytest.fixture
def orders_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store for orders."""
    with Store(tmp_path / "orders.duckdb") as s:
        yield s


def saved(store: Store, kind: str = STOP, account: str | None = None) -> Order:
    o = stop(account, kind)
    save_orders(store, [o])
    return o


# --- the rules ---------------------------------------------------------------------------------


@given(to_ack=GAP, to_exec=GAP)
@settings(max_examples=200, deadline=None)
def test_a_stop_takes_effect_at_execution_and_runs_48_hours_from_then(
    to_ack: dt.timedelta, to_exec: dt.timedelta
) -> None:
    acked_at = T0 + to_ack
    acked = apply(stop(), "acknowledged", acked_at)
    assert (acked.takes_effect_at, acked.expires_at) == (None, None)  # no timer yet
    assert awaiting(acked) == "execution"
    executed_at = acked_at + to_exec
    done = apply(acked, "executed", executed_at, 30_000, last_step_at=acked_at)
    assert done.takes_effect_at == executed_at
    assert done.expires_at == executed_at + STOP_HOLD
    assert awaiting(done) is None
    # Renewals add 48 h to the expiry that runs from execution.
    renewed = apply(done, "renewed", executed_at + STOP_HOLD - M)
    assert renewed.expires_at == executed_at + 2 * STOP_HOLD
    with pytest.raises(OrderError, match="runs until"):
        apply(done, "expired", executed_at + STOP_HOLD - M)
    assert apply(done, "expired", executed_at + STOP_HOLD).state == "expired"


@pytest.mark.parametrize("state_path", [(), ("acknowledged",)])
@pytest.mark.parametrize("to", ["renewed", "expired"])
def test_a_stop_not_executed_is_neither_renewed_nor_expired(
    state_path: tuple[str, ...], to: str
) -> None:
    o = stop()
    for step in state_path:
        o = apply(o, step, T0)
    with pytest.raises(OrderError, match=r"cannot go from .* its 48 h run from execution") as no:
        apply(o, to, T0 + 3 * STOP_HOLD)
    why = str(no.value)
    assert o.order_id in why and f"awaits the institution's {awaiting(o)}" in why


def test_an_acknowledged_stop_is_executed_rejected_or_withdrawn() -> None:
    acked = apply(stop(), "acknowledged", T0)
    later = T0 + 5 * STOP_HOLD  # long after a timer from acknowledgement would have run out
    assert apply(acked, "executed", later, 1_000).expires_at == later + STOP_HOLD
    assert apply(acked, "rejected", later).state == "rejected"
    withdrawn = apply(acked, "released", later)
    assert (withdrawn.state, withdrawn.held_fen, withdrawn.expires_at) == ("released", None, None)


def test_a_freeze_takes_effect_at_execution_without_a_timer() -> None:
    acked = apply(stop(kind=FREEZE), "acknowledged", T0)
    assert acked.takes_effect_at is None
    done = apply(acked, "executed", T0 + 3 * H, 9_000)
    assert (done.takes_effect_at, done.expires_at) == (T0 + 3 * H, None)
    with pytest.raises(OrderError, match="cannot go from acknowledged to released"):
        apply(acked, "released", T0 + H)  # withdrawing before execution is a stop's only


def test_an_acknowledgement_stored_under_the_old_rule_is_no_timer() -> None:
    """A store written before this rule holds acknowledged stops with an expiry 48 h after the
    acknowledgement: the bank can still execute them, and execution starts the real timer."""
    old = stop()
    old = Order(**{**old.__dict__, "state": "acknowledged", "takes_effect_at": T0,
                   "expires_at": T0 + STOP_HOLD})  # fmt: skip
    done = apply(old, "executed", T0 + STOP_HOLD + H, 1_000)
    assert (done.takes_effect_at, done.expires_at) == (T0 + STOP_HOLD + H, T0 + 2 * STOP_HOLD + H)


# --- the store ---------------------------------------------------------------------------------


@given(to_ack=GAP, to_exec=GAP)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
def test_the_store_expires_a_stop_48_hours_after_execution(
    orders_store: Store, to_ack: dt.timedelta, to_exec: dt.timedelta
) -> None:
    o = saved(orders_store)  # a fresh order (and account) per example: the store is shared
    update_order(orders_store, o.order_id, "acknowledged", T0 + to_ack)
    executed_at = T0 + to_ack + to_exec
    done = update_order(orders_store, o.order_id, "executed", executed_at, 40_000)
    assert done.expires_at == executed_at + STOP_HOLD
    assert order_history(orders_store, o.order_id)[-1].expires_at == executed_at + STOP_HOLD
    assert o.order_id not in expire_due(orders_store, executed_at + STOP_HOLD - M)
    assert expire_due(orders_store, executed_at + STOP_HOLD) == [o.order_id]
    last = order_history(orders_store, o.order_id)[-1]
    assert (last.event, last.at) == ("expire", executed_at + STOP_HOLD)


def test_an_acknowledged_stop_stays_live_without_a_timer_until_withdrawn(
    orders_store: Store,
) -> None:
    o = saved(orders_store)
    update_order(orders_store, o.order_id, "acknowledged", T0)
    with pytest.raises(OrderError, match="cannot go from acknowledged to renewed"):
        update_order(orders_store, o.order_id, "renewed", T0 + H)
    assert expire_due(orders_store, T0 + 10 * STOP_HOLD) == []
    [still] = load_orders(orders_store, order_id=o.order_id)
    assert (still.state, still.expires_at) == ("acknowledged", None)
    assert o.account in live_accounts(orders_store, [STOP])  # the centre chases the bank
    update_order(orders_store, o.order_id, "released", T0 + 10 * STOP_HOLD, note="withdrawn")
    assert o.account not in live_accounts(orders_store, [STOP])
    assert [e.event for e in order_history(orders_store, o.order_id)] == [
        "request", "acknowledge", "release"]  # fmt: skip


def test_only_a_stop_that_took_effect_uses_up_its_period(orders_store: Store) -> None:
    executed = saved(orders_store, account="A1")
    update_order(orders_store, executed.order_id, "acknowledged", T0)
    update_order(orders_store, executed.order_id, "executed", T0 + H, 1_000)
    for i in range(MAX_RENEWALS):
        update_order(orders_store, executed.order_id, "renewed", T0 + (i + 2) * H)
    assert expire_due(orders_store, T0 + H + 3 * STOP_HOLD) == [executed.order_id]
    # A stop renewed twice and expired while only acknowledged, as the old rule allowed: it never
    # held anything, so it used up no period.
    legacy = saved(orders_store, account="A2")
    orders_store.con.execute(
        "update orders set state = 'expired', renewals = ?, takes_effect_at = ?, expires_at = ? "
        "where order_id = ?", [MAX_RENEWALS, T0, T0 + 3 * STOP_HOLD, legacy.order_id])  # fmt: skip
    orders_store.con.execute(
        "insert into order_events values (?, 2, ?, 'acknowledge', 'acknowledged', null, ?, '')",
        [legacy.order_id, T0, T0 + STOP_HOLD])  # fmt: skip
    spent = spent_stops(orders_store)
    assert set(spent) == {"A1"} and spent["A1"][0][0] == executed.order_id
