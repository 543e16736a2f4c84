"""Return plans (原路返还) by Article 8: allocation arithmetic, rule choice, dates and rendering."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.trace import allocation as alloc
from fraudlink.trace.allocation import Piece
from fraudlink.trace.returns import ReturnLine, add_working_days, return_plan, yuan
from fraudlink.trace.schemas import DEPOSITS

ACCOUNT = "6222000011112222"
T0 = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in China
FROZEN_AT = dt.datetime(2026, 5, 8, 1, 30, tzinfo=dt.UTC)  # Friday 09:30 in China


def deposits(rows: Sequence[tuple[str | None, int, int]], account: str = ACCOUNT) -> pa.Table:
    """A DEPOSITS table from (victim, minute after T0, amount_fen); txn ids in row order."""
    return pa.Table.from_pylist(
        [
            {
                "account": account,
                "txn_id": i + 1,
                "time": T0 + dt.timedelta(minutes=minute),
                "amount_fen": fen,
                "report_id": victim,
                "paying_account": None if victim is None else f"pay-{victim}",
            }
            for i, (victim, minute, fen) in enumerate(rows)
        ],
        schema=DEPOSITS,
    )


def per_victim(plan_lines: tuple[ReturnLine, ...]) -> dict[str, int]:
    """Returned fen per victim."""
    out: dict[str, int] = {}
    for ln in plan_lines:
        out[ln.report_id] = out.get(ln.report_id, 0) + ln.amount_fen
    return out


def tie_break_oracle(balance: int, pieces: list[Piece]) -> bool:
    """Whether every order the timestamps allow gives each victim the same FIFO allocation."""
    results = set()
    for perm in itertools.permutations(range(len(pieces))):
        # Keep the timestamp order, vary only the order within equal timestamps.
        order = sorted(perm, key=lambda i: pieces[i].time or T0, reverse=True)
        left, got = balance, dict[str | None, int]()
        for i in order:
            take = min(pieces[i].amount_fen, left)
            left -= take
            got[pieces[i].victim] = got.get(pieces[i].victim, 0) + take
        results.add(tuple(sorted(got.items(), key=lambda kv: str(kv[0]))))
    return len(results) == 1


# Few victims and few distinct minutes, so ties and repeat victims are common.
VICTIMS = st.sampled_from(["R1", "R2", "R3", None])
ROWS = st.lists(
    st.tuples(VICTIMS, st.integers(0, 4), st.integers(1, 5_000_000)), min_size=0, max_size=8
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[tuple[str | None, int, int]], int, dict[str, int] | None]:
    """Deposit rows, a frozen balance and maybe a losses mapping."""
    rows = draw(ROWS)
    total = sum(r[2] for r in rows)
    frozen = draw(st.integers(0, total + total // 2 + 100))
    losses = draw(
        st.none() | st.dictionaries(st.sampled_from(["R1", "R2", "R3"]), st.integers(0, 6_000_000))
    )
    return rows, frozen, losses


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from([None, "fifo", "pro_rata"]))
def test_plan_never_exceeds_balance_loss_or_deposits(
    case: tuple[list[tuple[str | None, int, int]], int, dict[str, int] | None], rule: str | None
) -> None:
    rows, frozen, losses = case
    plan = return_plan(ACCOUNT, frozen, deposits(rows), FROZEN_AT, losses, rule)
    assert all(ln.amount_fen >= 0 for ln in plan.lines)
    assert plan.returned_fen <= frozen
    assert plan.returned_fen + plan.kept_fen == frozen  # no fen created or lost
    got = per_victim(plan.lines)
    for victim, fen in got.items():
        assert fen <= sum(r[2] for r in rows if r[0] == victim)
        if losses and victim in losses:
            assert fen <= losses[victim]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10**9), max_size=10), st.integers(0, 10**10))
def test_pro_rata_shares_plus_kept_is_the_balance(claims: list[int], balance: int) -> None:
    shares = alloc.pro_rata(balance, claims)
    kept = balance - sum(shares)
    assert kept >= 0 and sum(shares) + kept == balance
    assert all(0 <= s <= c for s, c in zip(shares, claims, strict=True))
    if sum(claims) > balance:
        # Only rounding is kept when the claims exceed the balance: under one fen per claim.
        assert kept < max(len(claims), 1)
        for s, c in zip(shares, claims, strict=True):
            assert s * sum(claims) <= balance * c < (s + 1) * sum(claims)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5_000_000)), min_size=1, max_size=6),
    st.integers(0, 40_000_000),
    st.none() | st.integers(0, 40_000_000),
)
def test_fifo_and_pro_rata_agree_for_one_victim(
    rows: list[tuple[int, int]], frozen: int, loss: int | None
) -> None:
    table = deposits([("R1", m, fen) for m, fen in rows])
    losses = None if loss is None else {"R1": loss}
    fifo = return_plan(ACCOUNT, frozen, table, FROZEN_AT, losses, "fifo")
    pro = return_plan(ACCOUNT, frozen, table, FROZEN_AT, losses, "pro_rata")
    assert per_victim(fifo.lines) == per_victim(pro.lines)
    expected = min(frozen, sum(fen for _, fen in rows), loss if loss is not None else 10**18)
    assert fifo.returned_fen == expected


@given(st.integers(1, 10**9), st.integers(0, 2 * 10**9), st.none() | st.integers(0, 10**9))
def test_single_deposit_goes_back_to_its_victim(amount: int, frozen: int, loss: int | None) -> None:
    plan = return_plan(
        ACCOUNT,
        frozen,
        deposits([("R7", 0, amount)]),
        FROZEN_AT,
        None if loss is None else {"R7": loss},
    )
    assert plan.rule == "single" and "Article 8(1)" in plan.reason
    (line,) = plan.lines
    assert (line.report_id, line.paying_account) == ("R7", "pay-R7")
    assert line.amount_fen == min(amount, frozen, loss if loss is not None else amount)
    assert plan.notice_date is None and plan.earliest_return is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 1_000_000), min_size=2, max_size=8), st.integers(0, 10_000_000))
def test_fifo_with_distinct_times_fills_newest_first(amounts: list[int], frozen: int) -> None:
    # Victims alternate; row i is at minute i, so later rows are newer.
    rows = [(f"R{i % 3}", i, fen) for i, fen in enumerate(amounts)]
    plan = return_plan(ACCOUNT, frozen, deposits(rows), FROZEN_AT)
    assert plan.rule == "fifo" and "Article 8(2)" in plan.reason
    pieces = [Piece(v, i + 1, T0 + dt.timedelta(minutes=m), f) for i, (v, m, f) in enumerate(rows)]
    got = alloc.fifo(frozen, pieces)
    left = frozen
    for i in reversed(range(len(amounts))):  # newest first
        assert got[i] == min(amounts[i], left)
        left -= got[i]
    assert sum(got) == min(frozen, sum(amounts))


@settings(max_examples=300, deadline=None)
@given(cases())
def test_rule_follows_article_8_order(
    case: tuple[list[tuple[str | None, int, int]], int, dict[str, int] | None],
) -> None:
    rows, frozen, _ = case
    rows = rows[:6]  # the oracle tries every order
    plan = return_plan(ACCOUNT, frozen, deposits(rows), FROZEN_AT)
    pieces = [Piece(v, i + 1, T0 + dt.timedelta(minutes=m), f) for i, (v, m, f) in enumerate(rows)]
    if not rows:
        assert plan.rule == "none" and not plan.lines
    elif len(rows) == 1 and rows[0][0] is not None:
        assert plan.rule == "single"
    elif tie_break_oracle(frozen, pieces):
        assert plan.rule == "fifo"
    else:
        assert plan.rule == "pro_rata" and "Article 8(3)" in plan.reason
        assert plan.notice_date is not None and plan.earliest_return is not None


def test_same_time_deposits_straddling_the_balance_go_pro_rata() -> None:
    table = deposits([("R1", 0, 30_000), ("R2", 5, 60_000), ("R3", 5, 30_000)])
    # 100,000 fen frozen: R2 and R3 (same minute, 90,000) are covered, R1 partly -> FIFO.
    assert return_plan(ACCOUNT, 100_000, table, FROZEN_AT).rule == "fifo"
    # 45,000 frozen: the balance runs out inside the R2/R3 tie -> pro rata over all victims.
    plan = return_plan(ACCOUNT, 45_000, table, FROZEN_AT)
    assert plan.rule == "pro_rata"
    assert per_victim(plan.lines) == {"R1": 11_250, "R2": 22_500, "R3": 11_250}
    assert plan.kept_fen == 0


def test_pro_rata_keeps_remainder_and_unidentified_share() -> None:
    table = deposits([("R1", 0, 100), ("R2", 0, 100), (None, 0, 100)])
    plan = return_plan(ACCOUNT, 100, table, FROZEN_AT)
    assert plan.rule == "pro_rata" and "not yet identified" in plan.reason
    assert per_victim(plan.lines) == {"R1": 33, "R2": 33}
    assert plan.kept_fen == 34  # 33 held for the unidentified victim + 1 fen remainder


def test_loss_cap_is_not_passed_to_older_deposits() -> None:
    table = deposits([("R1", 0, 500), ("R2", 1, 500)])
    plan = return_plan(ACCOUNT, 600, table, FROZEN_AT, losses={"R2": 200})
    # R2's newest deposit covers 500 but R2 lost 200; the older R1 deposit still gets only 100.
    assert per_victim(plan.lines) == {"R1": 100, "R2": 200}
    assert plan.kept_fen == 300


def test_dates_notice_and_bank_working_days() -> None:
    table = deposits([("R1", 0, 100), ("R2", 0, 100)])
    plan = return_plan(ACCOUNT, 150, table, FROZEN_AT)  # frozen Friday 2026-05-08 (China)
    assert plan.notice_date == dt.date(2026, 5, 8)
    assert plan.earliest_return == dt.date(2026, 6, 8)  # notice days 05-09 .. 06-07
    assert plan.bank_due_date == dt.date(2026, 6, 11)  # Monday + 3 working days
    fifo = return_plan(ACCOUNT, 150, table, FROZEN_AT, rule="fifo")
    assert fifo.notice_date is None
    assert fifo.bank_due_date == dt.date(2026, 5, 13)  # Friday -> Mon, Tue, Wed
    late = dt.datetime(2026, 5, 8, 17, 0, tzinfo=dt.UTC)  # Saturday 01:00 in China
    assert return_plan(ACCOUNT, 150, table, late, rule="fifo").bank_due_date == dt.date(2026, 5, 13)
    assert add_working_days(dt.date(2026, 5, 6), 3) == dt.date(2026, 5, 11)


def test_text_and_json_render() -> None:
    table = deposits([("R1", 0, 123_456), ("R2", 0, 100_000)])
    plan = return_plan(ACCOUNT, 200_001, table, FROZEN_AT, losses={"R1": 100_000})
    doc = plan.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["frozen_fen"] == 200_001 and doc["rule"] == "pro_rata"
    assert doc["notice_date"] == "2026-05-08" and doc["frozen_at"].startswith("2026-05-08T01:30")
    assert sum(ln["amount_fen"] for ln in doc["lines"]) + doc["kept_fen"] == 200_001
    text = plan.to_text()
    assert "¥2,000.01" in text and "2026-05-08 09:30 (UTC+8)" in text
    assert "原路返还" in text and "按比例返还" in text and "继续冻结" in text
    assert "capped at the reported loss ¥1,000.00" in text
    assert yuan(-5) == "-¥0.05" and yuan(123_456_789) == "¥1,234,567.89"


def test_other_accounts_and_bad_input() -> None:
    table = pa.concat_tables([deposits([("R1", 0, 100)]), deposits([("R2", 0, 900)], "other")])
    plan = return_plan(ACCOUNT, 1_000, table, FROZEN_AT)
    assert per_victim(plan.lines) == {"R1": 100} and plan.kept_fen == 900
    with pytest.raises(ValueError):
        return_plan(ACCOUNT, -1, table, FROZEN_AT)
    with pytest.raises(ValueError):
        return_plan(ACCOUNT, 1, table, FROZEN_AT.replace(tzinfo=None))
    with pytest.raises(ValueError):
        return_plan(ACCOUNT, 1, table, FROZEN_AT, rule="poison")
    empty = return_plan(ACCOUNT, 500, deposits([]), FROZEN_AT)
    assert empty.rule == "none" and empty.kept_fen == 500 and empty.bank_due_date is None
    assert "nothing to return" in empty.to_text()


def test_untimed_deposit_orders_nothing() -> None:
    def piece(victim: str, time: dt.datetime | None, fen: int) -> Piece:
        return Piece(victim, 1, time, fen)

    pieces = [piece("R1", T0, 100), piece("R2", None, 100)]
    assert not alloc.owners_determined(150, pieces)  # R2's deposit could be newer or older
    assert alloc.owners_determined(200, pieces)  # the balance covers both
    assert alloc.owners_determined(50, [piece("R1", T0, 100), piece("R1", None, 100)])


def test_pro_rata_weights_are_losses_up_to_what_was_traced() -> None:
    table = deposits([("R1", 0, 600), ("R2", 0, 400)])
    plan = return_plan(ACCOUNT, 500, table, FROZEN_AT, losses={"R1": 100})
    # Article 8(3): each victim's loss over the total. R1 claims its loss 100, R2 (no loss
    # known) the 400 traced here: 500 claims, the balance covers them all.
    assert per_victim(plan.lines) == {"R1": 100, "R2": 400}
    assert plan.kept_fen == 0
    plan = return_plan(ACCOUNT, 300, table, FROZEN_AT, losses={"R1": 400, "R2": 200})
    # Claims 400 and 200 (not the traced 600 and 400): 300 * 400/600 and 300 * 200/600.
    assert per_victim(plan.lines) == {"R1": 200, "R2": 100}
