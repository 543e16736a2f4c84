"""`fraudlink migrate` brings an older store up to date; the read-only commands refuse one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.store import LATEST, Store, StoreError
from fraudlink.store.migrations import current_version, migrate

BEFORE = 5  # a schema from before migration 6 (identifiers normalised by kind)


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=BEFORE)
    con.execute(
        "insert into member_flags (flag_id, flagged_at, inst_id, kind, value, confidence, reason) "
        "values (1, now(), 'CMCC', 'phone', '+86 150 9485 8694', 0.8, 'x'), "
        "(2, now(), 'CMCC', 'phone', 'hello', 0.8, 'x')"
    )
    con.close()
    return path


def version_of(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return current_version(con)
    finally:
        con.close()


def test_a_read_only_open_of_an_older_store_is_refused_and_writes_nothing(old_store: Path) -> None:
    before = old_store.read_bytes()
    with pytest.raises(StoreError, match=rf"version {BEFORE}, older than .* fraudlink migrate"):
        Store(old_store, read_only=True, create=False)
    assert old_store.read_bytes() == before


@pytest.mark.parametrize("command", [["rings"], ["evaluate", "detection", "--world", "{world}"]])
def test_read_only_commands_name_the_migration_instead_of_answering(
    old_store: Path, command: list[str], tiny_world: Path
) -> None:
    args = [a.format(world=tiny_world) for a in command]
    result = CliRunner().invoke(cli, [*args, "--db", str(old_store)])
    assert result.exit_code == 1, result.output
    assert str(old_store) in result.output and "fraudlink migrate --db" in result.output
    assert version_of(old_store) == BEFORE


def test_migrate_applies_what_is_missing_once_and_lists_what_it_kept(old_store: Path) -> None:
    first = CliRunner().invoke(cli, ["migrate", "--db", str(old_store)])
    assert first.exit_code == 0, first.output
    assert f"applied migration(s) {', '.join(map(str, range(BEFORE + 1, LATEST + 1)))}" in (
        first.output
    )
    assert f"schema version {LATEST}" in first.output
    assert "member_flags.value 'hello' as stored (1 row(s))" in first.output
    assert version_of(old_store) == LATEST
    again = CliRunner().invoke(cli, ["migrate", "--db", str(old_store)])
    assert again.exit_code == 0 and "already up to date" in again.output
    with Store(old_store, read_only=True, create=False) as store:  # now readable
        assert store.con.execute("select value from member_flags order by flag_id").fetchall() == [
            ("15094858694",),
            ("hello",),
        ]


def test_a_store_from_a_newer_fraudlink_is_refused_read_only_too(tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    con = duckdb.connect(str(path))
    migrate(con)
    con.execute("insert into schema_version (version, name) values (?, 'from the future')",
                [LATEST + 1])  # fmt: skip
    con.close()
    for read_only in (True, False):
        with pytest.raises(StoreError, match=rf"{LATEST + 1}.*newer"):
            Store(path, read_only=read_only, create=False)
    result = CliRunner().invoke(cli, ["rings", "--db", str(path)])
    assert result.exit_code == 1 and "newer" in result.output and str(path) in result.output


def test_a_migration_that_fails_is_a_refusal_naming_the_store(
    old_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fraudlink.store import migrations

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("select * from no_such_table")

    monkeypatch.setitem(migrations.PYTHON_STEPS, BEFORE + 1, broken)
    result = CliRunner().invoke(cli, ["migrate", "--db", str(old_store)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert str(old_store) in result.output and "cannot bring the store up to date" in result.output
    assert version_of(old_store) == BEFORE  # the failed migration rolled back
