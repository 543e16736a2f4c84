"""Sellers of goods the chain has only just paid, and sellers paid by two victims' chains.

The goods rule waits two hours after the chain pays an account before it calls it a seller (a
mule card with a friend's small payment looks like one until it sweeps the money on). A shop
with dozens of strangers paying it a day, and a seller that kept the chain's earlier money a
whole day, need no wait; a card paid at the seller's POS terminal is a purchase too. Mule cards
are stopped as before, fresh or not. And one victim's trace, by SQL or from a `LedgerIndex`,
judges a seller as the trace of every victim does.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_purchases import BUYERS, T0, D, H, Ledger, M, book_of, make_store, seller_life

from fraudlink.engine.fund_control import traced_orders
from fraudlink.store import Store
from fraudlink.trace import engine
from fraudlink.trace.engine import trace_all, trace_report
from fraudlink.trace.index import LedgerIndex
from fraudlink.trace.orders import propose_stop_payments

PAID_AT = T0 + 6 * D + 10 * H  # the victim's payment, as in test_purchases
NOW = PAID_AT + 3 * H
FRESH = NOW - 30 * M  # the chain pays the seller half an hour before the trace


def stops(s: Store, at: dt.datetime = NOW) -> set[str]:
    """The accounts a trace of every victim at `at` would stop."""
    return {o.account for o in propose_stop_payments(s, trace_all(s, at).positions, at)}


def victim(led: Ledger, to_seller: str = "S", at: dt.datetime = FRESH, channel: str = "merchant",
           fen: int = 20_000) -> None:  # fmt: skip
    """The victim pays L1 10,000 yuan; L1 sweeps it to L2; L2 pays the seller `fen` at `at`."""
    led.pay(PAID_AT, "V", "L1", 1_000_000, "transfer")
    led.pay(PAID_AT + 8 * M, "L1", "L2", 980_000, "transfer")
    led.pay(at, "L2", to_seller, fen, channel)


def shop_day(led: Ledger, shop: str = "SHOP", n: int = 30, keeps: bool = True) -> None:
    """`n` strangers pay the shop in the 20 hours before the trace; it keeps the money, or
    (not `keeps`) passes each payment on within minutes."""
    for i in range(n):
        t = NOW - 20 * H + i * 40 * M
        led.pay(t, f"C{i}", shop, 5_000, "merchant")
        if not keeps:
            led.pay(t + 5 * M, shop, "AWAY", 5_000, "transfer")


def test_a_shop_paid_by_the_chain_half_an_hour_ago_is_not_stopped(tmp_path: Path) -> None:
    """Thirty strangers paid the shop today and it kept their money: no mule card looks like
    that, and its fresh sale to the chain is money spent, not money held. Fails on the code
    that stopped every account the chain paid within two hours."""
    led = Ledger()
    shop_day(led)
    victim(led, to_seller="SHOP")
    with make_store(tmp_path / "s.duckdb", led) as s:
        assert stops(s) == {"L1", "L2"}
        got = traced_orders(s, ["R1"], NOW, set(), book=book_of(s))
        assert sorted(a.target for a in got.actions) == ["L1", "L2"]


def test_a_busy_card_that_passes_its_money_on_is_stopped_when_fresh(tmp_path: Path) -> None:
    """Thirty payers a day, each payment gone within minutes: a pass-through, not a shop."""
    led = Ledger()
    shop_day(led, keeps=False)
    victim(led, to_seller="SHOP")
    with make_store(tmp_path / "s.duckdb", led) as s:
        assert stops(s) == {"L1", "L2", "SHOP"}


def earlier_chain_bought_from_the_seller() -> tuple[Ledger, dt.datetime]:
    """The seller's own life, victim R0's chain buying from it three days before NOW (the seller
    keeps the money), and victim R1's chain of today; with the time of R0's purchase."""
    led = Ledger()
    seller_life(led)
    early = NOW - 3 * D
    led.pay(early - 2 * H, "V0", "K1", 400_000, "transfer")
    led.pay(early - H, "K1", "K2", 390_000, "transfer")
    led.pay(early, "K2", "S", 300_000, "payment")
    victim(led)
    return led, early


def report_earlier_chain(s: Store, early: dt.datetime) -> None:
    """Victim R0's report, an hour after its chain's purchase."""
    s.con.execute(
        "insert into victim_reports (report_id, reported_at, victim_idno, district, "
        "fraud_type, contact_channel, narrative, claimed_loss_fen) values "
        "('R0', ?, 'ID-V0', 'd', '刷单返利', 'call', 'paid a task deposit', 400000)",
        [early + H],
    )
    s.con.execute(
        "insert into report_payments (report_id, seq, paid_at, from_account, to_account, "
        "amount_fen) values ('R0', 1, ?, 'V0', 'K1', 400000)",
        [early - 2 * H],
    )


def test_a_seller_that_kept_the_chains_money_a_day_is_not_stopped_for_a_fresh_sale(
    tmp_path: Path,
) -> None:
    """Three days ago victim R0's chain bought from the seller, who kept the money; half an hour
    before the trace R1's chain buys from it again. Fails on the old code, which stopped it."""
    led, early = earlier_chain_bought_from_the_seller()
    with make_store(tmp_path / "s.duckdb", led) as s:
        report_earlier_chain(s, early)
        assert stops(s) == {"K1", "K2", "L1", "L2"}


