"""Detection metrics on hand-made score and truth tables, with hand-computed answers."""

from __future__ import annotations

import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pytest

from fraudlink.detect.evaluation import (
    account_metrics,
    at_threshold,
    binary_metrics,
    check_targets,
    evaluate_rings,
    finite,
    insider_metrics,
    sim_metrics,
    staff_count_baseline,
    threshold_for_count,
    world_period,
)


def test_binary_metrics_by_hand() -> None:
    """4 positives, 6 negatives; flagged: 3 positives and 1 negative."""
    y = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    score = [0.9, 0.8, 0.6, 0.1, 0.7, 0.3, 0.2, 0.2, 0.1, 0.0]
    m = at_threshold(y, score, 0.5)
    assert (m["flagged"], m["true_positives"], m["false_positives"]) == (4, 3, 1)
    assert m["precision"] == pytest.approx(3 / 4)
    assert m["recall"] == pytest.approx(3 / 4)
    assert m["f1"] == pytest.approx(3 / 4)
    assert m["innocent_flagged"] == pytest.approx(1 / 6)
    # Positives at ranks 1, 2, 4 and 8, the last tied with a negative at 9: precision 4/9 there.
    assert m["pr_auc"] == pytest.approx((1 + 1 + 3 / 4 + 4 / 9) / 4)
    assert (m["evaluated"], m["positives"], m["threshold"]) == (10, 4, 0.5)


def test_binary_metrics_edge_cases() -> None:
    none_flagged = binary_metrics([1, 0], [0.2, 0.1], [False, False])
    assert none_flagged["precision"] == none_flagged["recall"] == none_flagged["f1"] == 0.0
    assert math.isnan(binary_metrics([0, 0], [0.2, 0.1], [True, False])["pr_auc"])
    assert binary_metrics([0, 0], [0.2, 0.1], [True, False])["innocent_flagged"] == 0.5


def test_threshold_for_count() -> None:
    s = [5.0, 1.0, 3.0, 3.0, 2.0]
    assert threshold_for_count(s, 1) == 5.0
    assert threshold_for_count(s, 2) == 3.0  # a tie: flagging at 3 flags three
    assert threshold_for_count(s, 4) == 2.0
    assert threshold_for_count(s, 99) == 1.0
    assert threshold_for_count(s, 0) == math.inf


