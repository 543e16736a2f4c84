"""Money a chain pays an ordinary seller for goods is a cash-out there, never a stop on the seller.

A hand-built ledger: a victim pays a first-level card, which sweeps to a second-level card within
minutes; that card buys goods from a person who sells second-hand to strangers (paid by many
buyers, holding money for days). The mule cards get their stops; the seller does not, and the
trace records the money as spent on goods at the seller's account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fraudlink.engine.fund_control import traced_orders
from fraudlink.store import Store
from fraudlink.trace.engine import trace_all
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.orders import propose_stop_payments

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)
PAID_AT = T0 + 6 * D + 10 * H  # the victim's payment
NOW = PAID_AT + 3 * H  # the seller was paid 2 h 12 min before: time enough to judge it
BUYERS = ("B1", "B2", "B3", "B4", "B5")


class Ledger:
    """Rows for the store's transactions table, numbered as they are added."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dt.datetime, str, str | None, int, str]] = []

    def pay(self, t: dt.datetime, frm: str, to: str | None, fen: int, channel: str) -> int:
        self.rows.append((len(self.rows) + 1, t, frm, to, fen, channel))
        return len(self.rows)

    def table(self) -> pa.Table:
        cols = list(zip(*self.rows, strict=True))
        return pa.table({
            "txn_id": pa.array(cols[0], pa.int64()),
            "time": pa.array(cols[1], pa.timestamp("us", tz="UTC")),
            "from_account": pa.array(cols[2], pa.string()),
            "to_account": pa.array(cols[3], pa.string()),
            "amount_fen": pa.array(cols[4], pa.int64()),
            "channel": pa.array(cols[5], pa.string()),
            "terminal": pa.nulls(len(self.rows), pa.string()),
        })  # fmt: skip


def seller_life(led: Ledger, seller: str = "S") -> None:
    """Five strangers buy from the seller over five days; the seller spends a little a day
    later each time (holding money, not passing it on)."""
    for i, b in enumerate(BUYERS):
        t = T0 + (i + 1) * D
        led.pay(t, b, seller, 30_000, "payment")
        led.pay(t + 20 * H, seller, "SHOP", 5_000, "merchant")


def chain(led: Ledger, to_seller: str = "S", channel: str = "payment") -> None:
    """The victim pays L1 10,000 yuan; L1 sweeps 9,800 to L2 within minutes; L2 pays 5,000 yuan
    to the seller 40 minutes later and keeps the rest."""
    led.pay(PAID_AT, "V", "L1", 1_000_000, "transfer")
    led.pay(PAID_AT + 8 * M, "L1", "L2", 980_000, "transfer")
    led.pay(PAID_AT + 48 * M, "L2", to_seller, 500_000, channel)


def make_store(path: Path, led: Ledger) -> Store:
    """A store with the ledger, every account registered, and the victim's report R1."""
    s = Store(path)
    s.con.execute("insert into institutions values ('ICBC', '中国工商银行', 'bank', null, null)")
    accounts = sorted({r[2] for r in led.rows} | {r[3] for r in led.rows if r[3]})
    for a in accounts:
        s.con.execute(
            "insert into bank_accounts (account, inst_id, account_class, holder_kind, owner_idno, "
            "owner_name, opened_at) values (?, 'ICBC', 2, 'personal', ?, ?, ?)",
            [a, f"ID-{a}", f"holder {a}", T0 - 100 * D],
        )
    s.con.register("led", led.table())
    s.con.execute("insert into transactions by name select * from led")
    s.con.unregister("led")
    s.con.execute(
        "insert into victim_reports (report_id, reported_at, victim_idno, district, fraud_type, "
        "contact_channel, narrative, claimed_loss_fen) values "
        "('R1', ?, 'ID-V', 'd', '刷单返利', 'call', 'paid a task deposit', 1000000)",
        [PAID_AT + H],
    )
    s.con.execute(
        "insert into report_payments (report_id, seq, paid_at, from_account, to_account, "
        "amount_fen) values ('R1', 1, ?, 'V', 'L1', 1000000)",
        [PAID_AT],
    )
    return s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    led = Ledger()
    seller_life(led)
    chain(led)
    s = make_store(tmp_path / "s.duckdb", led)
    yield s
    s.close()


def book_of(store: Store) -> LedgerBook:
    book = LedgerBook()
    book.add(store.arrow("select * from transactions order by time, txn_id"))
    return book


def test_the_seller_gets_no_stop_and_the_mule_cards_do(store: Store) -> None:
    orders = propose_stop_payments(store, trace_all(store, NOW).positions, NOW)
    held = {o.account: o.amount_fen for o in orders}
    assert held == {"L1": 20_000, "L2": 480_000}


@pytest.mark.parametrize("with_book", [False, True])
def test_the_engine_stops_the_mule_cards_not_the_seller(store: Store, with_book: bool) -> None:
    book = book_of(store) if with_book else None
    got = traced_orders(store, ["R1"], NOW, set(), book=book)
    assert sorted(a.target for a in got.actions) == ["L1", "L2"]
    assert got.where == {"R1": {"L1", "L2"}}


