"""`fraudlink returns`: a plan per frozen account, in JSON and for a person to read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.ingest import ingest_paths
from fraudlink.store import Store
from fraudlink.trace.engine import ledger_end, trace_all


def _store_and_largest_holding(tiny_world: Path, tmp_path: Path) -> tuple[Path, Any, dict]:
    """A store of the tiny world, its ledger's end, and the position holding the most money."""
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        ingest_paths(store, [tiny_world / "feeds"])
        end = ledger_end(store)
        positions = trace_all(store, as_of=end).positions.to_pylist()
    assert positions, "the tiny world should leave some victim money in accounts"
    return db, end, max(positions, key=lambda r: r["amount_fen"])


def test_plan_for_an_account_holding_victim_money(tiny_world: Path, tmp_path: Path) -> None:
    db, end, held = _store_and_largest_holding(tiny_world, tmp_path)
    at = end.strftime("%Y-%m-%dT%H:%M:%S%z")
    args = [
        "returns",
        "--db",
        str(db),
        "--account",
        held["account"],
        "--frozen-fen",
        str(held["amount_fen"]),
        "--at",
        at,
    ]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    [plan] = json.loads(result.stdout)
    returned = sum(line["amount_fen"] for line in plan["lines"])
    assert returned + plan["kept_fen"] == held["amount_fen"]
    assert held["report_id"] in {line["report_id"] for line in plan["lines"]}
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0 and held["account"] in text.stdout


def test_no_freezes_means_nothing_to_return(tmp_path: Path) -> None:
    Store(tmp_path / "s.duckdb").close()
    result = CliRunner().invoke(cli, ["returns", "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 0 and "nothing to return" in result.stdout


def test_account_needs_its_balance(tmp_path: Path) -> None:
    Store(tmp_path / "s.duckdb").close()
    result = CliRunner().invoke(
        cli, ["returns", "--db", str(tmp_path / "s.duckdb"), "--account", "6222020000000000018"]
    )
    assert result.exit_code != 0 and "--frozen-fen" in result.output


def test_plan_date_counts_from_date_option(tiny_world: Path, tmp_path: Path) -> None:
    db, end, held = _store_and_largest_holding(tiny_world, tmp_path)
    args = ["returns", "--db", str(db), "--account", held["account"], "--frozen-fen", "1",
            "--at", end.strftime("%Y-%m-%dT%H:%M:%S%z"), "--rule", "pro_rata"]  # fmt: skip
    result = CliRunner().invoke(cli, [*args, "--date", "2026-11-30", "--json"])
    assert result.exit_code == 0, result.output
    [plan] = json.loads(result.stdout)
    assert plan["notice_date"] == "2026-11-30" and plan["earliest_return"] == "2026-12-31"
