"""Returns (原路返还) for a victim who paid from two accounts: a deep deposit goes back to the
paying account(s) the victim's money in it left from, split by what the trace gives each.

A hand-built ledger: victim R1 pays 6,000 yuan from a bank card and 4,000 yuan from Alipay into
the first-level card M1; M1 passes 5,000 to M2 (all card money, first in, first out), then 5,000
to M3 (1,000 card and 4,000 Alipay); M3 passes 3,000 on to M4 (the 1,000 card money and 2,000 of
the Alipay money), three hops from the victim, and keeps 2,000 of the Alipay money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import Store
from fraudlink.trace import allocation as alloc
from fraudlink.trace.allocation import Piece
from fraudlink.trace.engine import trace_all, trace_matched
from fraudlink.trace.orders import propose_freezes, save_orders, update_order
from fraudlink.trace.return_runs import (
    _paid_by,
    paid_deposits,
    plan_for_account,
    plan_run,
    plans_for_freezes,
)
from fraudlink.trace.returns import return_plan
from fraudlink.trace.schemas import DEPOSITS

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 7, 2, 0, tzinfo=UTC)  # a Saturday, 10:00 China time
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
CARD, ALIPAY = "6222000000000001", "2088000000000001"
NOW = T0 + 2 * H

# (minute, from, to, fen): the victim's two payments, then the laundering chain.
CHAIN = [
    (0, CARD, "M1", 600_000),
    (2, ALIPAY, "M1", 400_000),
    (10, "M1", "M2", 500_000),
    (12, "M1", "M3", 500_000),
    (20, "M3", "M4", 300_000),
]


def make_store(path: Path, chain: list[tuple[int, str, str, int]]) -> Store:
    """A store with the chain's transactions and report R1 naming the victim's payments."""
    s = Store(path)
    s.con.execute("insert into institutions values ('ICBC', '中国工商银行', 'bank', null, null)")
    for a in sorted({r[1] for r in chain} | {r[2] for r in chain}):
        s.con.execute(
            "insert into bank_accounts (account, inst_id, account_class, holder_kind, owner_idno, "
            "owner_name, opened_at) values (?, 'ICBC', 2, 'personal', ?, ?, ?)",
            [a, f"ID-{a}", f"holder {a}", T0 - 100 * H],
        )
    for i, (minute, frm, to, fen) in enumerate(chain, start=1):
        s.con.execute(
            "insert into transactions (txn_id, time, from_account, to_account, amount_fen, "
            "channel) values (?, ?, ?, ?, ?, 'transfer')",
            [i, T0 + minute * M, frm, to, fen],
        )
    paid = [(m, f, t, fen) for m, f, t, fen in chain if f in (CARD, ALIPAY)]
    s.con.execute(
        "insert into victim_reports (report_id, reported_at, victim_idno, district, fraud_type, "
        "contact_channel, narrative, claimed_loss_fen) values "
        "('R1', ?, 'ID-V', 'd', '刷单返利', 'call', 'paid from a card and from Alipay', ?)",
        [T0 + H, sum(r[3] for r in paid)],
    )
    for seq, (minute, frm, to, fen) in enumerate(paid, start=1):
        s.con.execute(
            "insert into report_payments (report_id, seq, paid_at, from_account, to_account, "
            "amount_fen) values ('R1', ?, ?, ?, ?, ?)",
            [seq, T0 + minute * M, frm, to, fen],
        )
    return s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = make_store(tmp_path / "s.duckdb", CHAIN)
    yield s
    s.close()


def paid(store: Store, account: str, frozen_fen: int) -> dict[str | None, int]:
    """Fen per paying account in the plan for a freeze of `account` at NOW."""
    plan = plan_for_account(store, account, frozen_fen, NOW, now=NOW)
    assert plan.returned_fen + plan.kept_fen == frozen_fen
    return {ln.paying_account: ln.amount_fen for ln in plan.lines if ln.amount_fen}


def test_a_deep_deposit_of_money_from_both_accounts_goes_back_to_both(store: Store) -> None:
    assert paid(store, "M4", 300_000) == {CARD: 100_000, ALIPAY: 200_000}


def test_a_partly_frozen_deposit_goes_back_to_the_money_still_there(store: Store) -> None:
    # M3's 2,000 left is Alipay money: its card money went on to M4 (and goes back from there).
    assert paid(store, "M3", 200_000) == {ALIPAY: 200_000}
    assert paid(store, "M3", 150_000) == {ALIPAY: 150_000}
    # A bank holding more than tracing finds: the rest by what of each part had left.
    assert paid(store, "M3", 250_000) == {ALIPAY: 233_333, CARD: 16_667}


def test_a_deep_deposit_of_one_accounts_money_goes_back_to_that_account(store: Store) -> None:
    assert paid(store, "M2", 500_000) == {CARD: 500_000}


def test_the_plan_text_names_both_accounts(store: Store) -> None:
    text = plan_for_account(store, "M4", 300_000, NOW, now=NOW).to_text()
    assert "paying account unknown" not in text
    assert f"R1  ->  {CARD}  ¥1,000.00" in text and f"R1  ->  {ALIPAY}  ¥2,000.00" in text
    assert "several of the victim's paying accounts" in text


def test_the_executed_freezes_return_each_paying_accounts_money(store: Store) -> None:
    for a in ("M2", "M3", "M4"):
        store.con.execute("insert into case_confirmations values (?, 'R1', ?, 'account', ?, null)",
                          [f"C-{a}", NOW - 5 * M, a])  # fmt: skip
    traced = trace_all(store, NOW)
    orders = propose_freezes(store, traced.positions, now=NOW, received=traced.received)
    save_orders(store, orders)
    for o in orders:
        update_order(store, o.order_id, "acknowledged", NOW + 10 * M)
        update_order(store, o.order_id, "executed", NOW + 20 * M, o.amount_fen)
    plans = plans_for_freezes(store, plan_date=dt.date(2026, 3, 9), now=NOW + H)
    got = {p.account: {ln.paying_account: ln.amount_fen for ln in p.lines if ln.amount_fen}
           for p in plans}  # fmt: skip
    assert got == {
        "M2": {CARD: 500_000},
        "M3": {ALIPAY: 200_000},
        "M4": {CARD: 100_000, ALIPAY: 200_000},
    }


def test_every_deposit_names_a_paying_account_and_keeps_its_amount(store: Store) -> None:
    result = trace_all(store, NOW)
    before, after = result.deposits(), paid_deposits(store, result).table
    assert pc.all(pc.is_valid(after["paying_account"])).as_py()
    keys = ["account", "txn_id", "report_id"]
    total = [("amount_fen", "sum")]
    order = [(k, "ascending") for k in keys]
    assert (before.group_by(keys).aggregate(total).sort_by(order)
            .equals(after.group_by(keys).aggregate(total).sort_by(order)))  # fmt: skip


def test_a_mixed_deep_deposit_splits_as_the_trace_says(store: Store) -> None:
    rows = paid_deposits(store, trace_all(store, NOW), "M4").table.to_pylist()
    assert {(r["txn_id"], r["paying_account"], r["amount_fen"]) for r in rows} == {
        (5, CARD, 100_000),
        (5, ALIPAY, 200_000),
    }


# --- random chains: the split of every deposit is whole fen and adds up exactly -------------

ACCOUNTS = ("M1", "M2", "M3")


@st.composite
def chains(draw: st.DrawFn) -> list[tuple[int, str, str, int]]:
    """The victim's card and Alipay payments into the chain, then transfers inside it."""
    rows = [
        (0, CARD, draw(st.sampled_from(ACCOUNTS)), draw(st.integers(1, 10**7))),
        (draw(st.integers(0, 5)), ALIPAY, draw(st.sampled_from(ACCOUNTS)),
         draw(st.integers(1, 10**7))),
    ]  # fmt: skip
    for _ in range(draw(st.integers(1, 5))):  # at most 6 hops: no money past the depth limit
        frm, to = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=2, max_size=2, unique=True))
        rows.append((draw(st.integers(1, 30)), frm, to, draw(st.integers(1, 10**7))))
    return sorted(rows, key=lambda r: r[0])


