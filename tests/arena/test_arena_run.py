"""The arena end to end on the tiny preset: every strategy, the outcome keys, and the sums."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fraudlink.arena import DEFAULTS, run_arena
from fraudlink.arena.run import STRATEGY_NAMES
from fraudlink.simulate import load_config

STRATEGY_KEYS = {
    "prevented_fen", "intercepted_fen", "returned_fen", "returned_to_right_victim_fen",
    "victims_warned_before_first_payment", "innocent_accounts_stopped",
    "innocent_persons_warned", "median_minutes_first_payment_to_first_order",
    "reported_victims_held_by_an_order", "warnings", "orders",
}  # fmt: skip
WORLD_KEYS = {"preset", "seed", "persons", "accounts", "innocent_accounts", "innocent_persons",
              "victims", "fraud_loss_fen"}  # fmt: skip


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("arena") / "tiny"
    return out, run_arena(load_config("tiny"), 7, out, detection=False)


def test_outcomes_have_every_key_the_issue_names(arena: tuple[Path, dict[str, Any]]) -> None:
    out, o = arena
    assert json.loads((out / "outcomes.json").read_text("utf-8")) == json.loads(
        json.dumps(o, default=str))  # fmt: skip
    assert set(o["world"]) >= WORLD_KEYS
    assert list(o["strategies"]) == list(STRATEGY_NAMES)
    for s in o["strategies"].values():
        assert set(s) >= STRATEGY_KEYS
        assert set(s["warnings"]) == {"high", "medium", "low"}
    assert o["assumptions"] == DEFAULTS
    assert "detection" not in o
    assert (out / "report.html").stat().st_size > 1000


def test_no_system_does_nothing_and_loses_everything(arena: tuple[Path, dict[str, Any]]) -> None:
    _, o = arena
    none = o["strategies"]["none"]
    assert none["prevented_fen"] == none["intercepted_fen"] == none["returned_fen"] == 0
    assert sum(none["orders"].values()) == sum(none["warnings"].values()) == 0
    assert none["loss_fen"] == o["world"]["fraud_loss_fen"] > 0


def test_money_figures_are_bounded_by_the_loss(arena: tuple[Path, dict[str, Any]]) -> None:
    _, o = arena
    loss = o["world"]["fraud_loss_fen"]
    for s in o["strategies"].values():
        assert s["prevented_fen"] + s["intercepted_fen"] + s["loss_fen"] == loss
        assert 0 <= s["returned_to_right_victim_fen"] <= s["returned_fen"] <= s["intercepted_fen"]


def test_each_strategy_does_only_what_it_may(arena: tuple[Path, dict[str, Any]]) -> None:
    out, o = arena
    for name, s in o["strategies"].items():
        actions = pq.read_table(out / f"actions-{name}.parquet")
        kinds = set(pc.unique(actions.column("kind")).to_pylist()) if actions.num_rows else set()
        counted = {k for k, v in {**s["orders"], "warning": sum(s["warnings"].values())}.items()
                   if v}  # fmt: skip
        assert kinds == counted
    assert set(pq.read_table(out / "actions-first_level_on_report.parquet")
               .column("kind").to_pylist()) <= {"freeze"}  # fmt: skip
    full = o["strategies"]["full"]
    assert sum(full["warnings"].values()) > 0 and full["orders"]["number_block"] > 0
    assert full["prevented_fen"] > 0
