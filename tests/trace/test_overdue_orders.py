"""Overdue orders: the deadline by which an institution must acknowledge or execute a live order,
how late it is, and the store's list of overdue orders to chase, worst first."""

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
    BLOCK,
    DUE,
    FREEZE,
    KINDS,
    LIVE,
    STATES,
    STOP,
    STOP_ACK_DUE,
    STOP_BASIS,
    STOP_EXECUTE_DUE,
    Order,
    apply,
    awaiting,
    deadline,
    overdue,
)
from fraudlink.trace.order_store import (
    load_orders,
    overdue_orders,
    save_orders,
    update_order,
)

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)
_ids = itertools.count(1)

# Times to the second, up to four days: past every deadline (the longest is 24 h).
OFFSET = st.integers(min_value=0, max_value=4 * 24 * 3600).map(lambda s: s * S)


def order(kind: str = STOP, at: dt.datetime = T0, inst: str = "ICBC", amount: int = 50_000,
          state: str = "requested") -> Order:  # fmt: skip
    """An order of `kind` on its own account, requested at `at`, in `state`."""
    n = next(_ids)
    return Order(f"OD-{n}", kind, f"ACC{n}", inst, f"{inst} 总行", "张三", amount, ("R1",),
                 STOP_BASIS, {}, {}, at, 1.0, state=state)  # fmt: skip


# Every path an order can take from the request, by kind: what it went through, step by step.
PATHS = {
    STOP: [(), ("acknowledged",), ("acknowledged", "executed"), ("acknowledged", "rejected"),
           ("acknowledged", "released"), ("acknowledged", "executed", "released"),
           ("acknowledged", "executed", "renewed")],
    FREEZE: [(), ("acknowledged",), ("acknowledged", "executed"), ("acknowledged", "rejected"),
             ("acknowledged", "executed", "released")],
    BLOCK: [(), ("acknowledged",), ("acknowledged", "executed"), ("acknowledged", "rejected"),
            ("acknowledged", "executed", "released")],
}  # fmt: skip
PATH = st.sampled_from([(k, p) for k in KINDS for p in PATHS[k]])


def walked(kind: str, path: tuple[str, ...], gaps: list[dt.timedelta]) -> Order:
    """A new order of `kind` moved along `path`, each step `gaps[i]` after the one before."""
    o, at = order(kind), T0
    for to, gap in zip(path, gaps, strict=False):
        last, at = at, at + gap
        o = apply(o, to, at, last_step_at=last)
    return o


# --- the rule ------------------------------------------------------------------------------------


def test_a_stop_is_due_in_30_minutes_then_2_hours_a_freeze_or_block_in_2_then_24() -> None:
    assert (STOP_ACK_DUE, STOP_EXECUTE_DUE) == (30 * M, 2 * H)
    assert deadline(order(STOP)) == T0 + 30 * M
    assert deadline(order(STOP, state="acknowledged")) == T0 + 2 * H
    for kind in (FREEZE, BLOCK):
        assert deadline(order(kind)) == T0 + 2 * H
        assert deadline(order(kind, state="acknowledged")) == T0 + 24 * H
    for state in ("executed", "rejected", "expired", "released"):
        assert deadline(order(STOP, state=state)) is None


def test_every_kind_gives_more_time_to_execute_than_to_acknowledge() -> None:
    assert set(DUE) == set(KINDS)
    for steps in DUE.values():
        assert set(steps) == {"requested", "acknowledged"}  # the states that await a step
        assert dt.timedelta(0) < steps["requested"] < steps["acknowledged"]


@given(path=PATH, gaps=st.lists(OFFSET, min_size=3, max_size=3), later=OFFSET)
@settings(max_examples=300, deadline=None)
def test_never_overdue_before_the_deadline_always_after_it_while_live_never_once_closed(
    path: tuple[str, tuple[str, ...]], gaps: list[dt.timedelta], later: dt.timedelta
) -> None:
    # An executed stop runs its 48 h from its own execution time; keep the walk inside them.
    o = walked(*path, [min(g, 40 * H) for g in gaps])
    now = T0 + later
    due = deadline(o)
    late = overdue(o, now)
    if awaiting(o) is None:  # executed or closed: the institution owes no step
        assert due is None and late is None
        return
    assert o.state in LIVE and due is not None
    if now <= due:
        assert late is None
    else:
        assert late == now - due and late > dt.timedelta(0)
        assert overdue(o, now + H) == late + H  # it grows with the clock


@given(ack_after=OFFSET, looked=OFFSET)
@settings(max_examples=200, deadline=None)
def test_a_late_acknowledgement_buys_no_time_to_execute(
    ack_after: dt.timedelta, looked: dt.timedelta
) -> None:
    acked = apply(order(STOP), "acknowledged", T0 + ack_after)
    now = T0 + ack_after + looked
    # Execution is due 2 h from the request, whenever the bank took the order in.
    assert deadline(acked) == T0 + STOP_EXECUTE_DUE
    want = now - (T0 + STOP_EXECUTE_DUE)
    assert overdue(acked, now) == (want if want > dt.timedelta(0) else None)


def test_at_the_deadline_itself_an_order_is_on_time() -> None:
    o = order(FREEZE)
    assert overdue(o, T0 + 2 * H) is None
    assert overdue(o, T0 + 2 * H + dt.timedelta(microseconds=1)) == dt.timedelta(microseconds=1)