def test_the_trace_records_the_money_as_spent_on_goods_at_the_seller(store: Store) -> None:
    r = trace_all(store, NOW)
    spent = r.exits.filter(pc.equal(r.exits.column("channel"), "goods")).to_pylist()
    assert [(e["from_account"], e["terminal"], e["amount_fen"]) for e in spent] == [
        ("L2", "S", 500_000)
    ]
    # The trail shows whom the chain paid; the seller holds none of the victim's money.
    hop3 = r.trail("R1").filter(pc.equal(r.trail("R1").column("hop"), 3)).to_pylist()
    assert [(t["from_account"], t["to_account"], t["amount_fen"]) for t in hop3] == [
        ("L2", "S", 500_000)
    ]
    assert "S" not in r.positions.column("account").to_pylist()
    assert "S" not in r.received.column("account").to_pylist()
    paid = 1_000_000
    assert pc.sum(r.positions.column("amount_fen")).as_py() + 500_000 == paid


def test_a_card_that_passes_money_on_is_stopped_even_when_paid_as_a_purchase(
    tmp_path: Path,
) -> None:
    """An account with buyers of its own that passed each inflow on within minutes is a
    pass-through, whatever the channel the chain paid it by."""
    led = Ledger()
    for i, b in enumerate(BUYERS):
        t = T0 + (i + 1) * D
        led.pay(t, b, "S", 30_000, "payment")
        led.pay(t + 5 * M, "S", "ELSEWHERE", 29_000, "transfer")
    chain(led)
    with make_store(tmp_path / "s.duckdb", led) as s:
        held = {o.account for o in propose_stop_payments(s, trace_all(s, NOW).positions, NOW)}
    assert held == {"L1", "L2", "S"}


def test_an_account_with_no_ordinary_payer_is_stopped(tmp_path: Path) -> None:
    """Paid only by the chain (a fresh card, say): the ledger shows no life of its own."""
    led = Ledger()
    chain(led, to_seller="FRESH")
    with make_store(tmp_path / "s.duckdb", led) as s:
        held = {o.account for o in propose_stop_payments(s, trace_all(s, NOW).positions, NOW)}
    assert held == {"L1", "L2", "FRESH"}


def test_a_transfer_to_the_seller_is_a_hop_not_a_purchase(tmp_path: Path) -> None:
    """The rule reads a purchase from the ledger's channel: a transfer is a laundering hop."""
    led = Ledger()
    seller_life(led)
    chain(led, channel="transfer")
    with make_store(tmp_path / "s.duckdb", led) as s:
        held = {o.account for o in propose_stop_payments(s, trace_all(s, NOW).positions, NOW)}
    assert held == {"L1", "L2", "S"}


def test_a_mule_card_with_camouflage_money_is_stopped_until_and_after_it_moves_the_money(
    tmp_path: Path,
) -> None:
    """One friend's 50 yuan, kept for days, makes a card look like it holds money; the chain
    then pays it by a merchant QR code. Until the chain's money has had time to move the card
    is stopped like any holder, and once it has swept the money on it is a pass-through."""
    led = Ledger()
    led.pay(T0 + 3 * D, "FRIEND", "MULE", 5_000, "transfer")
    led.pay(PAID_AT, "V", "L1", 1_000_000, "transfer")
    led.pay(PAID_AT + 65 * M, "L1", "MULE", 980_000, "merchant")
    soon = PAID_AT + 80 * M
    with make_store(tmp_path / "s.duckdb", led) as s:
        book = book_of(s)
        got = traced_orders(s, ["R1"], soon, set(), book=book)
        assert sorted(a.target for a in got.actions) == ["L1", "MULE"]
        s.con.execute(
            "insert into transactions (txn_id, time, from_account, to_account, amount_fen, "
            "channel) values (99, ?, 'MULE', 'L3', 970000, 'transfer')", [PAID_AT + 100 * M])
        s.con.execute(
            "insert into bank_accounts (account, inst_id, account_class, holder_kind, owner_idno,"
            " owner_name, opened_at) values ('L3', 'ICBC', 2, 'personal', 'ID-L3', 'h', ?)",
            [T0 - 100 * D])
        book.add(s.arrow("select * from transactions where txn_id = 99"))
        later = PAID_AT + 4 * H
        held = {o.account for o in propose_stop_payments(s, trace_all(s, later).positions, later)}
        assert {"MULE", "L3"} <= held
        again = traced_orders(s, ["R1"], later, {"L1"}, book=book)
        assert "L3" in {a.target for a in again.actions}


def test_a_seller_paid_for_goods_has_no_deposit_to_return(store: Store) -> None:
    """Returns (原路返还) come out of victims' money left on an account: the seller's sale is
    none, even if a case unit froze the seller's account by hand."""
    r = trace_all(store, NOW)
    assert r.deposits("S").num_rows == 0
    assert {d["account"] for d in r.deposits().to_pylist()} == {"L1", "L2"}