def test_the_engine_remembers_a_closed_reports_chain_when_it_judges_a_seller(
    tmp_path: Path,
) -> None:
    """The engine traced R0 three days ago (its chain bought from the seller, who kept the
    money); R0 is closed now and only R1 is traced, its chain buying from the seller half an
    hour before. R0's card is still a chain card: the seller kept the chain's money a day and is
    not stopped. Fails on the old code, and on a rule that forgets closed reports' chains (R0's
    card would be one of the seller's own buyers, and the seller never held chain money)."""
    led, early = earlier_chain_bought_from_the_seller()
    with make_store(tmp_path / "s.duckdb", led) as s:
        report_earlier_chain(s, early)
        book = book_of(s)
        then = traced_orders(s, ["R0"], early + 3 * H, set(), book=book)
        assert sorted(a.target for a in then.actions) == ["K1", "K2"]
        now = traced_orders(s, ["R1"], NOW, {"K1", "K2"}, book=book)
        assert sorted(a.target for a in now.actions) == ["L1", "L2"]


def test_a_card_that_passed_the_chains_money_on_before_is_stopped_when_fresh(
    tmp_path: Path,
) -> None:
    """A card with buyers of its own that passed the chain's money of three days ago on within
    the hour has not held it: a fresh payment into it waits to be judged, and it is stopped."""
    led = Ledger()
    seller_life(led)
    early = NOW - 3 * D
    led.pay(early, "L2", "S", 300_000, "payment")
    led.pay(early + 40 * M, "S", "AWAY", 300_000, "transfer")
    victim(led)
    with make_store(tmp_path / "s.duckdb", led) as s:
        assert "S" in stops(s)


def test_a_card_paid_at_the_sellers_pos_terminal_is_a_purchase(tmp_path: Path) -> None:
    """A chain card paying at the seller's own POS terminal buys goods, as a payment code does.
    Fails on the old code, which read only `payment` and `merchant` as purchases."""
    led = Ledger()
    seller_life(led)
    victim(led, at=PAID_AT + 48 * M, channel="pos", fen=500_000)
    with make_store(tmp_path / "s.duckdb", led) as s:
        assert stops(s) == {"L1", "L2"}


def two_chains(led: Ledger, first: dt.datetime, second: dt.datetime, buyers: int = 2) -> None:
    """A seller with `buyers` of its own; victim V's chain (L1, L2; report R1) pays it at
    `first`, victim W's (M1, M2; report R2) at `second`, both by payment code."""
    for i, b in enumerate(BUYERS[:buyers]):
        led.pay(T0 + (i + 1) * D, b, "S", 30_000, "payment")
    led.pay(PAID_AT, "V", "L1", 1_000_000, "transfer")
    led.pay(PAID_AT + 8 * M, "L1", "L2", 980_000, "transfer")
    led.pay(first, "L2", "S", 200_000, "payment")
    led.pay(PAID_AT + 10 * M, "W", "M1", 500_000, "transfer")
    led.pay(PAID_AT + 20 * M, "M1", "M2", 490_000, "transfer")
    led.pay(second, "M2", "S", 100_000, "payment")


