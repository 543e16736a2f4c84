"""`--db`: only `fraudlink ingest` makes a new store; every other command refuses a path that
is not a fraudlink store, names it, exits 1 without a traceback, and leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli

# Every command that takes --db, with arguments that would make it answer from a good store.
COMMANDS: dict[str, list[str]] = {
    "match": ["match", "17114048119"],
    "migrate": ["migrate"],
    "trace": ["trace", "--report", "R1"],
    "returns": ["returns"],
    "export": ["export", "persons", "--out", "{tmp}/persons.parquet"],
    "orders propose": ["orders", "propose", "--report", "R1"],
    "orders list": ["orders", "list"],
    "orders overdue": ["orders", "overdue"],
    "orders update": ["orders", "update", "SP-1", "--to", "acknowledged"],
    "rings": ["rings"],
    "evaluate detection": ["evaluate", "detection", "--world", "{world}"],
    "serve": ["serve", "--port", "8765"],
    "users add": [
        "users",
        "add",
        "--username",
        "ana",
        "--role",
        "analyst",
        "--password",
        "long enough",
    ],
    "users list": ["users", "list"],
    "users deactivate": ["users", "deactivate", "chief"],
    "audit verify": ["audit", "verify"],
    "warnings load": ["warnings", "load", "--actions", "{tmp}/actions.parquet"],
}


def _commands_with_db(group: click.Group, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands_with_db(command, f"{prefix}{name} ")
        elif any("--db" in getattr(p, "opts", ()) for p in command.params):
            yield f"{prefix}{name}"


def test_every_command_with_a_store_is_checked_here() -> None:
    assert set(_commands_with_db(cli)) == {*COMMANDS, "ingest"}


def _not_a_store(kind: str, tmp: Path) -> Path:
    if kind == "missing":
        return tmp / "no" / "typo.duckdb"  # its directory is not made either
    if kind == "csv":
        path = tmp / "some.csv"
        path.write_text("account,amount\n6222020000000000018,100\n", "utf-8")
        return path
    if kind == "empty":
        path = tmp / "empty.duckdb"
        path.touch()
        return path
    path = tmp / "other.duckdb"  # a DuckDB database, but not a fraudlink store
    con = duckdb.connect(str(path))
    con.execute("create table t (x integer)")
    con.close()
    return path


def _snapshot(tmp: Path) -> dict[str, bytes]:
    return {str(p.relative_to(tmp)): p.read_bytes() for p in tmp.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", ["missing", "csv", "empty", "duckdb"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_path_that_is_not_a_store_is_refused_and_left_alone(
    command: str, kind: str, tiny_world: Path, tmp_path: Path
) -> None:
    tmp = tmp_path / "work"
    tmp.mkdir()
    pq.write_table(
        pa.table({c: pa.array([], pa.string()) for c in
                  ("action_id", "kind", "decided_at", "grade", "channel")}),
        tmp / "actions.parquet",
    )  # fmt: skip
    db = _not_a_store(kind, tmp)
    before = _snapshot(tmp)
    args = [a.format(tmp=tmp, world=tiny_world) for a in COMMANDS[command]]
    result = CliRunner().invoke(cli, [*args, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a refusal, not a traceback
    assert str(db) in result.output
    expected = "no store here" if kind == "missing" else "not a fraudlink store"
    assert expected in result.output
    assert "no match" not in result.output and "no orders" not in result.output
    assert _snapshot(tmp) == before


def test_ingest_still_makes_a_new_store(tiny_world: Path, tmp_path: Path) -> None:
    db = tmp_path / "new" / "s.duckdb"
    args = ["ingest", str(tiny_world / "feeds" / "apps.parquet"), "--db", str(db), "--quiet"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    result = CliRunner().invoke(cli, ["export", "apps", "--db", str(db), "--out",
                                      str(tmp_path / "apps.parquet")])  # fmt: skip
    assert result.exit_code == 0, result.output
