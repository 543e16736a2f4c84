"""Mapping profiles read members' own exports: other headers, time formats, yuan, GBK."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudlink.ingest import ProfileError, ingest_paths, load_profile, shipped_profiles
from fraudlink.store import Store

CARD_A, CARD_B = "6222020000000000018", "6222020000000000026"
CARD_C = "6225880000000001"  # another bank's 16-digit card, Luhn-valid


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def rows(store: Store) -> list[dict[str, object]]:
    return store.arrow(
        "select txn_id, time, from_account, to_account, amount_fen, channel "
        "from transactions order by time, amount_fen"
    ).to_pylist()


def test_shipped_profiles() -> None:
    assert {"transactions", "cn_bank_ledger"} <= set(shipped_profiles())


def test_generic_ledger_with_yuan_and_three_time_formats(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(
        "from,to,amount,time\n"
        f"{CARD_A},{CARD_B},1234.5,2026-03-01T00:00:00Z\n"  # ISO 8601 with zone
        f'{CARD_B},{CARD_C},"2,000",1772323200\n'  # epoch seconds
        f"{CARD_C},{CARD_A},0.07,2026-03-01 16:00:00\n",  # China time, no zone
        "utf-8",
    )
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert not report.errors and report.feeds["transactions"].loaded == 3
    got = rows(store)
    assert [r["amount_fen"] for r in got] == [123450, 200000, 7]
    times = [r["time"].isoformat() for r in got]
    assert times == [
        "2026-03-01T00:00:00+00:00",
        "2026-03-01T00:00:00+00:00",
        "2026-03-01T08:00:00+00:00",
    ]
    assert {r["channel"] for r in got} == {"transfer"}
    # Ids derived from the rows are stable: re-ingesting adds nothing.
    again = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert again.feeds["transactions"].duplicate == 3 and store.count("transactions") == 3


def test_identical_rows_without_ids_are_kept_apart(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    line = f"{CARD_A},{CARD_B},50,2026-03-01T00:00:00Z\n"
    path.write_text("from,to,amount,time\n" + line * 2, "utf-8")
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert report.feeds["transactions"].loaded == 2


def test_amount_with_more_than_two_decimals_is_quarantined(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(f"from,to,amount,time\n{CARD_A},{CARD_B},1.005,2026-03-01T00:00:00Z\n", "utf-8")
    report = ingest_paths(store, [path], profile=load_profile("transactions"))
    assert report.feeds["transactions"].quarantined == 1
    [q] = store.arrow("select field, value, reason from quarantine").to_pylist()
    assert q["field"] == "amount_fen" and q["value"] == "1.005"


def test_chinese_headers_in_gbk(store: Store, tmp_path: Path) -> None:
    text = (
        "交易流水号,交易时间,付款账号,收款账号,交易金额(元),交易渠道,终端号\n"
        f"A001,2026-03-02 09:30:00,{CARD_A},{CARD_B},88.80,转账,\n"
        f"A002,2026-03-02 10:00:00,{CARD_B},,500.00,ATM取现,ATM-0001\n"
    )
    path = tmp_path / "icbc-export.csv"
    path.write_bytes(text.encode("gbk"))
    report = ingest_paths(store, [path], profile=load_profile("cn_bank_ledger"))
    assert not report.errors and report.feeds["transactions"].loaded == 2
    got = rows(store)
    assert [r["channel"] for r in got] == ["transfer", "atm_cash_out"]
    assert got[0]["time"].isoformat() == "2026-03-02T01:30:00+00:00"
    assert got[1]["to_account"] is None and got[1]["amount_fen"] == 50000


def test_profile_from_a_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "mine.toml"
    good.write_text('feed = "calls"\n[columns]\ncaller = "主叫"\n', "utf-8")
    assert load_profile(str(good)).columns == {"caller": "主叫"}
    bad = tmp_path / "bad.toml"
    bad.write_text('feed = "calls"\n[columns]\nnot_a_column = "x"\n', "utf-8")
    with pytest.raises(ProfileError, match="no column 'not_a_column'"):
        load_profile(str(bad))
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile("no-such-profile")