def test_existing_rules_are_unchanged() -> None:
    assert STATES == ("requested", "acknowledged", "executed", "rejected", "expired", "released")
    assert awaiting(order(STOP)) == "acknowledgement"
    assert awaiting(order(STOP, state="acknowledged")) == "execution"
    assert awaiting(order(STOP, state="executed")) is None


# --- the store -----------------------------------------------------------------------------------


@pytest.fixture
def orders_store(tmp_path: Path) -> Iterator[Store]:
    """An empty store for orders."""
    with Store(tmp_path / "orders.duckdb") as s:
        yield s


def stored(store: Store, kind: str, path: tuple[str, ...], at: dt.datetime,
           gaps: list[dt.timedelta], inst: str = "ICBC", amount: int = 50_000
           ) -> tuple[str, dt.datetime | None]:  # fmt: skip
    """Save an order requested at `at` and move it along `path`; its id and acknowledgement."""
    o = order(kind, at, inst, amount)
    save_orders(store, [o])
    acked_at = None
    for to, gap in zip(path, gaps, strict=False):
        at = at + gap
        update_order(store, o.order_id, to, at, 0 if to == "executed" else None)
        acked_at = at if to == "acknowledged" else acked_at
    return o.order_id, acked_at


def test_the_list_is_worst_first_with_what_is_awaited_and_since_when(
    orders_store: Store,
) -> None:
    s = orders_store
    late_ack, _ = stored(s, STOP, (), T0, [])  # due 12:30
    late_exec, acked = stored(s, STOP, ("acknowledged",), T0 + 10 * M, [20 * M])  # due 14:10
    freeze, _ = stored(s, FREEZE, (), T0, [], inst="CMB")  # due 14:00
    stored(s, STOP, ("acknowledged", "executed"), T0, [5 * M, 5 * M])  # in effect: owes nothing
    stored(s, STOP, ("acknowledged", "rejected"), T0, [5 * M, 5 * M])  # closed
    stored(s, BLOCK, (), T0 + 2 * H, [])  # due 16:00: not yet
    now = T0 + 3 * H  # 15:00
    got = overdue_orders(s, now).to_pylist()
    assert [r["order_id"] for r in got] == [late_ack, freeze, late_exec]
    first, _, third = got
    assert (first["awaiting"], first["waiting_since"], first["due_at"]) == (
        "acknowledgement", T0, T0 + 30 * M)  # fmt: skip
    assert (first["overdue_minutes"], first["overdue_seconds"]) == (150, 150 * 60)
    # Acknowledged at 12:30: it has waited for execution since then, due 2 h from the request.
    assert (third["awaiting"], third["waiting_since"], third["due_at"]) == (
        "execution", acked, T0 + 10 * M + 2 * H)  # fmt: skip
    assert third["overdue_minutes"] == 50
    assert {r["inst_id"] for r in got} == {"ICBC", "CMB"}
    assert [r["order_id"] for r in overdue_orders(s, now, inst="CMB").to_pylist()] == [freeze]
    assert [r["order_id"] for r in overdue_orders(s, now, kinds=[STOP]).to_pylist()] == [
        late_ack, late_exec]  # fmt: skip
    assert overdue_orders(s, T0 + 30 * M).num_rows == 0  # at the first deadline: on time


def test_an_equally_late_order_with_more_money_comes_first(orders_store: Store) -> None:
    small, _ = stored(orders_store, STOP, (), T0, [], amount=1_000)
    big, _ = stored(orders_store, STOP, (), T0, [], amount=900_000)
    got = overdue_orders(orders_store, T0 + H).column("order_id").to_pylist()
    assert got == [big, small]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for the generated cases, emptied before each."""
    with Store(tmp_path_factory.mktemp("overdue") / "orders.duckdb") as s:
        yield s


@given(
    walks=st.lists(st.tuples(PATH, OFFSET, st.lists(OFFSET, min_size=3, max_size=3)),
                   min_size=1, max_size=6),
    looked=OFFSET,
)  # fmt: skip
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_query_agrees_with_the_rule_on_every_order(
    shared_store: Store,
    walks: list[tuple[tuple[str, tuple[str, ...]], dt.timedelta, list[dt.timedelta]]],
    looked: dt.timedelta,
) -> None:
    s = shared_store
    s.con.execute("delete from order_events")
    s.con.execute("delete from orders")
    acks = {}
    for (kind, path), start, gaps in walks:
        oid, acked = stored(s, kind, path, T0 + start, [min(g, 40 * H) for g in gaps])
        acks[oid] = acked
    now = T0 + looked
    want = {}
    for o in load_orders(s):
        late = overdue(o, now)
        if late is not None:
            since = acks[o.order_id] if o.state == "acknowledged" else o.requested_at
            want[o.order_id] = (awaiting(o), since, deadline(o), late // S, late // M)
    rows = overdue_orders(s, now).to_pylist()
    got = {r["order_id"]: (r["awaiting"], r["waiting_since"], r["due_at"], r["overdue_seconds"],
                           r["overdue_minutes"]) for r in rows}  # fmt: skip
    assert got == want
    lateness = [r["overdue_seconds"] for r in rows]
    assert lateness == sorted(lateness, reverse=True)  # worst first
