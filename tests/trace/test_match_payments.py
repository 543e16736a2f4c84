"""Reported payments are found in the ledger despite rounded amounts, times and a wrong digit."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest

from fraudlink.store import Store
from fraudlink.trace.holders import HolderBook
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.match_payments import MATCHED, match_payments


def book_of_store(store: Store) -> LedgerBook:
    """The store's transactions in a ledger book, added in a few pieces."""
    book = LedgerBook()
    ledger = store.arrow("select * from transactions order by txn_id")
    for start in range(0, ledger.num_rows, 5_000):
        book.add(ledger.slice(start, 5_000))
    return book


def test_every_reported_payment_is_the_victims_own(store: Store, tiny_world: Path) -> None:
    m = match_payments(store)
    assert m.schema == MATCHED
    assert m.num_rows == store.count("report_payments")
    assert len(set(m.column("txn_id").to_pylist())) == m.num_rows
    truth = tiny_world / "truth"
    con = duckdb.connect()
    con.register("m", m)
    wrong = con.execute(
        f"""select count(*) from m
            left join '{truth}/fraud_payments.parquet' f using (txn_id)
            left join '{truth}/episodes.parquet' e on e.episode_id = f.episode_id
            where e.report_id is distinct from m.report_id"""
    ).fetchone()
    assert wrong == (0,)


# The victim's own accounts are the one they paid from and every account in their name; with
# either one unknown, the other still finds the payment.
@pytest.mark.parametrize("unknown", [None, "paid_from", "victim"])
def test_mistyped_account_and_rounded_amount(
    trace_db: Path, tmp_path: Path, unknown: str | None
) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(trace_db, copy)
    with Store(copy) as store:
        row = store.arrow(
            """select p.report_id, p.seq, p.to_account, x.txn_id, x.amount_fen
               from report_payments p join transactions x on x.to_account = p.to_account
               and abs(epoch(x.time) - epoch(p.paid_at)) < 7200 and x.amount_fen = p.amount_fen
               order by 1, 2 limit 1"""
        ).to_pylist()[0]
        acc = row["to_account"]
        wrong = acc[:-3] + str((int(acc[-3]) + 4) % 10) + acc[-2:]
        rounded = max(round(row["amount_fen"] / 10_000) * 10_000, 10_000)
        store.con.execute(
            "update report_payments set to_account = ?, amount_fen = ?, "
            "paid_at = paid_at + interval 50 minute where report_id = ? and seq = ?",
            [wrong, rounded, row["report_id"], row["seq"]],
        )
        if unknown == "paid_from":
            store.con.execute("update report_payments set from_account = null "
                              "where report_id = ?", [row["report_id"]])  # fmt: skip
        if unknown == "victim":
            # someone with no account in their name
            store.con.execute("update victim_reports set victim_idno = '110101199001010000' "
                              "where report_id = ?", [row["report_id"]])  # fmt: skip
        m = match_payments(store, [row["report_id"]])
        book = book_of_store(store)
        assert m.equals(match_payments(store, [row["report_id"]], book=book))
        assert m.equals(match_payments(store, [row["report_id"]], book=book, holders=HolderBook()))
    hit = m.filter(pc.equal(m.column("seq"), row["seq"])).to_pylist()
    assert hit == [
        {"report_id": row["report_id"], "seq": row["seq"], "txn_id": row["txn_id"],
         "matched_by": "near_account"}
    ]  # fmt: skip


def test_only_the_reports_asked_for(store: Store) -> None:
    rid = store.arrow("select min(report_id) as r from report_payments").column("r")[0].as_py()
    m = match_payments(store, [rid])
    assert set(m.column("report_id").to_pylist()) == {rid}


def test_matching_on_the_book_is_matching_on_the_store(store: Store) -> None:
    book, holders = book_of_store(store), HolderBook()
    assert match_payments(store, book=book).equals(match_payments(store))
    assert match_payments(store, book=book, holders=holders).equals(match_payments(store))
    reports = store.arrow("select distinct report_id from report_payments order by 1")
    for rid in reports.column("report_id").to_pylist()[::7]:
        want = match_payments(store, [rid])
        assert match_payments(store, [rid], book=book).equals(want)
        assert match_payments(store, [rid], book=book, holders=holders).equals(want)
