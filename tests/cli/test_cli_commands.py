"""The commands as a user runs them: exit codes, messages, and what is (not) written."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fraudlink.cli.main import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_on_every_command() -> None:
    for name in cli.commands:
        code, out, _ = run(name, "--help")
        assert code == 0 and "Usage:" in out


def test_invalid_config_is_refused_naming_the_field_and_nothing_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[ordinary]\np2p_per_person_day = -1\n", "utf-8")
    out = tmp_path / "world"
    code, _, err = run("simulate", "--preset", "tiny", "--config", str(bad), "--out", str(out))
    assert code != 0
    assert "ordinary.p2p_per_person_day" in err and str(bad) in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_unknown_preset_is_refused(tmp_path: Path) -> None:
    code, _, err = run("simulate", "--preset", "metropolis", "--out", str(tmp_path / "w"))
    assert code != 0 and "metropolis" in err and "does not exist" in err
    assert not (tmp_path / "w").exists()


def test_demo_prints_the_results_table(tmp_path: Path) -> None:
    code, out, _ = run("demo", "--preset", "tiny", "--out", str(tmp_path / "w"), "--quiet",
                       "--strategies", "none,full", "--no-detection")
    assert code == 0
    for label in ("Loss prevented", "Intercepted", "Warnings issued", "Number blocks",
                  "Innocent accounts stopped", "Targets"):
        assert label in out
    assert (tmp_path / "w" / "world" / "feeds" / "transactions.parquet").exists()


def test_demo_json_matches_the_world(tmp_path: Path) -> None:
    code, out, _ = run("demo", "--preset", "tiny", "--out", str(tmp_path / "w"), "--quiet",
                       "--strategies", "none", "--no-detection", "--json")
    assert code == 0
    outcomes = json.loads(out)
    manifest = json.loads((tmp_path / "w" / "world" / "world.json").read_text("utf-8"))
    assert outcomes["world"]["persons"] == manifest["rows"]["persons"]
    assert outcomes["strategies"]["none"]["loss_fen"] == outcomes["world"]["fraud_loss_fen"]


def test_ingest_json_is_keyed_by_feed_and_a_bad_file_fails_the_run(
    tiny_world: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.duckdb"
    bad = tmp_path / "mystery.csv"
    bad.write_text("a\n1\n", "utf-8")
    code, out, err = run("ingest", str(tiny_world / "feeds" / "persons.parquet"), str(bad),
                         "--db", str(db), "--json", "--quiet")
    assert code == 1
    summary = json.loads(out)
    assert list(summary) == ["persons"]
    assert summary["persons"]["read"] == summary["persons"]["loaded"] > 0
    assert str(bad) in err and "unknown feed" in err


def test_export_writes_a_table_and_refuses_unknown_ones(tiny_world: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run("ingest", str(tiny_world / "feeds" / "apps.parquet"), "--db", str(db), "--quiet")
    code, out, _ = run("export", "apps", "--db", str(db), "--out", str(tmp_path / "apps.parquet"))
    assert code == 0 and (tmp_path / "apps.parquet").exists()
    assert "rows of apps" in out
    code, _, err = run("export", "nope", "--db", str(db), "--out", str(tmp_path / "x.parquet"))
    assert code != 0 and "'nope' cannot be exported" in err


def test_export_refuses_the_users_and_other_tables_not_listed(
    tiny_world: Path, tmp_path: Path
) -> None:
    """Only feeds, the quarantine and the ingest log: never the users' password hashes."""
    db = tmp_path / "s.duckdb"
    run("ingest", str(tiny_world / "feeds" / "apps.parquet"), "--db", str(db), "--quiet")
    for table in ("web_users", "web_tokens", "audit_log", "orders", "schema_version"):
        out = tmp_path / f"{table}.parquet"
        code, _, err = run("export", table, "--db", str(db), "--out", str(out))
        assert code == 2 and f"'{table}' cannot be exported" in err, err
        assert "give a feed, quarantine or ingest_log" in err
        assert not out.exists()
    for table in ("quarantine", "ingest_log"):
        code, _, err = run("export", table, "--db", str(db), "--out", str(tmp_path / "t.parquet"))
        assert code == 0, err
