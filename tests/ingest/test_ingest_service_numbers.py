"""Service codes, 400/800 numbers and landlines are loaded, not quarantined as `not a valid phone`.

Victims report the spoofed bank line (95588) or the landline that called them, and operators'
call records carry such callers; before, ingest threw every one of them away.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.store import Store

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
AT = "2026-03-01T08:00:00Z"
# As sent -> as stored.
NUMBERS = {
    "95588": "95588",
    "0755-83765566": "075583765566",
    "+86 755 8376 5566": "075583765566",
    "400-820-8820": "4008208820",
    "96110": "96110",
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows), "utf-8")
    return path


def quarantined(store: Store) -> list[tuple[str, str, str]]:
    rows = store.arrow("select feed, value, reason from quarantine order by all").to_pylist()
    return [(r["feed"], r["value"], r["reason"]) for r in rows]


def test_reported_service_number_and_landline_are_loaded(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "report_indicators.csv",
        "report_id,kind,value",
        [f"R{i},phone,{raw}" for i, raw in enumerate(NUMBERS, start=1)] + ["R9,phone,9558"],
    )
    s = ingest_paths(store, [path], now=NOW).feeds["report_indicators"]
    assert (s.read, s.loaded, s.quarantined) == (6, 5, 1)
    stored = store.arrow("select value from report_indicators order by report_id").to_pylist()
    assert [r["value"] for r in stored] == list(NUMBERS.values())
    # A four-digit code is still no phone number, and says so.
    assert quarantined(store) == [("report_indicators", "9558", "not a valid phone")]


def test_calls_from_service_numbers_and_landlines_are_loaded(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv",
        "call_id,time,caller,callee,kind,duration_s,cell_id",
        [f"{i},{AT},{raw},15094858694,call,30,C1" for i, raw in enumerate(NUMBERS, start=1)],
    )
    s = ingest_paths(store, [path], now=NOW).feeds["calls"]
    assert (s.read, s.loaded, s.quarantined) == (5, 5, 0)
    stored = store.arrow("select caller from calls order by call_id").to_pylist()
    assert [r["caller"] for r in stored] == list(NUMBERS.values())
    assert quarantined(store) == []