def test_account_metrics_skip_known_bad() -> None:
    """Known-bad accounts are not evaluated; any role starting with 'mule' is positive."""
    scores = pa.table({"account": ["a", "b", "c", "d", "e"], "score": [0.9, 0.8, 0.6, 0.4, 0.1]})
    roles = {"a": "mule_l1", "b": "ordinary", "c": "mule_l3", "d": "mule_l2", "e": "merchant"}
    m = account_metrics(scores, roles, skip={"a"}, threshold=0.5)
    # Evaluated b, c, d, e: positives c, d; flagged b, c.
    assert (m["evaluated"], m["positives"], m["flagged"], m["true_positives"]) == (4, 2, 2, 1)
    assert m["precision"] == m["recall"] == pytest.approx(0.5)
    assert m["innocent_flagged"] == pytest.approx(0.5)
    assert m["pr_auc"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    as_table = pa.table({"account": list(roles), "role": list(roles.values())})
    assert account_metrics(scores, as_table, {"a"}, 0.5) == m


SIM_ROLES = pa.table(
    {
        "msisdn": ["1", "2", "3", "4", "5", "6"],
        "role": ["sim_box", "fraud_caller", "mule_kit", "ordinary", "delivery_rider", "sim_box"],
    }
)
SIM_SCORES = pa.table(
    {
        "msisdn": ["1", "2", "3", "4", "5", "6"],
        "score": [0.9, 0.3, 0.95, 0.1, 0.6, 0.8],
        "distinct_callees": [300, 10, 5, 20, 400, 50],
    }
)


def test_sim_metrics_leave_out_kit_cards() -> None:
    """Card 3 (mule_kit) counts for neither side; 1, 2, 6 are abused, 4 and 5 innocent."""
    m = sim_metrics(SIM_SCORES, SIM_ROLES, 0.5)
    assert (m["evaluated"], m["positives"], m["flagged"], m["true_positives"]) == (5, 3, 3, 2)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["innocent_flagged"] == pytest.approx(1 / 2)
    # Ranking 1, 6, 5, 2, 4: positives at ranks 1, 2 and 4.
    assert m["pr_auc"] == pytest.approx((1 + 1 + 3 / 4) / 3)
    skipped = sim_metrics(SIM_SCORES, SIM_ROLES, 0.5, skip={"1"})
    assert (skipped["evaluated"], skipped["positives"], skipped["true_positives"]) == (4, 2, 1)


def test_sim_degree_baseline_flags_as_many_as_the_model() -> None:
    """Callees 300, 10, 20, 400, 50 (card 3 out): the top 3 are 5, 1 and 6."""
    m = sim_metrics(SIM_SCORES, SIM_ROLES, 0.5, "distinct_callees", n_flag=3)
    assert (m["flagged"], m["true_positives"], m["threshold"]) == (3, 2, 50.0)


STAFF = pa.table(
    {
        "staff_id": ["S1", "S2", "S3", "S4", "S5"],
        "outlet_id": ["O1", "O1", "O2", "O3", "O3"],
        "is_insider": [True, False, True, False, False],
    }
)


def test_insider_metrics_count_staff_who_opened_nothing() -> None:
    """S5 opened nothing (absent from the test's table): innocent, not flagged."""
    table = pa.table(
        {
            "staff_id": ["S1", "S2", "S3", "S4"],
            "p": [1e-9, 1e-4, 0.5, 0.9],
            "bad": [9, 5, 1, 0],
            "flagged": [True, True, False, False],
        }
    )
    m = insider_metrics(table, STAFF, "staff_id")
    assert (m["evaluated"], m["positives"], m["flagged"], m["true_positives"]) == (5, 2, 2, 1)
    assert m["recall"] == pytest.approx(0.5)
    assert m["innocent_flagged"] == pytest.approx(1 / 3)
    # Ranking by -log10 p: S1, S2, S3, S4, S5; positives at ranks 1 and 3.
    assert m["pr_auc"] == pytest.approx((1 + 2 / 3) / 2)
    base = staff_count_baseline(table, STAFF, 1)
    assert (base["flagged"], base["true_positives"], base["threshold"]) == (1, 1, 9.0)


def test_outlet_metrics() -> None:
    """Outlets O1 and O2 employ insiders; O2 is the one flagged."""
    table = pa.table({"outlet_id": ["O2", "O3"], "p": [1e-5, 0.2], "flagged": [True, False]})
    m = insider_metrics(table, STAFF, "outlet_id")
    assert (m["evaluated"], m["positives"], m["flagged"], m["true_positives"]) == (3, 2, 1, 1)
    assert m["innocent_flagged"] == 0.0
    empty = table.slice(0, 0)
    assert insider_metrics(empty, STAFF, "outlet_id")["flagged"] == 0


def test_targets_pass_fail_and_unmeasured() -> None:
    doc = {
        "accounts": {"variants": {"model": {"pr_auc": 0.95, "innocent_flagged": 0.001}}},
        "sims": {"variants": {"model": {"f1": 0.9}}},
        "rings": {"available": False},
        "insiders": {"variants": {"staff": {"recall": 0.79, "innocent_flagged": 0.05}}},
    }
    got = {(t["kind"], t["metric"]): t["met"] for t in check_targets(doc)}
    assert got == {
        ("accounts", "pr_auc"): True,
        ("accounts", "innocent_flagged"): False,  # "under 0.1%": strictly
        ("sims", "f1"): True,
        ("rings", "rings_found_share"): None,
        ("insiders", "recall"): False,
        ("insiders", "innocent_flagged"): True,
    }


def test_finite_makes_json_valid() -> None:
    doc = finite({"a": [math.nan, 1.0], "b": {"c": math.inf}})
    assert doc == {"a": [None, 1.0], "b": {"c": None}}
    json.dumps(doc, allow_nan=False)


def test_world_period(tmp_path: Path) -> None:
    meta = {"preset": "tiny", "seed": 7, "config": {"world": {"start": "2026-03-01", "days": 14}}}
    (tmp_path / "world.json").write_text(json.dumps(meta), "utf-8")
    start, end, got = world_period(tmp_path)
    assert start == datetime(2026, 3, 1, tzinfo=UTC)
    assert end == datetime(2026, 3, 15, tzinfo=UTC)
    assert got["seed"] == 7


def test_rings_section_without_the_ring_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fraudlink.detect.rings", None)
    out = evaluate_rings(None, Path("."), datetime(2026, 3, 1, tzinfo=UTC))  # type: ignore[arg-type]
    assert out["available"] is False and "not importable" in out["reason"]


def test_rings_section_calls_the_ring_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """find_rings(store, as_of), then ring_recovery(rings, world_dir): its dict is the section."""
    calls: list[object] = []
    rings_mod, eval_mod = ModuleType("rings"), ModuleType("rings_eval")

    def find_rings(store: object, as_of: datetime) -> str:
        calls.append((store, as_of))
        return "RINGS"

    def ring_recovery(rings: object, world_dir: Path) -> dict:
        calls.append((rings, world_dir))
        return {"rings_found_share": 0.75, "pr_auc": 0.5}

    rings_mod.find_rings = find_rings  # type: ignore[attr-defined]
    eval_mod.ring_recovery = ring_recovery  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fraudlink.detect.rings", rings_mod)
    monkeypatch.setitem(sys.modules, "fraudlink.detect.rings_eval", eval_mod)
    at = datetime(2026, 3, 15, tzinfo=UTC)
    out = evaluate_rings("STORE", Path("w"), at)  # type: ignore[arg-type]
    assert out == {"available": True, "rings_found_share": 0.75, "pr_auc": 0.5}
    assert calls == [("STORE", at), ("RINGS", Path("w"))]
