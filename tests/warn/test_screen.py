"""Screening a batch: calls from flagged numbers, fraud sites and apps, payments into flags."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from fraudlink.warn import FlagSet, flagged_contacts, fraud_site_events, payments_to_flagged

T = datetime(2026, 3, 1, tzinfo=UTC)


def flags(known: list[str] = (), suspected: dict[str, float] | None = None) -> FlagSet:
    fs = FlagSet()
    fs.mark_known(known)
    fs.set_suspected(suspected or {}, "test")
    return fs


def test_contacts_name_the_person_called_and_carry_the_call() -> None:
    calls = pa.table({"call_id": [1, 2, 3], "time": [T] * 3,
                      "caller": ["13800000001", "13800000002", "13800000001"],
                      "callee": ["13900000001", "13900000002", "13900000003"],
                      "kind": ["call", "call", "sms"], "duration_s": [300, 20, 0]})  # fmt: skip
    ev = flagged_contacts(calls, flags(suspected={"13800000001": 0.9}))
    assert ev.column("msisdn").to_pylist() == ["13900000001", "13900000003"]
    assert ev.column("duration_s").to_pylist() == [300, 0]
    assert ev.column("score").to_pylist() == [0.9, 0.9]
    assert ev.column("known").to_pylist() == [False, False]


def test_sites_and_apps_match_either_column() -> None:
    web = pa.table({"event_id": [1, 2, 3], "time": [T] * 3,
                    "msisdn": ["139a", "139b", "139c"], "kind": ["visit", "install", "visit"],
                    "url": ["https://bad.example/x", None, "https://ok.example"],
                    "app_id": [None, "com.bad", None]})  # fmt: skip
    ev = fraud_site_events(web, flags(["https://bad.example/x"]), flags(["com.bad"]))
    assert ev.column("msisdn").to_pylist() == ["139a", "139b"]
    assert ev.column("flagged").to_pylist() == ["https://bad.example/x", "com.bad"]


def test_payments_between_flagged_accounts_are_laundering_not_victims() -> None:
    txns = pa.table({"txn_id": [1, 2, 3], "time": [T] * 3,
                     "from_account": ["victim", "mule1", "victim2"],
                     "to_account": ["mule1", "mule2", None],
                     "amount_fen": [100, 90, 50], "channel": ["transfer"] * 3})  # fmt: skip
    ev = payments_to_flagged(txns, flags(["mule1", "mule2"]))
    assert ev.column("account").to_pylist() == ["victim"]
    assert ev.column("amount_fen").to_pylist() == [100]
    assert ev.column("known").to_pylist() == [True]
