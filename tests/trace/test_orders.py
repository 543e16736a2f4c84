"""Stop-payment and freeze orders: the state machine, its timers, history, ranking and saving."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from fraudlink.store import LATEST, Store
from fraudlink.store.migrations import migrate
from fraudlink.trace import order_store
from fraudlink.trace.order_rules import MAX_RENEWALS, STOP_HOLD, apply
from fraudlink.trace.orders import (
    DuplicateOrderError,
    Order,
    OrderError,
    UnconfirmedAccountError,
    expire_due,
    load_orders,
    order_history,
    propose_freezes,
    propose_stop_payments,
    save_orders,
    update_order,
    without_spent_stops,
)
from fraudlink.trace.schemas import POSITIONS

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def positions(rows: list[tuple[str, str, int, dt.datetime]], hops: int = 1) -> pa.Table:
    """A POSITIONS table from (report, account, amount, last inflow) rows."""
    return pa.Table.from_pylist(
        [
            {
                "report_id": r,
                "account": a,
                "amount_fen": f,
                "method": "fifo",
                "hops": hops,
                "last_in_at": t,
                "as_of": T0,
            }
            for r, a, f, t in rows
        ],
        schema=POSITIONS,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "s.duckdb")
    s.con.execute(
        "insert into institutions values ('ICBC', '中国工商银行', 'bank', null, null), "
        "('CMB', '招商银行', 'bank', null, null)"
    )
    for acc, inst, name in [("A1", "ICBC", "张三"), ("A2", "CMB", "李四"), ("A3", "ICBC", "王五")]:
        s.con.execute(
            "insert into bank_accounts (account, inst_id, account_class, holder_kind, owner_idno, "
            "owner_name, opened_at) values (?, ?, 2, 'personal', 'X', ?, ?)",
            [acc, inst, name, T0 - 100 * H],
        )
    yield s
    s.close()


def confirm(store: Store, *accounts: str, at: dt.datetime = T0 - H) -> None:
    """Case confirmations (kind account) of `accounts` at `at`, one case each."""
    for a in accounts:
        store.con.execute("insert into case_confirmations values (?, 'R1', ?, 'account', ?, null)",
                          [f"C-{a}", at, a])  # fmt: skip


def txn(store: Store, n: int, t: dt.datetime, frm: str, to: str | None, fen: int) -> None:
    store.con.execute(
        "insert into transactions (txn_id, time, from_account, to_account, amount_fen, channel) "
        "values (?, ?, ?, ?, ?, 'transfer')",
        [n, t, frm, to, fen],
    )


def one_order(store: Store, account: str = "A1") -> Order:
    orders = propose_stop_payments(store, positions([("R1", account, 50_000, T0 - H)]), T0)
    save_orders(store, orders)
    return orders[0]


# --- the state machine -------------------------------------------------------------------


def test_stop_payment_runs_its_course_and_records_every_step(store: Store) -> None:
    o = one_order(store)
    ack = update_order(store, o.order_id, "acknowledged", T0 + 10 * M)
    assert (ack.takes_effect_at, ack.expires_at) == (None, None)  # not in effect yet
    ex = update_order(store, o.order_id, "executed", T0 + 30 * M, held_fen=30_000, note="matched")
    assert (ex.state, ex.held_fen) == ("executed", 30_000)
    assert (ex.takes_effect_at, ex.expires_at) == (T0 + 30 * M, T0 + 30 * M + STOP_HOLD)
    r1 = update_order(store, o.order_id, "renewed", T0 + 40 * H)
    assert (r1.renewals, r1.expires_at) == (1, T0 + 30 * M + 2 * STOP_HOLD)
    update_order(store, o.order_id, "released", T0 + 50 * H, note="innocent seller")
    events = order_history(store, o.order_id)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.event for e in events] == ["request", "acknowledge", "execute", "renew", "release"]
    assert [e.state for e in events] == [
        "requested", "acknowledged", "executed", "executed", "released"
    ]  # fmt: skip
    assert [e.amount_fen for e in events] == [50_000, None, 30_000, None, 30_000]
    assert events[2].note == "matched"
    assert load_orders(store, order_id=o.order_id)[0].state == "released"


def test_acknowledged_can_be_rejected(store: Store) -> None:
    o = one_order(store)
    update_order(store, o.order_id, "acknowledged", T0)
    assert update_order(store, o.order_id, "rejected", T0 + H, note="name mismatch").state == (
        "rejected"
    )
    with pytest.raises(OrderError, match="closed"):
        update_order(store, o.order_id, "acknowledged", T0 + 2 * H)


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ((), "executed"),  # must be acknowledged first
        ((), "rejected"),
        ((), "renewed"),  # no timer yet
        ((), "expired"),
        (("acknowledged",), "requested"),
        (("acknowledged", "executed"), "acknowledged"),
        (("acknowledged", "executed"), "rejected"),
    ],
)
def test_forbidden_transitions_raise_and_change_nothing(
    store: Store, path: tuple[str, ...], bad: str
) -> None:
    o = one_order(store)
    for step in path:
        update_order(store, o.order_id, step, T0 + M)
    with pytest.raises(OrderError, match="cannot go from"):
        update_order(store, o.order_id, bad, T0 + 2 * M)
    assert len(order_history(store, o.order_id)) == 1 + len(path)


def test_renewals_are_capped_at_two(store: Store) -> None:
    o = one_order(store)
    update_order(store, o.order_id, "acknowledged", T0)
    update_order(store, o.order_id, "executed", T0)
    for n in range(MAX_RENEWALS):
        assert update_order(store, o.order_id, "renewed", T0 + (n + 1) * H).renewals == n + 1
    with pytest.raises(OrderError, match="already renewed 2"):
        update_order(store, o.order_id, "renewed", T0 + 5 * H)
    assert load_orders(store)[0].expires_at == T0 + 3 * STOP_HOLD


def test_a_stop_expires_at_48_hours_not_before(store: Store) -> None:
    o = one_order(store)
    update_order(store, o.order_id, "acknowledged", T0)
    update_order(store, o.order_id, "executed", T0 + H)  # the 48 h run from here
    assert expire_due(store, T0 + H + STOP_HOLD - M) == []
    with pytest.raises(OrderError, match="runs until"):
        update_order(store, o.order_id, "expired", T0 + H + STOP_HOLD - M)
    assert expire_due(store, T0 + H + STOP_HOLD) == [o.order_id]
    assert expire_due(store, T0 + 3 * STOP_HOLD) == []  # once only
    events = order_history(store, o.order_id)
    assert [e.state for e in events] == ["requested", "acknowledged", "executed", "expired"]
    assert events[-1].at == T0 + H + STOP_HOLD
    with pytest.raises(OrderError, match="cannot go from expired"):
        update_order(store, o.order_id, "renewed", T0 + H + STOP_HOLD)


def test_nothing_but_expiry_after_the_timer_ran_out(store: Store) -> None:
    o = one_order(store)
    update_order(store, o.order_id, "acknowledged", T0)
    update_order(store, o.order_id, "executed", T0)
    with pytest.raises(OrderError, match="ran out"):
        update_order(store, o.order_id, "renewed", T0 + STOP_HOLD + M)
    assert update_order(store, o.order_id, "expired", T0 + STOP_HOLD).state == "expired"


def test_a_freeze_has_no_timer_and_ends_only_when_released(store: Store) -> None:
    confirm(store, "A1")
    orders = propose_freezes(store, positions([("R1", "A1", 9_000, T0)]), ["A1"], T0)
    save_orders(store, orders)
    oid = orders[0].order_id
    assert oid.startswith("FZ-")
    update_order(store, oid, "acknowledged", T0)
    fz = update_order(store, oid, "executed", T0 + H, held_fen=9_000)
    assert fz.expires_at is None
    assert expire_due(store, T0 + 1000 * H) == []
    for bad in ("renewed", "expired"):
        with pytest.raises(OrderError):
            update_order(store, oid, bad, T0 + 1000 * H)
    assert update_order(store, oid, "released", T0 + 1000 * H).state == "released"


def test_executed_amount_cannot_exceed_what_was_asked(store: Store) -> None:
    o = one_order(store)
    update_order(store, o.order_id, "acknowledged", T0)
    with pytest.raises(OrderError, match="outside"):
        update_order(store, o.order_id, "executed", T0 + H, held_fen=50_001)
    with pytest.raises(OrderError, match="only with executed"):
        update_order(store, o.order_id, "rejected", T0 + H, held_fen=1)


def test_apply_refuses_naive_times(store: Store) -> None:
    o = one_order(store)
    with pytest.raises(OrderError, match="time zone"):
        apply(o, "acknowledged", dt.datetime(2026, 3, 1))


# --- proposals -----------------------------------------------------------------------------


def test_orders_carry_checks_evidence_and_addressee(store: Store) -> None:
    # The victims' money came in by two payments; the checks name those, not the sum held.
    txn(store, 1, T0 - 2 * H, "V1", "A1", 30_000)
    txn(store, 2, T0 - H, "V2", "A1", 40_000)
    pos = positions([("R1", "A1", 30_000, T0 - 2 * H), ("R2", "A1", 20_000, T0 - H)])
    [o] = propose_stop_payments(store, pos, T0)
    assert (o.kind, o.inst_id, o.addressee, o.account_name) == (
        "stop_payment", "ICBC", "中国工商银行", "张三"
    )  # fmt: skip
    assert o.amount_fen == 50_000
    assert o.report_ids == ("R1", "R2")
    assert o.checks == {
        "account_name": "张三",
        "account_number": "A1",
        "txn_id": 2,
        "amount_fen": 40_000,
        "time": (T0 - H).isoformat(),
        "transactions": [
            {"txn_id": 1, "amount_fen": 30_000, "time": (T0 - 2 * H).isoformat()},
            {"txn_id": 2, "amount_fen": 40_000, "time": (T0 - H).isoformat()},
        ],
    }
    assert [v["report_id"] for v in o.evidence["victims"]] == ["R1", "R2"]
    assert "紧急止付" in o.legal_basis
    save_orders(store, [o])
    assert load_orders(store)[0] == o


def test_ranking_puts_bigger_and_sooner_to_move_first(store: Store) -> None:
    # A2 passes money on within 10 minutes; A3 holds it for about a day.
    for i in range(3):
        t = T0 - (50 - i) * H
        txn(store, 10 * i + 1, t, "X", "A2", 1000)
        txn(store, 10 * i + 2, t + 10 * M, "A2", "Y", 1000)
        txn(store, 10 * i + 3, t, "X", "A3", 1000)
        txn(store, 10 * i + 4, t + 24 * H, "A3", "Y", 1000)
    pos = positions([
        ("R1", "A1", 10_000, T0 - 5 * M),   # small, unknown habits
        ("R2", "A2", 100_000, T0 - 5 * M),  # same as A3 but moves soon
        ("R3", "A3", 100_000, T0 - 5 * M),
    ])  # fmt: skip
    got = propose_stop_payments(store, pos, T0)
    assert [o.account for o in got] == ["A2", "A3", "A1"]
    assert got[0].evidence["hold_time_s"] == 600
    # Same habits, bigger amount first.
    bigger = propose_stop_payments(
        store, positions([("R1", "A2", 1_000, T0), ("R2", "A3", 9_000_000, T0)]), T0
    )
    assert bigger[0].account == "A3"


def test_no_second_live_order_for_an_account(store: Store) -> None:
    one_order(store, "A1")
    pos = positions([("R9", "A1", 1_000, T0), ("R9", "A2", 1_000, T0)])
    assert [o.account for o in propose_stop_payments(store, pos, T0 + H)] == ["A2"]
    # Saving a duplicate by hand is refused, and nothing of the batch is kept.
    dup = dataclasses.replace(
        propose_stop_payments(store, pos, T0 + H)[0], account="A1", order_id="SP-X"
    )
    other = propose_stop_payments(store, pos, T0 + H)[0]
    with pytest.raises(DuplicateOrderError):
        save_orders(store, [other, dup])
    assert store.count("orders") == 1
    # A stopped account may still be frozen; a frozen one gets no stop.
    confirm(store, "A1")
    freeze = propose_freezes(store, pos, ["A1"], T0 + H)
    assert [o.account for o in freeze] == ["A1"]
    save_orders(store, freeze)
    assert propose_freezes(store, pos, ["A1"], T0 + 2 * H) == []


def test_a_closed_order_no_longer_blocks(store: Store) -> None:
    o = one_order(store, "A1")
    update_order(store, o.order_id, "acknowledged", T0)
    update_order(store, o.order_id, "rejected", T0 + M)
    pos = positions([("R1", "A1", 1_000, T0)])
    assert len(propose_stop_payments(store, pos, T0 + H)) == 1


def test_freezes_default_to_case_confirmed_accounts(store: Store) -> None:
    store.con.execute(
        "insert into case_confirmations values ('C1', 'R1', ?, 'account', 'A2', null), "
        "('C2', 'R1', ?, 'account', 'A3', null)",
        [T0 - H, T0 + H],  # C2 is confirmed only later
    )
    pos = positions([("R1", "A1", 1_000, T0), ("R1", "A2", 2_000, T0), ("R1", "A3", 3_000, T0)])
    [o] = propose_freezes(store, pos, now=T0)
    assert (o.account, o.kind, o.evidence["cases"]) == ("A2", "freeze", ["C1"])
    assert "C1" in o.legal_basis


def test_asked_accounts_only_narrow_the_case_confirmed_set(store: Store) -> None:
    confirm(store, "A2")
    pos = positions([("R1", "A1", 1_000, T0), ("R1", "A2", 2_000, T0)])
    # An account no case confirms is refused, by name, even alongside a confirmed one.
    with pytest.raises(UnconfirmedAccountError, match="account A1: not confirmed in any case"):
        propose_freezes(store, pos, ["A1", "A2"], T0)
    with pytest.raises(UnconfirmedAccountError):
        propose_freezes(store, pos, ["A1"], T0)
    # A confirmation made after `now` does not count yet.
    confirm(store, "A1", at=T0 + H)
    with pytest.raises(UnconfirmedAccountError):
        propose_freezes(store, pos, ["A1"], T0)
    [o] = propose_freezes(store, pos, ["A2"], T0)
    assert (o.account, o.evidence["cases"]) == ("A2", ["C-A2"])
    assert "case(s): -" not in o.legal_basis and "C-A2" in o.legal_basis


def test_unknown_accounts_and_empty_positions_give_no_orders(store: Store) -> None:
    assert propose_stop_payments(store, positions([("R1", "ZZ", 1_000, T0)]), T0) == []
    assert propose_stop_payments(store, positions([]), T0) == []
    assert propose_stop_payments(store, positions([("R1", "A1", 0, T0)]), T0) == []


def test_mixed_methods_are_refused(store: Store) -> None:
    pos = positions([("R1", "A1", 1_000, T0)])
    mixed = pa.concat_tables([pos, pos.set_column(3, "method", pa.array(["poison"]))])
    with pytest.raises(ValueError, match="mix"):
        propose_stop_payments(store, mixed, T0)


# --- saving ----------------------------------------------------------------------------------


def test_a_failure_mid_save_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pos = positions([("R1", "A1", 1_000, T0), ("R2", "A2", 2_000, T0)])
    orders = propose_stop_payments(store, pos, T0)

    def boom(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(order_store, "_insert_events", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        save_orders(store, orders)
    assert store.count("orders") == store.count("order_events") == 0
    monkeypatch.undo()
    assert save_orders(store, orders) == 2
    assert store.count("order_events") == 2


def test_migration_adds_orders_to_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=3)
    con.close()
    with Store(path) as store:
        assert store.version == LATEST >= 4
        assert {"orders", "order_events"} <= set(store.tables())


def test_a_duplicate_names_the_stored_live_order_not_the_refused_one(store: Store) -> None:
    live = one_order(store, "A1")
    pos = positions([("R9", "A1", 1_000, T0)])
    dup = dataclasses.replace(live, order_id="SP-NEW")
    with pytest.raises(DuplicateOrderError) as refused:
        save_orders(store, [dup])
    why = str(refused.value)
    assert why == f"account A1 already has a live stop payment order, {live.order_id}"
    assert "SP-NEW" not in why
    # Two new orders for one account in one batch: neither is stored.
    confirm(store, "A1")
    twins = [dataclasses.replace(o, order_id=f"FZ-{i}")
             for i, o in enumerate(propose_freezes(store, pos, ["A1"], T0 + H) * 2)]
    with pytest.raises(DuplicateOrderError, match="account A1 is ordered twice"):
        save_orders(store, twins)
    assert store.count("orders") == 1


def test_a_stop_renewed_twice_and_expired_is_not_restarted_by_a_new_stop(store: Store) -> None:
    o = one_order(store, "A1")  # R1's money on A1
    update_order(store, o.order_id, "acknowledged", T0)
    update_order(store, o.order_id, "executed", T0)
    for i in range(MAX_RENEWALS):
        update_order(store, o.order_id, "renewed", T0 + (i + 1) * H)
    later = T0 + (MAX_RENEWALS + 1) * STOP_HOLD
    assert expire_due(store, later) == [o.order_id]
    # The same victim's money on the same account: a new stop would be a fourth 48 h period.
    pos = positions([("R1", "A1", 50_000, T0 - H), ("R1", "A2", 1_000, T0 - H)])
    again = propose_stop_payments(store, pos, later + H)
    with pytest.raises(DuplicateOrderError, match=f"{o.order_id}.*freeze") as refused:
        save_orders(store, again)
    assert "account A1" in str(refused.value) and "R1" in str(refused.value)
    assert store.count("orders") == 1
    # Money of other reports on that account may still be stopped (overlap is by report)...
    [other] = propose_stop_payments(store, positions([("R7", "A1", 2_000, T0)]), later + H)
    save_orders(store, [other])
    # ...and a stop that expired before two renewals does not block a new one.
    o2 = one_order(store, "A2")
    update_order(store, o2.order_id, "acknowledged", T0)
    update_order(store, o2.order_id, "executed", T0)
    expire_due(store, T0 + STOP_HOLD)
    assert len(propose_stop_payments(store, positions([("R1", "A2", 1, T0)]), later)) == 1
    save_orders(store, propose_stop_payments(store, positions([("R1", "A2", 1, T0)]), later))


def test_proposing_without_naming_accounts_leaves_out_spent_stops(store: Store) -> None:
    """`orders propose` and the console's issue skip a used-up stop instead of storing nothing."""
    o = one_order(store, "A1")
    update_order(store, o.order_id, "acknowledged", T0)
    update_order(store, o.order_id, "executed", T0)
    for i in range(MAX_RENEWALS):
        update_order(store, o.order_id, "renewed", T0 + (i + 1) * H)
    later = T0 + (MAX_RENEWALS + 1) * STOP_HOLD
    expire_due(store, later)
    pos = positions([("R1", "A1", 50_000, T0 - H), ("R1", "A2", 1_000, T0 - H),
                     ("R7", "A1", 2_000, T0 - H)])  # fmt: skip
    kept = without_spent_stops(store, pos)
    assert sorted(zip(kept.column("report_id").to_pylist(), kept.column("account").to_pylist(),
                      strict=True)) == [("R1", "A2"), ("R7", "A1")]  # fmt: skip
    saved = save_orders(store, propose_stop_payments(store, kept, later + H))
    assert saved == 2


def test_no_step_is_dated_before_the_orders_last_step(store: Store) -> None:
    o = one_order(store, "A1")
    update_order(store, o.order_id, "acknowledged", T0 + 2 * H)
    with pytest.raises(OrderError, match="before its last step"):
        update_order(store, o.order_id, "executed", T0 + H, 1_000)
    assert [e.event for e in order_history(store, o.order_id)] == ["request", "acknowledge"]
    update_order(store, o.order_id, "executed", T0 + 2 * H, 1_000)  # the same instant is fine