@settings(max_examples=25, deadline=None)
@given(chains())
def test_split_deposits_sum_exactly_to_the_deposit(
    tmp_path_factory: pytest.TempPathFactory, chain: list[tuple[int, str, str, int]]
) -> None:
    with make_store(tmp_path_factory.mktemp("chain") / "s.duckdb", chain) as store:
        result = trace_all(store, NOW)
        before, after = result.deposits(), paid_deposits(store, result).table
    assert pc.all(pc.is_valid(after["paying_account"])).as_py()
    assert set(after["paying_account"].to_pylist()) <= {CARD, ALIPAY}
    got: dict[tuple[str, int], int] = {}
    for r in after.to_pylist():
        assert r["amount_fen"] > 0
        got[(r["account"], r["txn_id"])] = got.get((r["account"], r["txn_id"]), 0) + r["amount_fen"]
    assert got == {(r["account"], r["txn_id"]): r["amount_fen"] for r in before.to_pylist()}


def traced_by_paying_account(store: Store) -> dict[str, dict[str, int]]:
    """Per account, the fen of R1's money in it from each paying account, by a trace that
    follows the card's money and the Alipay money as two victims."""
    own = store.arrow(
        "select txn_id from transactions where from_account in (?, ?) order by txn_id",
        [CARD, ALIPAY],
    )["txn_id"].to_pylist()
    paying = dict(store.con.execute(
        "select txn_id, from_account from transactions where from_account in (?, ?)",
        [CARD, ALIPAY]).fetchall())  # fmt: skip
    matched = pa.table({
        "report_id": [paying[t] for t in own], "seq": pa.array(range(1, len(own) + 1), pa.int16()),
        "txn_id": own, "matched_by": ["exact"] * len(own),
    })  # fmt: skip
    out: dict[str, dict[str, int]] = {}
    for r in trace_matched(store, matched, NOW).positions.to_pylist():
        out.setdefault(r["account"], {})[r["report_id"]] = r["amount_fen"]
    return out


