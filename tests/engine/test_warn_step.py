"""The engine's warning step: what reaches the desk from the feeds, whom it can reach and how,
and where a visit is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from fraudlink.engine.core import Engine
from fraudlink.engine.policy import Policy
from fraudlink.engine.replay import Batch
from fraudlink.engine.working_store import WorkingStore
from fraudlink.model.actions import WARNING, Action
from fraudlink.model.tables import FEED_TABLES

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
FRAUD_NO = "17100000001"  # suspected by a detector only
KNOWN_NO = "17100000002"  # reported
SITE = "https://lucky-rebate.example/join"
MULE = "6222020200000000006"
# Valid ID numbers (GB 11643): issued in Beijing, living (or not) in Nanning's districts.
ALICE = "11010519491231002X"  # in the household registry, living in 450103
BOB = "110105194912310011"  # not in the registry; his SIM was registered in 450107
CAROL = "110105194912310046"  # not in the registry, no registration outlet: her ID's region
NO_PHONE_PAYER = ALICE
DEFAULTS: dict[str, dict[str, Any]] = {
    "persons": {"name": "某某", "sex": "F", "birth_date": date(1949, 12, 31),
                "occupation": "retired"},
    "outlets": {"inst_id": "CMCC", "kind": "telecom_shop", "name": "营业厅"},
    "sim_cards": {"inst_id": "CMCC", "registered_at": T0 - timedelta(days=300)},
    "bank_accounts": {"inst_id": "ICBC", "account_class": 1, "holder_kind": "personal",
                      "owner_name": "某某", "opened_at": T0 - timedelta(days=300)},
    "calls": {"kind": "call", "cell_id": "C1"},
    "web_events": {"kind": "visit"},
    "transactions": {"channel": "transfer"},
}  # fmt: skip


def feed(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows of one feed, with harmless values in the required columns a test does not set."""
    schema = FEED_TABLES[name].arrow_schema
    filled = [{**DEFAULTS.get(name, {}), **r} for r in rows]
    return pa.Table.from_pylist(filled, schema=schema)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine that only warns, with one suspected and one known number, a known fraud
    site and a known mule account, over a store that knows Alice's household district."""
    work = WorkingStore(tmp_path / "work.duckdb")
    work.load_reference({
        "persons": feed("persons", [{"idno": ALICE, "district": "450103"}]),
        "outlets": feed("outlets", [{"outlet_id": "CMCC-7", "district": "450107"}]),
    })  # fmt: skip
    eng = Engine(work, Policy("warn_only", warn=True))
    eng.flags.phones.set_suspected({FRAUD_NO: 0.95}, "test")
    eng.flags.phones.mark_known([KNOWN_NO])
    eng.flags.urls.mark_known([SITE])
    eng.flags.accounts.mark_known([MULE])
    try:
        yield eng
    finally:
        work.close()


def step(eng: Engine, at: datetime, **events: list[dict[str, Any]]) -> list[Action]:
    """One 5-minute batch ending at `at`, holding the given feeds' rows."""
    tables = {name: feed(name, rows) for name, rows in events.items()}
    return [a for a in eng.step(Batch(at - STEP, at, tables)) if a.kind == WARNING]


def sims(*pairs: tuple[str, str], outlet: str | None = None) -> list[dict[str, Any]]:
    return [{"msisdn": n, "owner_idno": h, "outlet_id": outlet} for n, h in pairs]


def call(caller: str, callee: str, at: datetime, seconds: int) -> dict[str, Any]:
    return {"call_id": hash((caller, callee, at)) & 0xFFFF, "time": at, "caller": caller,
            "callee": callee, "duration_s": seconds}  # fmt: skip


def visit(msisdn: str, at: datetime) -> dict[str, Any]:
    return {"event_id": 1, "time": at, "msisdn": msisdn, "url": SITE}


def test_a_short_call_from_a_suspected_number_then_a_fraud_site_is_medium(engine: Engine) -> None:
    assert step(engine, T0, sim_cards=sims(("13900000001", ALICE))) == []
    # A 6-second call from a number only a detector suspects: nothing yet.
    t1 = T0 + STEP
    hangup = call(FRAUD_NO, "13900000001", t1 - timedelta(minutes=2), 6)
    assert step(engine, t1, calls=[hangup]) == []
    # Three hours later she opens the fraud site the call pointed her to.
    t2 = T0 + timedelta(hours=3)
    (w,) = step(engine, t2, web_events=[visit("13900000001", t2 - timedelta(minutes=1))])
    assert (w.target, w.grade, w.channel) == (ALICE, "medium", "call_96110")
    assert FRAUD_NO in w.evidence and "longest 6 s" in w.evidence


def test_a_short_call_after_a_fraud_site_raises_the_person_to_medium(engine: Engine) -> None:
    step(engine, T0, sim_cards=sims(("13900000001", ALICE)))
    t1 = T0 + STEP
    (low,) = step(engine, t1, web_events=[visit("13900000001", t1 - timedelta(minutes=1))])
    assert low.grade == "low"
    t2 = T0 + timedelta(hours=2)
    (w,) = step(engine, t2, calls=[call(FRAUD_NO, "13900000001", t2 - timedelta(minutes=1), 4)])
    assert (w.grade, w.channel) == ("medium", "call_96110")


