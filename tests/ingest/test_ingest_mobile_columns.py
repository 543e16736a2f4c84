"""A column that holds a mobile by nature quarantines a service code, 400/800 number or landline.

A SIM card's number, a bank's reserved phone (预留手机号), a platform account's bound number, a
data user's number and a victim's contact number are mobiles; 95588 or a landline there is a
feed error. A call from 95588 is still a call, and loads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.ingest.convert import DICTIONARY_FROM, convert
from fraudlink.model.identifiers import Phone
from fraudlink.model.identifiers._vector import make_phones
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
MEMBER_SPELLING = ("+86 138-1234-5678", "13812345678")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def three_rows(world: Path, feed: str, column: str, second: str) -> pa.Table:
    """The first three rows of a simulated feed with a present `column`: the first spelt as a
    member might, the second replaced by `second`."""
    data = pq.read_table(world / "feeds" / f"{feed}.parquet")
    data = data.filter(pc.is_valid(data.column(column))).slice(0, 3)
    values = data.column(column).to_pylist()
    values[:2] = [MEMBER_SPELLING[0], second]
    at = data.schema.get_field_index(column)
    return data.set_column(at, column, pa.array(values, pa.string()))


def quarantined(store: Store) -> list[tuple[str, int, str, str, str]]:
    rows = store.arrow(
        "select file, row_number, field, value, reason from quarantine order by all"
    ).to_pylist()
    return [(r["file"], r["row_number"], r["field"], r["value"], r["reason"]) for r in rows]


@pytest.mark.parametrize(
    ("feed", "column", "bad"),
    [
        ("sim_cards", "msisdn", "95588"),
        ("bank_accounts", "phone", "0755-83765566"),
        ("platform_accounts", "msisdn", "400-820-8820"),
        ("web_events", "msisdn", "10086"),
        ("victim_reports", "victim_msisdn", "+86 21 6234 5678"),
    ],
)
def test_another_phone_in_a_mobile_column_is_quarantined_by_file_row_and_field(
    store: Store, tmp_path: Path, tiny_world: Path, feed: str, column: str, bad: str
) -> None:
    assert Phone.clean(bad) is not None  # a phone number, only not a mobile
    path = tmp_path / f"{feed}.parquet"
    pq.write_table(three_rows(tiny_world, feed, column, bad), path)
    s = ingest_paths(store, [path], now=NOW).feeds[feed]
    assert (s.read, s.loaded, s.quarantined) == (3, 2, 1)
    assert quarantined(store) == [(str(path), 2, column, bad, "not a valid mobile")]
    # A mobile in a member's spelling is still taken, in its clean form.
    stored = store.arrow(f'select "{column}" as v from "{feed}"')["v"].to_pylist()
    assert MEMBER_SPELLING[1] in stored


def test_95588_is_no_sim_cards_number_but_still_a_caller(
    store: Store, tmp_path: Path, tiny_world: Path
) -> None:
    sims = tmp_path / "sim_cards.parquet"
    pq.write_table(three_rows(tiny_world, "sim_cards", "msisdn", "95588"), sims)
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "call_id,time,caller,callee,kind,duration_s,cell_id\n"
        "1,2026-03-01T08:00:00Z,95588,13812345678,call,30,C1\n",
        "utf-8",
    )
    report = ingest_paths(store, [sims, calls], now=NOW)
    assert report.feeds["sim_cards"].quarantined == 1
    assert report.feeds["calls"].loaded == 1 and report.feeds["calls"].quarantined == 0
    assert store.arrow("select caller from calls")["caller"].to_pylist() == ["95588"]
    assert store.arrow("select count(*) as n from sim_cards where msisdn = '95588'")[
        "n"
    ].to_pylist() == [0]


def test_a_large_mobile_column_is_judged_on_its_distinct_values() -> None:
    # From DICTIONARY_FROM rows ingest cleans each distinct value once; the mobile rule must hold
    # on that path as on the small one.
    n = DICTIONARY_FROM + 10_000
    rng = np.random.default_rng(3)
    numbers = make_phones(np.full(n, "138"), rng.integers(0, 10**8, n)).astype(object)
    others = {7: "95588", 40_000: "075583765566", n - 1: "4008208820"}
    for i, v in others.items():
        numbers[i] = v
    numbers[8] = MEMBER_SPELLING[0]
    out, bad, reason = convert(
        pa.array(numbers, pa.string()), FEED_TABLES["sim_cards"].column("msisdn")
    )
    assert np.flatnonzero(bad).tolist() == sorted(others) and reason == "not a valid mobile"
    cleaned = pc.cast(out, pa.string()).to_pylist()
    assert cleaned[8] == MEMBER_SPELLING[1] and all(cleaned[i] is None for i in others)