def add_second_report(s: Store) -> None:
    s.con.execute(
        "insert into victim_reports (report_id, reported_at, victim_idno, district, fraud_type, "
        "contact_channel, narrative, claimed_loss_fen) values "
        "('R2', ?, 'ID-W', 'd', '刷单返利', 'call', 'paid a task deposit', 500000)",
        [PAID_AT + H],
    )
    s.con.execute(
        "insert into report_payments (report_id, seq, paid_at, from_account, to_account, "
        "amount_fen) values ('R2', 1, ?, 'W', 'M1', 500000)",
        [PAID_AT + 10 * M],
    )


def verdicts(s: Store, at: dt.datetime) -> tuple[bool, bool, bool]:
    """Whether victim R1's money is held at the seller, by the trace of every victim, by one
    victim's trace by SQL, and by one victim's trace from a `LedgerIndex`."""
    index = LedgerIndex(s)
    return (
        "S" in trace_all(s, at).positions_of("R1").column("account").to_pylist(),
        "S" in trace_report(s, "R1", at).positions.column("account").to_pylist(),
        "S" in trace_report(s, "R1", at, index=index).positions.column("account").to_pylist(),
    )


def test_one_victims_trace_judges_a_seller_as_the_trace_of_every_victim(tmp_path: Path) -> None:
    """R1's chain bought from the seller 2 h 40 min ago; R2's chain, half an hour ago. The
    trace of both waits on the seller (R2's money has not had time to move) and stops it; one
    victim's trace used to see R2's card as one of the seller's own buyers, and R2's fresh
    payment not at all, and let it off. Fails on the old code."""
    led = Ledger()
    two_chains(led, first=NOW - 160 * M, second=FRESH)
    with make_store(tmp_path / "s.duckdb", led) as s:
        add_second_report(s)
        assert verdicts(s, NOW) == (True, True, True)


@settings(max_examples=20, deadline=None)
@given(
    first=st.integers(50, 175),  # minutes after the victim's payment, before NOW (180)
    second=st.integers(30, 175),
    buyers=st.integers(0, 3),
    spent=st.one_of(st.none(), st.integers(1, 175)),
)
def test_every_trace_gives_the_seller_the_same_verdict(
    first: int, second: int, buyers: int, spent: int | None
) -> None:
    """Whenever two chains pay a seller, one victim's trace, by SQL or from memory, and the trace
    of every victim agree on whether the seller holds that victim's money."""
    led = Ledger()
    two_chains(led, PAID_AT + first * M, PAID_AT + second * M, buyers)
    if spent is not None:
        led.pay(PAID_AT + spent * M, "S", "AWAY", 150_000, "transfer")
    with tempfile.TemporaryDirectory() as d, make_store(Path(d) / "s.duckdb", led) as s:
        add_second_report(s)
        got = verdicts(s, NOW)
        assert len(set(got)) == 1, got


def test_the_sub_ledger_of_every_report_is_kept_until_the_feeds_grow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Traces of one victim by SQL build every report's sub-ledger once while nothing is loaded;
    a new report is seen at once. With R1 alone reported, R2's card looks like one of the
    seller's own buyers; once R2 reports, its fresh payment makes the seller a holder."""
    built = []
    real = engine.every_report_ledger

    def counted(*args: Any, **kwargs: Any) -> pa.Table:
        built.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "every_report_ledger", counted)
    led = Ledger()
    two_chains(led, first=NOW - 160 * M, second=FRESH)
    with make_store(tmp_path / "s.duckdb", led) as s:

        def held_at_seller(at: dt.datetime) -> bool:
            return "S" in trace_report(s, "R1", at).positions.column("account").to_pylist()

        assert not held_at_seller(NOW)
        assert not held_at_seller(NOW + H)  # after every event: the same sub-ledger, kept
        assert len(built) == 1
        add_second_report(s)
        assert held_at_seller(NOW)  # a report more: built again
        assert len(built) == 2
        held_at_seller(NOW - H)  # before the last payment: a trace time of its own
        assert len(built) == 3