def test_short_contact_to_any_of_a_persons_numbers_counts(engine: Engine) -> None:
    # Two SIM cards of hers, and one that was hers and is now someone else's.
    step(engine, T0, sim_cards=sims(("13900000001", ALICE), ("13900000009", ALICE),
                                    ("13900000005", ALICE)))  # fmt: skip
    step(engine, T0 + STEP, sim_cards=sims(("13900000005", BOB)))
    t1 = T0 + timedelta(minutes=30)
    calls = [call(FRAUD_NO, "13900000009", t1 - timedelta(minutes=3), 2),
             call(FRAUD_NO, "13900000005", t1 - timedelta(minutes=2), 2)]  # fmt: skip
    assert step(engine, t1, calls=calls) == []
    t2 = t1 + timedelta(hours=1)
    (w,) = step(engine, t2, web_events=[visit("13900000001", t2 - timedelta(minutes=1))])
    assert (w.target, w.grade, w.msisdn) == (ALICE, "medium", "13900000001")
    assert "1 call(s)/SMS" in w.evidence  # Bob's hang-up is not hers


def test_short_calls_to_people_with_nothing_else_are_held_not_graded(engine: Engine) -> None:
    people = [(f"1390000{i:04d}", f"P{i}") for i in range(200)]
    step(engine, T0, sim_cards=sims(*people))
    t1 = T0 + STEP
    hangups = [call(FRAUD_NO, n, t1 - timedelta(seconds=s + 1), 3) for s, (n, _) in
               enumerate(people)]  # fmt: skip
    assert step(engine, t1, calls=hangups) == []
    assert len(engine.desk.noise) == 200  # kept as evidence for a day...
    assert engine.desk.watching([h for _, h in people], t1) == set()  # ...but nobody is graded
    # A day and more later the hang-ups are no longer evidence: a site alone is low.
    t2 = t1 + timedelta(hours=25)
    (w,) = step(engine, t2, web_events=[visit(people[0][0], t2 - timedelta(minutes=1))])
    assert w.grade == "low"


def test_a_person_with_no_phone_on_record_is_visited_not_called(engine: Engine) -> None:
    # She holds a bank account and no SIM card: neither 96110 nor 12381 can reach her.
    step(engine, T0, bank_accounts=[{"account": "6217000000000001", "owner_idno": NO_PHONE_PAYER}])
    t1 = T0 + STEP
    pay = {"txn_id": 1, "time": t1 - timedelta(minutes=1), "from_account": "6217000000000001",
           "to_account": MULE, "amount_fen": 2_000_000}  # fmt: skip
    (w,) = step(engine, t1, transactions=[pay])
    assert (w.target, w.grade, w.msisdn) == (NO_PHONE_PAYER, "medium", None)
    assert w.channel == "visit"
    assert "no phone on record" in w.evidence and "instead of a call from 96110" in w.evidence
    assert w.addressee == "police station, 450103"


def test_a_number_reserved_with_the_bank_reaches_a_payer_with_no_sim(engine: Engine) -> None:
    reserved = {"account": "6217000000000002", "owner_idno": BOB, "phone": "19900000009"}
    step(engine, T0, bank_accounts=[reserved])
    t1 = T0 + STEP
    pay = {"txn_id": 2, "time": t1 - timedelta(minutes=1), "from_account": reserved["account"],
           "to_account": MULE, "amount_fen": 900_000}  # fmt: skip
    (w,) = step(engine, t1, transactions=[pay])
    assert (w.channel, w.msisdn) == ("call_96110", "19900000009")


def test_a_visit_goes_to_the_station_of_the_district_the_feeds_give(engine: Engine) -> None:
    step(engine, T0, sim_cards=sims(("13900000001", ALICE), ("13900000003", CAROL))
         + sims(("13900000002", BOB), outlet="CMCC-7"))  # fmt: skip
    t1 = T0 + timedelta(hours=1)
    deep = [call(KNOWN_NO, n, t1 - timedelta(minutes=12), 660)
            for n in ("13900000001", "13900000002", "13900000003")]  # fmt: skip
    by = {w.target: w for w in step(engine, t1, calls=deep)}
    assert {w.channel for w in by.values()} == {"visit"}
    # The household registry, though her ID was issued in Beijing (110105).
    assert by[ALICE].addressee == "police station, 450103"
    assert "district 450103 (household registry)" in by[ALICE].evidence
    # Not in the registry: the shop that registered his SIM card.
    assert by[BOB].addressee == "police station, 450107"
    assert "outlet" in by[BOB].evidence
    # Nothing else: the region code of her ID number.
    assert by[CAROL].addressee == "police station, 110105"
    assert "ID number" in by[CAROL].evidence
