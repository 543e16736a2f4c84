"""Insider tests: the binomial test on hand-made openings, and recall/FPR on the demo world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraudlink.detect.insiders import default_labels, insider_outlets, insider_staff
from fraudlink.store import Store


@pytest.fixture
def hand_store(tmp_path: Path) -> Store:
    """S0 at outlet OA opens 30 SIMs, 8 of them bad; S1..S4 at OB open 300 each, 1 bad each."""
    store = Store(tmp_path / "s.duckdb")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [(f"13000{i:06d}", "OA", "S0") for i in range(30)]
    for s in range(1, 5):
        rows += [(f"1310{s}{i:06d}", "OB", f"S{s}") for i in range(300)]
    store.con.executemany(
        "insert into sim_cards (msisdn, inst_id, owner_idno, registered_at, outlet_id, staff_id) "
        "values (?, 'CMCC', '110101199001010011', ?, ?, ?)",
        [(m, at, o, s) for m, o, s in rows],
    )
    return store


def test_binomial_test_flags_the_bulk_opener(hand_store: Store) -> None:
    bad = {f"13000{i:06d}" for i in range(8)} | {f"1310{s}000000" for s in range(1, 5)}
    staff = {r["staff_id"]: r for r in insider_staff(hand_store, bad).to_pylist()}
    s0 = staff["S0"]
    assert (s0["opened"], s0["bad"], s0["outlet_id"]) == (30, 8, "OA")
    assert s0["expected"] == pytest.approx(30 * 12 / 1230)
    assert s0["flagged"] and s0["q"] < 0.01 and s0["q"] >= s0["p"]
    assert s0["evidence"] == sorted(f"13000{i:06d}" for i in range(5))
    assert not any(staff[f"S{s}"]["flagged"] for s in range(1, 5))
    outlets = {r["outlet_id"]: r["flagged"] for r in insider_outlets(hand_store, bad).to_pylist()}
    assert outlets == {"OA": True, "OB": False}


def test_fewer_than_three_bad_never_flags(hand_store: Store) -> None:
    staff = insider_staff(hand_store, {"13000000000", "13000000001"}).to_pylist()
    assert not any(r["flagged"] for r in staff)


@pytest.fixture(scope="module")
def demo_tables(
    demo_world: Path, ingested_file: Callable[[Path, str], Path]
) -> tuple[pa.Table, pa.Table, int]:
    """(staff table, outlet table, number of default labels) on the demo world."""
    with Store(ingested_file(demo_world, "insiders-demo"), read_only=True) as store:
        labels = default_labels(store)
        return insider_staff(store, labels), insider_outlets(store, labels), len(labels)


def test_insider_recall_and_fpr_at_demo(
    demo_world: Path, demo_tables: tuple[pa.Table, pa.Table, int]
) -> None:
    staff, outlets, n_labels = demo_tables
    truth = pq.read_table(demo_world / "truth" / "staff_roles.parquet").to_pylist()
    insiders = {r["staff_id"] for r in truth if r["is_insider"]}
    honest = {r["staff_id"] for r in truth} - insiders
    hit = {r["staff_id"] for r in staff.to_pylist() if r["flagged"]}
    recall = len(hit & insiders) / len(insiders)
    fpr = len(hit & honest) / len(honest)
    bad_outlets = {r["outlet_id"] for r in truth if r["is_insider"]}
    o_hit = {r["outlet_id"] for r in outlets.to_pylist() if r["flagged"]}
    print(
        f"demo insiders: {n_labels} labels, {len(insiders)} insiders, recall {recall:.2f}, "
        f"FPR {fpr:.4f}; outlets {len(o_hit & bad_outlets)}/{len(bad_outlets)} "
        f"with {len(o_hit - bad_outlets)} false"
    )
    assert recall >= 0.8 and fpr <= 0.05  # the targets
    assert o_hit <= bad_outlets and len(o_hit) >= 2  # measured: 2 of 3, no false outlet


def test_openings_after_as_of_are_not_counted(hand_store: Store) -> None:
    """A clerk's openings count only from the moment they happened."""
    bad = {f"13000{i:06d}" for i in range(8)}
    before = insider_staff(hand_store, bad, as_of=datetime(2025, 12, 31, tzinfo=UTC))
    after = insider_staff(hand_store, bad, as_of=datetime(2026, 1, 2, tzinfo=UTC))
    assert before.num_rows == 0
    assert {r["staff_id"]: r["opened"] for r in after.to_pylist()}["S0"] == 30