@settings(max_examples=25, deadline=None)
@given(chains())
def test_a_freeze_of_the_traced_money_returns_each_paying_accounts_money_as_traced(
    tmp_path_factory: pytest.TempPathFactory, chain: list[tuple[int, str, str, int]]
) -> None:
    with make_store(tmp_path_factory.mktemp("chain") / "s.duckdb", chain) as store:
        for account, traced in traced_by_paying_account(store).items():
            assert paid(store, account, sum(traced.values())) == traced


# --- the arithmetic -----------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**12), min_size=1, max_size=6))
def test_apportion_is_whole_fen_summing_to_the_total(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        return
    parts = alloc.apportion(total, weights)
    assert sum(parts) == total
    for part, w in zip(parts, weights, strict=True):
        exact = Fraction(total * w, sum(weights))
        assert abs(part - exact) < 1
        assert w > 0 or part == 0


def test_apportion_gives_a_tied_fen_to_the_earliest_and_refuses_nonsense() -> None:
    assert alloc.apportion(1, [1, 1]) == [1, 0]
    assert alloc.apportion(5, [1, 1, 1]) == [2, 2, 1]
    assert alloc.apportion(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError, match="all 0"):
        alloc.apportion(3, [0, 0])
    with pytest.raises(ValueError, match=">= 0"):
        alloc.apportion(3, [1, -1])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(1, 10**8), min_size=2, max_size=4),
    st.integers(0, 5 * 10**8),
    st.none() | st.integers(0, 5 * 10**8),
)
def test_a_partly_frozen_deposit_is_shared_by_its_parts(
    parts: list[int], balance: int, loss: int | None
) -> None:
    at = T0 - H
    pieces = [Piece("R1", 7, at, fen) for fen in parts]
    got = alloc.fifo(balance, pieces, None if loss is None else {"R1": loss})
    expected = min(balance, sum(parts), loss if loss is not None else balance)
    assert sum(got) == expected
    assert all(0 <= g <= p for g, p in zip(got, parts, strict=True))
    assert got == alloc.apportion(expected, parts)


