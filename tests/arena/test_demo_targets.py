"""The issue's targets for the whole system on the demo city (seed 1), measured by the arena."""

from __future__ import annotations

from pathlib import Path

from fraudlink.arena import run_arena
from fraudlink.simulate import load_config


def test_the_full_system_meets_the_targets_on_the_demo_city(tmp_path: Path) -> None:
    o = run_arena(load_config("demo"), 1, tmp_path, strategies=("first_level_on_report", "full"),
                  detection=False)  # fmt: skip
    full, first = o["strategies"]["full"], o["strategies"]["first_level_on_report"]
    assert all(t["met"] for t in o["targets"]["full"]), o["targets"]["full"]
    assert full["prevented_or_intercepted_share"] >= 0.6
    assert full["phone_sms_victims_warned_before_first_payment"] >= 0.7 * full["phone_sms_victims"]
    assert full["innocent_accounts_stopped"] <= 0.001 * o["world"]["innocent_accounts"]
    # The whole system saves more than freezing the first-level cards on report.
    assert full["prevented_fen"] + full["intercepted_fen"] > first["intercepted_fen"]
    assert first["prevented_fen"] == 0 and sum(first["warnings"].values()) == 0
