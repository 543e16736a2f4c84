"""`fraudlink evaluate detection` on the demo world: the JSON document, the table, bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fraudlink.cli.evaluate_cmd import _show
from fraudlink.cli.main import cli

KINDS = {
    "accounts": {"model", "model_without_graph", "degree_baseline"},
    "sims": {"model", "model_unlabelled", "degree_baseline"},
    "insiders": {"staff", "outlets", "staff_bad_count_baseline"},
}


@pytest.fixture(scope="module")
def db(demo_world: Path, ingested_file: Callable[[Path, str], Path]) -> Path:
    return ingested_file(demo_world, "eval-db")


@pytest.fixture(scope="module")
def doc(demo_world: Path, db: Path) -> dict[str, Any]:
    args = ["evaluate", "detection", "--world", str(demo_world), "--db", str(db), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_json_document(doc: dict[str, Any]) -> None:
    assert doc["world"]["preset"] == "demo" and doc["world"]["seed"] == 1
    assert doc["as_of"] == "2026-03-15T00:00:00+00:00"  # the end of the 14-day period
    assert doc["split"] == "2026-03-08T00:00:00+00:00"  # its middle
    for kind, variants in KINDS.items():
        assert set(doc[kind]["variants"]) == variants
        for m in doc[kind]["variants"].values():
            assert {"pr_auc", "precision", "recall", "f1", "innocent_flagged"} <= set(m)
            assert 0 <= m["innocent_flagged"] <= 1 and m["evaluated"] > 0
    assert "available" in doc["rings"]
    assert len(doc["targets"]) == 6


def test_protocol_and_figures_at_demo(doc: dict[str, Any]) -> None:
    acc = doc["accounts"]
    assert acc["known_bad_at_split"] < acc["known_bad_at_as_of"]
    model = acc["variants"]["model"]
    # Known-bad accounts are not evaluated (a few labels name accounts outside the bank feed).
    assert 87_819 - acc["known_bad_at_as_of"] <= model["evaluated"] < 87_819
    assert model["pr_auc"] > 2 * acc["variants"]["degree_baseline"]["pr_auc"]
    assert acc["variants"]["degree_baseline"]["flagged"] >= model["flagged"]
    met = {(t["kind"], t["metric"]): t["met"] for t in doc["targets"]}
    assert met[("sims", "f1")] and met[("insiders", "recall")]
    assert met[("insiders", "innocent_flagged")] and met[("accounts", "innocent_flagged")]


def test_table(doc: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    _show(doc)
    out = capsys.readouterr().out
    assert "PR-AUC" in out and "model_without_graph" in out and "degree_baseline" in out
    assert "targets:" in out and "sims model f1 >= 0.9: " in out


def test_missing_world_and_bad_time(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", "detection", "--world", str(tmp_path)])
    assert result.exit_code == 1 and "world.json" in result.output
    result = runner.invoke(
        cli, ["evaluate", "detection", "--world", str(tmp_path), "--as-of", "soon"]
    )
    assert result.exit_code == 2 and "--as-of" in result.output


def test_missing_store(demo_world: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    args = ["evaluate", "detection", "--world", str(demo_world), "--db", str(missing)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and str(missing) in result.output


def test_a_store_of_another_world_is_refused_and_times_are_china_time(
    tiny_world: Path, ingested_file: Callable[[Path, str], Path], tmp_path: Path
) -> None:
    from fraudlink.simulate import load_config, simulate_to_dir

    db = ingested_file(tiny_world, "eval-tiny")
    other = tmp_path / "other-world"
    simulate_to_dir(load_config("tiny"), 8, other)  # the same preset, another seed
    args = ["evaluate", "detection", "--world", str(other), "--db", str(db)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{db} was not ingested from the world {other}" in result.output
    assert "rows in the world" in result.output
    args = ["evaluate", "detection", "--world", str(tiny_world), "--db", str(db)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    # The tiny world runs 2026-03-01 to 03-06 UTC: scored at its end, trained up to its middle.
    assert "scored as of 2026-03-06 08:00 (UTC+8)" in result.output
    assert "labels known by 2026-03-03 20:00 (UTC+8)" in result.output
    assert "+00:00" not in result.output


def test_the_chinese_terms_appear_once_beside_their_english_names(
    tiny_world: Path, ingested_file: Callable[[Path, str], Path]
) -> None:
    db = ingested_file(tiny_world, "eval-tiny-terms")
    args = ["evaluate", "detection", "--world", str(tiny_world), "--db", str(db)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert re.findall(r"[\u4e00-\u9fff]+", result.output) == ["断卡", "涉诈账户"]
    assert result.output.startswith("card-cutting (断卡) detectors scored")
    assert "mule accounts (涉诈账户)" in result.output
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert not re.findall(r"[\u4e00-\u9fff]+", result.stdout)  # JSON unchanged
