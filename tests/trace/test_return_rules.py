"""Article 8 returns from tracing and across a run: late reports, paying accounts, caps, dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.ingest import ingest_paths
from fraudlink.simulate import load_config, simulate_to_dir
from fraudlink.store import Store
from fraudlink.trace.return_runs import plan_for_account, plan_run
from fraudlink.trace.returns import return_plan
from fraudlink.trace.schemas import DEPOSITS, TRAIL
from fraudlink.trace.tables import deposits_table

UTC = dt.UTC
T0 = dt.datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def dep(account: str, txn: int, minute: int, fen: int, victim: str | None) -> dict[str, object]:
    return {
        "account": account,
        "txn_id": txn,
        "time": T0 + dt.timedelta(minutes=minute),
        "amount_fen": fen,
        "report_id": victim,
        "paying_account": None if victim is None else f"pay-{victim}",
    }


def table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=DEPOSITS)


def test_single_needs_one_deposit_in_the_account() -> None:
    # Only R1's deposit is traced, but the ledger says the account received 3 by the freeze.
    t = table([dep("A", 1, 0, 5_000, "R1")])
    at = T0 + dt.timedelta(hours=1)
    assert return_plan("A", 1_000, t, at).rule == "single"
    plan = return_plan("A", 1_000, t, at, account_deposits=3)
    assert plan.rule != "single" and "8(1)" not in plan.reason


def test_deposits_after_the_freeze_do_not_count() -> None:
    t = table([dep("A", 1, 0, 5_000, "R1"), dep("A", 2, 120, 9_000, "R2")])
    plan = return_plan("A", 1_000, t, T0 + dt.timedelta(hours=1))
    assert plan.rule == "single" and {ln.report_id for ln in plan.lines} == {"R1"}


def test_each_deposit_names_its_own_paying_account() -> None:
    def row(hop: int, txn: int, minute: int, src: str, dst: str, fen: int) -> dict[str, object]:
        return {"report_id": "R1", "hop": hop, "txn_id": txn,
                "time": T0 + dt.timedelta(minutes=minute), "from_account": src,
                "to_account": dst, "amount_fen": fen, "method": "fifo"}  # fmt: skip

    trail = pa.Table.from_pylist(
        [
            row(1, 1, 0, "card", "M1", 700),
            row(1, 2, 5, "alipay", "F", 500),
            row(2, 3, 1, "M1", "F", 300),  # before the Alipay payment: only the card paid by then
        ],
        schema=TRAIL,
    )
    got = {r["txn_id"]: r["paying_account"] for r in deposits_table(trail, {"R1": "card"}, "F")
           .to_pylist()}  # fmt: skip
    assert got == {2: "alipay", 3: "card"}
    plan = return_plan("F", 500, deposits_table(trail, {}, "F"), T0 + dt.timedelta(hours=1))
    assert {(ln.paying_account, ln.amount_fen) for ln in plan.lines if ln.amount_fen} == {
        ("alipay", 500)
    }


def test_loss_cap_is_cumulative_across_the_run() -> None:
    t = table([dep("A", 1, 0, 600_000, "R1"), dep("B", 2, 1, 600_000, "R1")])
    at = T0 + dt.timedelta(hours=1)
    plans = plan_run([("B", 600_000, at), ("A", 600_000, at)], t, {"R1": 1_000_000})
    assert [p.account for p in plans] == ["A", "B"]
    assert [p.returned_fen for p in plans] == [600_000, 400_000]
    assert all(p.returned_fen + p.kept_fen == p.frozen_fen for p in plans)


def test_plan_date_sets_the_notice() -> None:
    t = table([dep("A", 1, 0, 600, "R1"), dep("A", 2, 0, 400, "R2")])
    day = dt.date(2026, 11, 30)
    [plan] = plan_run([("A", 500, T0 + dt.timedelta(hours=1))], t, {}, plan_date=day)
    assert plan.rule == "pro_rata" and plan.notice_date == day
    assert plan.earliest_return == day + dt.timedelta(days=31)


VICTIMS = st.sampled_from(["R1", "R2", "R3", None])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.integers(0, 3), st.integers(1, 10**6), VICTIMS),
        max_size=10,
    ),
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.integers(0, 2 * 10**6), st.integers(0, 5)),
        max_size=4,
        unique_by=lambda f: f[0],
    ),
    st.dictionaries(st.sampled_from(["R1", "R2", "R3"]), st.integers(0, 2 * 10**6)),
    st.sampled_from([None, "fifo", "pro_rata"]),
)
def test_run_never_returns_more_than_a_loss(
    rows: list[tuple[str, int, int, str | None]],
    freezes: list[tuple[str, int, int]],
    losses: dict[str, int],
    rule: str | None,
) -> None:
    t = table([dep(a, i + 1, m, fen, v) for i, (a, m, fen, v) in enumerate(rows)])
    runs = [(a, fen, T0 + dt.timedelta(minutes=m)) for a, fen, m in freezes]
    plans = plan_run(runs, t, losses, rule)
    got: dict[str, int] = {}
    for p in plans:
        assert p.returned_fen + p.kept_fen == p.frozen_fen and p.kept_fen >= 0
        for ln in p.lines:
            assert ln.amount_fen >= 0
            got[ln.report_id] = got.get(ln.report_id, 0) + ln.amount_fen
    for victim, fen in got.items():
        if victim in losses:
            assert fen <= losses[victim]


@pytest.fixture(scope="module")
def seed2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ret")
    simulate_to_dir(load_config("tiny"), 2, out / "world")
    with Store(out / "s.duckdb") as store:
        ingest_paths(store, [out / "world" / "feeds"])
    return out / "s.duckdb"


def test_a_victim_who_reported_after_the_freeze_gets_their_money(seed2: Path) -> None:
    at = dt.datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 16:00 China time
    with Store(seed2) as store:
        plan = plan_for_account(store, "6228482593942700578", 22_140, at)
    assert plan.rule == "fifo"
    paid = {(ln.report_id, ln.paying_account): ln.amount_fen for ln in plan.lines}
    assert paid[("R2026030300002", "6217856494150943847")] == 22_140
    # R...0001 paid this account from Alipay, not from the card of its other payments.
    assert ("R2026030300001", "2088002965559195") in paid
    assert plan.bank_due_date is not None and plan.bank_due_date > dt.date(2026, 3, 6)
