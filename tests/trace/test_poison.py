"""Poison, the upper bound: where each victim's money may be, never more than the victim paid.

Per (account, victim) the poison books keep a bound: the victim's money that can have come in,
capped at the loss. An outflow carries, for every victim present, the whole amount up to that
bound; a position is the bound capped at the account's known balance. Bounds overlap: one
victim's positions and exits are each at most what the victim paid, but do not add up to it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.trace.engine import TraceResult, result_from_ledger, trace_all
from fraudlink.trace.match_payments import MATCHED
from fraudlink.trace.replay import CASH_OUT, DEPTH_LIMIT, Flows, replay
from fraudlink.trace.schemas import TS
from fraudlink.trace.tables import victim_totals

V0_ACCOUNT, V1_ACCOUNT, OUTSIDE = 9, 8, 7  # the victims' own accounts, and clean money's source
Ledger = tuple[list[int], list[int], list[int], list[int]]


def _held(flows: Flows) -> dict[tuple[int, int], int]:
    return {k: v[0] for k, v in flows.held.items()}


# Victim 0 pays 100 into account 0 and victim 1 pays 60 into account 1; account 0 splits the
# 100 over accounts 2 and 3, account 1 pays its 60 into 2 (merged with victim 0's 40), 2 pays 50
# on to 3, and 3 cashes out 30.
SPLIT_MERGE: Ledger = (
    [V0_ACCOUNT, V1_ACCOUNT, 0, 0, 1, 2, 3],
    [0, 1, 2, 3, 2, 3, -1],
    [100, 60, 40, 60, 60, 50, 30],
    [0, 1, -1, -1, -1, -1, -1],
)


def test_split_and_merge_with_another_victim() -> None:
    flows = replay(*SPLIT_MERGE, "poison")
    # Account 2 holds 50 of its 100: all of victim 0's 40 may be there, or 50 of victim 1's 60.
    # Account 3 got 60 + up to 40 of victim 0 (capped at the loss, 100) and up to 50 of victim 1;
    # after 30 out its balance is 80, which caps victim 0.
    assert _held(flows) == {(2, 0): 40, (2, 1): 50, (3, 0): 80, (3, 1): 50}
    assert flows.exits == [(6, 0, CASH_OUT, 30), (6, 1, CASH_OUT, 30)]
    assert flows.trail == [
        (0, 0, 1, 100), (1, 1, 1, 60), (2, 0, 2, 40), (3, 0, 2, 60), (4, 1, 2, 60),
        (5, 0, 3, 40), (5, 1, 3, 50), (6, 0, 3, 30), (6, 1, 4, 30),
    ]  # fmt: skip
    fifo = replay(*SPLIT_MERGE, "fifo")
    assert _held(fifo) == {(2, 1): 50, (3, 0): 70, (3, 1): 10}
    assert fifo.exits == [(6, 0, CASH_OUT, 30)]


def test_split_and_merge_totals_do_not_exceed_what_was_paid() -> None:
    result = _result(SPLIT_MERGE, "poison")
    pos = {(r["report_id"], r["account"]): r["amount_fen"] for r in result.positions.to_pylist()}
    assert pos == {("R0", "A2"): 40, ("R0", "A3"): 80, ("R1", "A2"): 50, ("R1", "A3"): 50}
    # The bounds of victim 0's positions add up to 120 of the 100 paid: the total is capped.
    assert _totals(result, "R0") == {
        "paid_fen": 100, "held_fen": 100, "cashed_out_fen": 30, "beyond_depth_fen": 0,
    }  # fmt: skip
    assert _totals(result, "R1") == {
        "paid_fen": 60, "held_fen": 60, "cashed_out_fen": 30, "beyond_depth_fen": 0,
    }  # fmt: skip
    fifo = _result(SPLIT_MERGE, "fifo")
    assert _totals(fifo, "R0") == {
        "paid_fen": 100, "held_fen": 70, "cashed_out_fen": 30, "beyond_depth_fen": 0,
    }  # fmt: skip


def test_cash_outs_each_capped_at_the_loss() -> None:
    # 1,000 clean, then the victim's 100, in account 0; it pays 300 to account 1 twice, and each
    # cashes out: every outflow may carry all of the victim's 100, never more.
    ledger: Ledger = (
        [OUTSIDE, V0_ACCOUNT, 0, 0, 1, 0],
        [0, 0, 1, 1, -1, -1],
        [1_000, 100, 300, 300, 500, 300],
        [-1, 0, -1, -1, -1, -1],
    )
    flows = replay(*ledger, "poison")
    assert flows.exits == [(4, 0, CASH_OUT, 100), (5, 0, CASH_OUT, 100)]
    assert _held(flows) == {(0, 0): 100, (1, 0): 100}  # account 1 got 200 that may be the 100
    result = _result(ledger, "poison")
    assert _totals(result, "R0") == {
        "paid_fen": 100, "held_fen": 100, "cashed_out_fen": 100, "beyond_depth_fen": 0,
    }  # fmt: skip
    fifo = replay(*ledger, "fifo")  # the 900 paid out before the cash-out were clean
    assert (_held(fifo), fifo.exits) == ({(0, 0): 100}, [])


def test_a_cycle_does_not_multiply_the_victims_money() -> None:
    # 50 clean and the victim's 100 in account 0; 120 goes round 0 -> 1 -> 0 -> 1, then account 1
    # cashes out 100.
    ledger: Ledger = (
        [OUTSIDE, V0_ACCOUNT, 0, 1, 0, 1],
        [0, 0, 1, 0, 1, -1],
        [50, 100, 120, 120, 120, 100],
        [-1, 0, -1, -1, -1, -1],
    )
    flows = replay(*ledger, "poison")
    assert flows.trail == [
        (1, 0, 1, 100), (2, 0, 2, 100), (3, 0, 3, 100), (4, 0, 2, 100), (5, 0, 3, 100),
    ]  # fmt: skip
    assert flows.exits == [(5, 0, CASH_OUT, 100)]
    # Account 0 keeps 30 and account 1 keeps 20: either may be the victim's.
    assert flows.held == {(0, 0): [30, 1, 3], (1, 0): [20, 2, 4]}
    assert _totals(_result(ledger, "poison"), "R0") == {
        "paid_fen": 100, "held_fen": 50, "cashed_out_fen": 100, "beyond_depth_fen": 0,
    }  # fmt: skip
    fifo = replay(*ledger, "fifo")
    assert _held(fifo) == {}
    assert sorted(fifo.exits) == [(5, 0, CASH_OUT, 30), (5, 0, CASH_OUT, 70)]
    # With 3 hops, FIFO's 70 that went round the cycle is past the limit; poison, at the fewest
    # hops the victim's money can have there, still follows it.
    assert replay(*ledger, "fifo", 3).exits == [(4, 0, DEPTH_LIMIT, 70), (5, 0, CASH_OUT, 30)]
    assert replay(*ledger, "poison", 3).exits == [(5, 0, CASH_OUT, 100)]


def test_money_the_books_never_saw_may_have_left_first() -> None:
    # The victim's 100 into account 0, which pays 60 to account 1 and then 90 to account 2: 50
    # more than the books show it received, so it held money from before the taint. That money
    # may have made up the 60, and all 90 may be the victim's.
    ledger: Ledger = ([V0_ACCOUNT, 0, 0], [0, 1, 2], [100, 60, 90], [0, -1, -1])
    flows = replay(*ledger, "poison")
    assert flows.trail == [(0, 0, 1, 100), (1, 0, 2, 60), (2, 0, 2, 90)]
    assert _held(flows) == {(1, 0): 60, (2, 0): 90}  # account 0's known balance is 0
    assert _totals(_result(ledger, "poison"), "R0") == {
        "paid_fen": 100, "held_fen": 100, "cashed_out_fen": 0, "beyond_depth_fen": 0,
    }  # fmt: skip
    assert _held(replay(*ledger, "fifo")) == {(1, 0): 60, (2, 0): 40}


@st.composite
def ledgers(draw: st.DrawFn, victims: int = 3) -> Ledger:
    """Random time-ordered rows over 5 accounts: victims' payments (also from an account that
    holds others' money), transfers (cycles and self-transfers included), cash-outs, clean money
    in, and outflows beyond what an account is known to hold."""
    frm: list[int] = []
    to: list[int] = []
    amount: list[int] = []
    seed: list[int] = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["seed", "move", "move", "move", "cash", "clean"]))
        acc = draw(st.integers(0, 4))
        if kind == "seed":
            frm.append(draw(st.sampled_from([V0_ACCOUNT, V1_ACCOUNT, draw(st.integers(0, 4))])))
            to.append(acc)
            seed.append(draw(st.integers(0, victims - 1)))
        elif kind == "clean":
            frm.append(OUTSIDE)
            to.append(acc)
            seed.append(-1)
        else:
            frm.append(acc)
            to.append(draw(st.integers(0, 4)) if kind == "move" else -1)
            seed.append(-1)
        amount.append(draw(st.integers(1, 1_000)))
    return frm, to, amount, seed


@settings(max_examples=400, deadline=None)
@given(ledgers(), st.integers(1, 6))
def test_poison_is_capped_at_the_loss_and_bounds_fifo_and_pro_rata(
    ledger: Ledger, max_hops: int
) -> None:
    frm, to, amount, seed = ledger
    paid: dict[int, int] = defaultdict(int)
    for i, v in enumerate(seed):
        if v >= 0:
            paid[v] += amount[i]
    poison = replay(frm, to, amount, seed, "poison", max_hops)
    held = _held(poison)
    for (_, v), fen in held.items():
        assert 0 < fen <= paid[v]
    for row, v, _, fen in poison.exits:
        assert 0 < fen <= min(paid[v], amount[row])
    for row, v, _, fen in poison.trail:
        assert 0 < fen <= min(paid[v], amount[row])
    for method in ("fifo", "pro_rata"):
        other = replay(frm, to, amount, seed, method, max_hops)
        for key, fen in _held(other).items():
            assert held.get(key, 0) >= fen, (method, key)
        for key, fen in _cashed(other).items():  # every cash-out, too
            assert _cashed(poison).get(key, 0) >= fen, (method, key)


@settings(max_examples=100, deadline=None)
@given(ledgers(victims=2), st.sampled_from(["fifo", "pro_rata", "poison"]))
def test_totals_never_exceed_what_was_paid(ledger: Ledger, method: str) -> None:
    result = _result(ledger, method)
    for rid in ("R0", "R1"):
        t = _totals(result, rid)
        for fen in result.positions_of(rid)["amount_fen"].to_pylist():
            assert fen <= t["paid_fen"]
        for fen in result.exits_of(rid)["amount_fen"].to_pylist():
            assert fen <= t["paid_fen"]
        if method == "poison":
            assert max(t["held_fen"], t["cashed_out_fen"], t["beyond_depth_fen"]) <= t["paid_fen"]
        else:
            assert t["paid_fen"] == t["held_fen"] + t["cashed_out_fen"] + t["beyond_depth_fen"]


def test_poison_on_the_tiny_world(store: Store) -> None:
    fifo, poison = trace_all(store), trace_all(store, method="poison")
    f = {(r["report_id"], r["account"]): r["amount_fen"] for r in fifo.positions.to_pylist()}
    p = {(r["report_id"], r["account"]): r["amount_fen"] for r in poison.positions.to_pylist()}
    assert all(p.get(k, 0) >= v for k, v in f.items())
    reports = set(poison.matched.column("report_id").to_pylist())
    assert reports
    for rid in reports:
        t = _totals(poison, rid)
        assert max(t["held_fen"], t["cashed_out_fen"], t["beyond_depth_fen"]) <= t["paid_fen"]
        for part in (poison.positions_of(rid), poison.exits_of(rid)):
            assert all(fen <= t["paid_fen"] for fen in part["amount_fen"].to_pylist())
        assert _totals(fifo, rid)["held_fen"] <= t["held_fen"]


def _cashed(flows: Flows) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = defaultdict(int)
    for row, v, kind, fen in flows.exits:
        if kind == CASH_OUT:
            out[(row, v)] += fen
    return dict(out)


def _result(ledger: Ledger, method: str) -> TraceResult:
    """A hand-made ledger (accounts A0.., victims R0..) through the engine's tables."""
    frm, to, amount, seed = ledger
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    n = len(frm)
    table = pa.table(
        {
            "txn_id": pa.array(range(1, n + 1), pa.int64()),
            "time": pa.array([t0 + timedelta(minutes=i) for i in range(n)], TS),
            "from_account": [f"A{a}" for a in frm],
            "to_account": pa.array([f"A{a}" if a >= 0 else None for a in to], pa.string()),
            "amount_fen": pa.array(amount, pa.int64()),
            "channel": ["transfer" if a >= 0 else "atm_cash_out" for a in to],
            "terminal": pa.array([None] * n, pa.string()),
            "report_id": pa.array([f"R{v}" if v >= 0 else None for v in seed], pa.string()),
        }
    )
    return result_from_ledger(table, MATCHED.empty_table(), method, 6, t0 + timedelta(days=1))


def _totals(result: TraceResult, rid: str) -> dict[str, int]:
    return victim_totals(
        result.trail(rid), result.positions_of(rid), result.exits_of(rid), result.method
    )
