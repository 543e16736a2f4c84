"""`fraudlink arena` and `fraudlink demo` on the tiny preset: the table, the files, the errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fraudlink.cli.main import cli


def test_arena_prints_the_results_table_and_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "a"
    args = ["arena", "--preset", "tiny", "--seed", "7", "--out", str(out),
            "--strategies", "none,full", "--no-detection", "--quiet"]  # fmt: skip
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "战果通报" in r.output and "full" in r.output and "Targets" in r.output
    o = json.loads((out / "outcomes.json").read_text("utf-8"))
    assert list(o["strategies"]) == ["none", "full"]
    assert (out / "report.html").exists() and (out / "actions-full.parquet").exists()


def test_demo_runs_the_arena_and_can_print_json(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["demo", "--preset", "tiny", "--seed", "7", "--out",
                                 str(tmp_path / "d"), "--strategies", "none", "--no-detection",
                                 "--json", "--quiet"])  # fmt: skip
    assert r.exit_code == 0, r.output
    o = json.loads(r.output)
    assert o["world"]["preset"] == "tiny" and list(o["strategies"]) == ["none"]


def test_a_bad_arena_setting_names_the_file_and_the_setting(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[arena.warning.reach]\nvisit = 2\n", "utf-8")
    r = CliRunner().invoke(cli, ["arena", "--preset", "tiny", "--config", str(cfg), "--out",
                                 str(tmp_path / "x"), "--quiet"])  # fmt: skip
    assert r.exit_code == 1
    assert str(cfg) in r.output and "arena.warning.reach.visit" in r.output


def test_an_unknown_strategy_is_refused(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["arena", "--preset", "tiny", "--strategies", "luck",
                                 "--out", str(tmp_path / "x"), "--quiet"])  # fmt: skip
    assert r.exit_code == 1 and "unknown strategies" in r.output


def test_world_settings_in_the_same_file_change_the_world(tmp_path: Path) -> None:
    cfg = tmp_path / "small.toml"
    cfg.write_text("[world]\npersons = 2500\n\n[arena.numbers]\nblock_minutes = 5\n", "utf-8")
    out = tmp_path / "s"
    r = CliRunner().invoke(cli, ["arena", "--preset", "tiny", "--config", str(cfg), "--out",
                                 str(out), "--strategies", "none", "--no-detection", "--json",
                                 "--quiet"])  # fmt: skip
    assert r.exit_code == 0, r.output
    o = json.loads(r.output)
    assert o["world"]["persons"] == 2500 and o["assumptions"]["numbers"]["block_minutes"] == 5