def test_the_plan_of_a_split_deposit_shares_the_frozen_part() -> None:
    rows = [
        {"account": "F", "txn_id": 9, "time": T0, "amount_fen": fen, "report_id": "R1",
         "paying_account": a}
        for a, fen in ((CARD, 300), (ALIPAY, 100))
    ]  # fmt: skip
    plan = return_plan("F", 201, pa.Table.from_pylist(rows, schema=DEPOSITS), T0 + H)
    assert plan.rule == "single"
    assert {ln.paying_account: ln.amount_fen for ln in plan.lines} == {CARD: 151, ALIPAY: 50}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 10**8), st.integers(0, 10**8)), min_size=1, max_size=4),
    st.integers(0, 5 * 10**8),
)
def test_what_is_still_there_goes_back_first(parts: list[tuple[int, int]], fen: int) -> None:
    pieces = [Piece("R1", 7, T0, amount, min(held, amount)) for amount, held in parts]
    got = alloc.share_deposit(fen, pieces)
    assert sum(got) == min(fen, sum(p.amount_fen for p in pieces))
    held = [p.held_fen or 0 for p in pieces]
    for g, p, h in zip(got, pieces, held, strict=True):
        assert 0 <= g <= p.amount_fen
        # Money that had left is returned only once all that is still there is.
        assert g <= h if fen <= sum(held) else g >= h


def test_a_run_passes_each_freeze_what_is_still_there() -> None:
    rows = [
        {"account": "F", "txn_id": 9, "time": T0, "amount_fen": fen, "report_id": "R1",
         "paying_account": a}
        for a, fen in ((CARD, 300), (ALIPAY, 100))
    ]  # fmt: skip
    deposits = pa.Table.from_pylist(rows, schema=DEPOSITS)
    at = T0 + H
    still = {(9, "R1", CARD): 20, (9, "R1", ALIPAY): 100}
    [plan] = plan_run([("F", 120, at)], deposits, {}, held={("F", at): still})
    assert {ln.paying_account: ln.amount_fen for ln in plan.lines} == {CARD: 20, ALIPAY: 100}
    [plan] = plan_run([("F", 120, at)], deposits, {})
    assert {ln.paying_account: ln.amount_fen for ln in plan.lines} == {CARD: 90, ALIPAY: 30}


def test_without_a_trace_a_deposit_splits_by_what_each_account_had_paid() -> None:
    payments = [(T0, CARD, 600), (T0 + 2 * M, ALIPAY, 400), (T0 + 9 * M, "OTHER", 50)]
    assert _paid_by(payments, T0 + 5 * M) == {CARD: 600, ALIPAY: 400}
    assert _paid_by(payments, T0 - M) == {CARD: 600, ALIPAY: 400, "OTHER": 50}
    assert _paid_by(payments, None) == {CARD: 600, ALIPAY: 400, "OTHER": 50}


def test_a_deposit_split_by_paying_account_is_one_deposit_in_the_reason() -> None:
    # Txn 9 is R1's money from two of R1's accounts, txn 10 R2's: two deposits, not three.
    t0 = dt.datetime(2026, 3, 7, 2, tzinfo=dt.UTC)
    rows = [
        dict(account="F", txn_id=9, time=t0, amount_fen=300, report_id="R1", paying_account="C"),
        dict(account="F", txn_id=9, time=t0, amount_fen=100, report_id="R1", paying_account="A"),
        dict(account="F", txn_id=10, time=t0 + dt.timedelta(minutes=5), amount_fen=100,
             report_id="R2", paying_account="X"),
    ]  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=DEPOSITS)
    for frozen in (250, 1000):
        plan = return_plan("F", frozen, table, t0 + dt.timedelta(hours=1), account_deposits=2)
        assert "2 deposits" in plan.reason and "3 deposits" not in plan.reason, plan.reason
