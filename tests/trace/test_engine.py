"""Lot accounting on random small ledgers, and the one-pass trace on the tiny world."""

from __future__ import annotations

from collections import defaultdict

import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.trace.engine import ledger_end, trace_all, trace_report
from fraudlink.trace.index import LedgerIndex
from fraudlink.trace.replay import Flows, replay
from fraudlink.trace.schemas import DEPOSITS, EXITS, POSITIONS, TRAIL

VICTIM_ACCOUNT = 9  # seeds are paid from outside the mule accounts 0..4
Ledger = tuple[list[int], list[int], list[int], list[int]]


@st.composite
def ledgers(draw: st.DrawFn, victims: int = 3, clean: bool = True) -> Ledger:
    """Random time-ordered rows: victims' payments, transfers, cash-outs, clean money in."""
    frm: list[int] = []
    to: list[int] = []
    amount: list[int] = []
    seed: list[int] = []
    balance = [0] * 5
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(
            st.sampled_from(["seed", "move", "move", "cash"] + (["clean"] if clean else []))
        )
        acc = draw(st.integers(0, 4))
        a = draw(st.integers(1, 1_000))
        if kind in ("seed", "clean"):
            frm.append(VICTIM_ACCOUNT)
            to.append(acc)
            seed.append(draw(st.integers(0, victims - 1)) if kind == "seed" else -1)
            balance[acc] += a
        else:
            if not clean:  # never more than the account holds: no unknown opening money
                if not balance[acc]:
                    continue
                a = min(a, balance[acc])
            dst = draw(st.integers(0, 4)) if kind == "move" else -1
            frm.append(acc)
            to.append(dst)
            seed.append(-1)
            balance[acc] = max(balance[acc] - a, 0)
            if dst >= 0:
                balance[dst] += a
        amount.append(a)
    return frm, to, amount, seed


def _held(flows: Flows) -> dict[tuple[int, int], int]:
    return {k: v[0] for k, v in flows.held.items()}


@settings(max_examples=300, deadline=None)
@given(ledgers(), st.sampled_from(["fifo", "pro_rata"]), st.integers(1, 6))
def test_money_is_conserved_per_victim_and_account(
    ledger: Ledger, method: str, max_hops: int
) -> None:
    frm, to, amount, seed = ledger
    flows = replay(frm, to, amount, seed, method, max_hops)
    paid: dict[int, int] = defaultdict(int)
    for i, v in enumerate(seed):
        if v >= 0:
            paid[v] += amount[i]
    where: dict[int, int] = defaultdict(int)
    for (_, v), fen in _held(flows).items():
        where[v] += fen
    for _, v, _, fen in flows.exits:
        where[v] += fen
    assert dict(where) == {v: a for v, a in paid.items() if a} or sum(paid.values()) == 0
    # Per account and victim: what came in = what went out + what is held.
    inflow: dict[tuple[int, int], int] = defaultdict(int)
    outflow: dict[tuple[int, int], int] = defaultdict(int)
    for row, v, _, fen in flows.trail:
        if to[row] >= 0:
            inflow[(to[row], v)] += fen
        if seed[row] < 0:
            outflow[(frm[row], v)] += fen
    for row, v, kind, fen in flows.exits:
        if kind == 1:  # depth limit: taken from the payer, not traced further
            outflow[(frm[row], v)] += fen
    held = _held(flows)
    for key in set(inflow) | set(outflow) | set(held):
        assert inflow[key] == outflow[key] + held.get(key, 0), key
    assert all(fen > 0 for _, _, _, fen in flows.trail)


@settings(max_examples=300, deadline=None)
@given(ledgers(victims=1, clean=False))
def test_fifo_and_pro_rata_agree_for_one_victim_without_clean_money(ledger: Ledger) -> None:
    frm, to, amount, seed = ledger
    fifo = replay(frm, to, amount, seed, "fifo", 50)
    pro = replay(frm, to, amount, seed, "pro_rata", 50)
    assert _held(fifo) == _held(pro)
    assert _exits_by_row(fifo) == _exits_by_row(pro)


def _exits_by_row(flows: Flows) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for row, _, _, fen in flows.exits:
        out[row] += fen
    return dict(out)


@settings(max_examples=300, deadline=None)
@given(ledgers(), st.integers(1, 6))
def test_poison_bounds_fifo_per_account(ledger: Ledger, max_hops: int) -> None:
    frm, to, amount, seed = ledger
    fifo = _held(replay(frm, to, amount, seed, "fifo", max_hops))
    poison = _held(replay(frm, to, amount, seed, "poison", max_hops))
    for key, fen in fifo.items():
        assert poison.get(key, 0) >= fen, key


def test_clean_money_first_in_goes_out_first() -> None:
    # Account 0: 100 clean, then 50 of victim 0; 120 out: 100 clean + 20 of the victim.
    flows = replay([9, 9, 0], [0, 0, 1], [100, 50, 120], [-1, 0, -1], "fifo")
    assert flows.trail == [(1, 0, 1, 50), (2, 0, 2, 20)]
    assert _held(flows) == {(0, 0): 30, (1, 0): 20}
    pro = replay([9, 9, 0], [0, 0, 1], [100, 50, 120], [-1, 0, -1], "pro_rata")
    assert _held(pro) == {(0, 0): 10, (1, 0): 40}


def test_trace_all_conserves_each_victims_money(store: Store) -> None:
    r = trace_all(store)
    assert (r.positions.schema, r.exits.schema, r.trail_rows.schema) == (POSITIONS, EXITS, TRAIL)
    assert r.trail_rows.num_rows and r.positions.num_rows and r.exits.num_rows
    for rid in set(r.matched.column("report_id").to_pylist()):
        trail = r.trail(rid)
        paid = pc.sum(trail.filter(pc.equal(trail["hop"], 1))["amount_fen"]).as_py()
        held = pc.sum(r.positions_of(rid)["amount_fen"]).as_py() or 0
        gone = pc.sum(r.exits_of(rid)["amount_fen"]).as_py() or 0
        assert paid == held + gone, rid


def test_one_victim_from_memory_equals_sql(store: Store) -> None:
    index = LedgerIndex(store)
    for rid in store.arrow("select report_id from victim_reports order by 1 limit 5")[0]:
        for method in ("fifo", "pro_rata", "poison"):
            a = trace_report(store, rid.as_py(), method=method, max_hops=5)
            b = trace_report(store, rid.as_py(), method=method, max_hops=5, index=index)
            assert a.trail_rows.equals(b.trail_rows)
            assert a.positions.equals(b.positions)
            assert a.exits.equals(b.exits)


def test_deposits_of_an_account(store: Store) -> None:
    r = trace_all(store)
    acc = r.positions.sort_by([("amount_fen", "descending")])["account"][0].as_py()
    dep = r.deposits(acc)
    assert dep.schema == DEPOSITS and dep.num_rows
    assert set(dep["account"].to_pylist()) == {acc}
    assert all(p is not None for p in dep["paying_account"].to_pylist())


def test_as_of_sees_only_the_past(store: Store) -> None:
    first = store.arrow("select min(time) as t from transactions")["t"][0].as_py()
    mid = first + (ledger_end(store) - first) / 2
    early = trace_all(store, as_of=mid)
    assert early.trail_rows.num_rows
    assert pc.max(early.trail_rows["time"]).as_py() <= mid
    assert early.matched.num_rows < trace_all(store).matched.num_rows


def test_unknown_method(store: Store) -> None:
    with pytest.raises(ValueError, match="attribution method"):
        trace_all(store, method="lifo")
