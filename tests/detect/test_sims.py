"""SIM abuse scores: features on hand-made calls, and accuracy on the demo world against truth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fraudlink.detect.sims import THRESHOLD, flagged, score_sims
from fraudlink.store import Store

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _sim(store: Store, msisdn: str, registered: datetime, imei: str) -> None:
    store.con.execute(
        "insert into sim_cards (msisdn, inst_id, owner_idno, registered_at, outlet_id, staff_id, "
        "device_imei) values (?, 'CMCC', '110101199001010011', ?, 'O1', 'S1', ?)",
        [msisdn, registered, imei],
    )


def _calls(store: Store, rows: list[tuple[datetime, str, str, str, int, str]]) -> None:
    start = int(store.arrow("select count(*) as n from calls")["n"][0].as_py())
    store.con.executemany(
        "insert into calls (call_id, time, caller, callee, kind, duration_s, cell_id) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [(start + i, *r) for i, r in enumerate(rows)],
    )


@pytest.fixture
def hand_store(tmp_path: Path) -> Store:
    """A SIM box (new card, one of 5 on a device), a rider and an ordinary card."""
    store = Store(tmp_path / "s.duckdb")
    old = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(5):
        _sim(store, f"1390000000{i}", T0 - timedelta(days=10), "IMEI-BOX")
    _sim(store, "13800000001", old, "IMEI-RIDER")
    _sim(store, "13700000001", old, "IMEI-ORD")
    rows: list[tuple[datetime, str, str, str, int, str]] = []
    for i in range(120):  # two days of short calls from one cell to distinct numbers
        at = T0 + timedelta(days=i % 2, minutes=i)
        rows.append((at, "13900000000", f"1500000{i:04d}", "call", 5, "C1"))
    for i in range(120):  # rider: short calls from three cells, and customers call back
        at = T0 + timedelta(days=i % 2, minutes=i)
        rows.append((at, "13800000001", f"1510000{i:04d}", "call", 20, f"C{i % 3}"))
        if i % 4 == 0:
            rows.append((at, f"1510000{i:04d}", "13800000001", "call", 40, "C9"))
    for i in range(3):
        rows.append((T0 + timedelta(hours=i), "13700000001", "13800000001", "call", 300, "C5"))
    rows.append((T0 + timedelta(days=5), "13900000000", "15999999999", "call", 5, "C1"))
    _calls(store, rows)
    return store


def test_features_on_hand_made_calls(hand_store: Store) -> None:
    rows = {r["msisdn"]: r for r in score_sims(hand_store).to_pylist()}
    box, rider, ordinary = rows["13900000000"], rows["13800000001"], rows["13700000001"]
    assert box["n_out"] == 121 and box["n_in"] == 0 and box["n_cells"] == 1
    assert box["short_share"] == 1.0 and box["device_sims"] == 5
    assert box["out_per_day"] == pytest.approx(121 / 3)
    assert box["card_age_days"] == pytest.approx(10.0)
    assert rider["n_cells"] == 3 and rider["n_in"] == 33 and rider["device_sims"] == 1
    assert ordinary["short_share"] == 0.0 and ordinary["n_out"] == 3
    assert box["score"] >= THRESHOLD > rider["score"] > ordinary["score"]
    assert "no_incoming" in box["reasons"] and "shared_device" in box["reasons"]
    assert flagged(score_sims(hand_store)) == {"13900000000"}


def test_as_of_hides_later_calls_and_cards(hand_store: Store) -> None:
    rows = {r["msisdn"]: r for r in score_sims(hand_store, T0 + timedelta(days=3)).to_pylist()}
    assert rows["13900000000"]["n_out"] == 120
    early = score_sims(hand_store, T0 - timedelta(days=30))
    assert set(early["msisdn"].to_pylist()) == {"13800000001", "13700000001"}


@pytest.fixture(scope="module")
def demo_scores(demo_world: Path, ingested_file: Callable[[Path, str], Path]) -> dict[str, float]:
    """msisdn -> score on the demo world."""
    with Store(ingested_file(demo_world, "sims-demo"), read_only=True) as store:
        scores = score_sims(store)
    return dict(zip(scores["msisdn"].to_pylist(), scores["score"].to_pylist(), strict=True))


@pytest.fixture(scope="module")
def demo_roles(demo_world: Path) -> dict[str, str]:
    """msisdn -> true role on the demo world (evaluation only)."""
    t = pq.read_table(demo_world / "truth" / "sim_roles.parquet")
    return dict(zip(t["msisdn"].to_pylist(), t["role"].to_pylist(), strict=True))


def test_sim_boxes_rank_above_riders_and_call_centres(
    demo_scores: dict[str, float], demo_roles: dict[str, str]
) -> None:
    by_role: dict[str, list[float]] = {}
    for m, role in demo_roles.items():
        by_role.setdefault(role, []).append(demo_scores[m])
    confounders = by_role["delivery_rider"] + by_role["call_centre"]
    assert min(by_role["sim_box"]) > max(confounders)
    assert min(by_role["fraud_caller"]) > max(confounders)


def test_f1_and_innocent_share_at_demo(
    demo_scores: dict[str, float], demo_roles: dict[str, str]
) -> None:
    hit = {m for m, s in demo_scores.items() if s >= THRESHOLD}
    pos = {m for m, r in demo_roles.items() if r in ("fraud_caller", "sim_box")}
    innocent = [
        m for m, r in demo_roles.items() if r in ("ordinary", "delivery_rider", "call_centre")
    ]
    tp = len(hit & pos)
    f1 = 2 * tp / (len(hit) + len(pos))
    innocent_share = sum(m in hit for m in innocent) / len(innocent)
    print(f"demo SIM F1 {f1:.3f}, flagged {len(hit)}, innocent flagged {innocent_share:.5f}")
    assert f1 >= 0.90  # the target
    assert innocent_share <= 0.001
