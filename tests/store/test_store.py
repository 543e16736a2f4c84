"""The store: its schema follows the model, older stores upgrade in place, tables export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import LATEST, Store, StoreError
from fraudlink.store.ddl import sql_type
from fraudlink.store.migrations import current_version, migrate


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    rows = con.execute(
        "select column_name, data_type, is_nullable = 'YES' from information_schema.columns "
        "where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return [(r[0], r[1], bool(r[2])) for r in rows]


def test_new_store_is_at_the_latest_version(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        assert store.version == LATEST >= 2


def test_every_feed_table_matches_the_model(tmp_path: Path) -> None:
    """Changing the model without a migration fails here."""
    with Store(tmp_path / "s.duckdb") as store:
        for name, table in FEED_TABLES.items():
            got = columns_of(store.con, name)
            want = [
                (
                    c.name,
                    sql_type(c).replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"),
                    not c.required,
                )
                for c in table.columns
            ]
            assert got == [*want, ("ingest_id", "BIGINT", True)], name


def test_a_version_1_store_is_upgraded_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    assert current_version(con) == 1
    con.execute(
        "insert into persons values ('11010519491231002X', '张三', 'F', "
        "'1949-12-31', '110105', 'retired')"
    )
    assert "ingest_id" not in [c[0] for c in columns_of(con, "persons")]
    con.close()
    with Store(path) as store:
        assert store.version == LATEST
        assert store.count("persons") == 1
        assert "ingest_id" in [c[0] for c in columns_of(store.con, "persons")]
        assert "profile" in [c[0] for c in columns_of(store.con, "ingest_log")]
        versions = store.con.execute("select version from schema_version order by 1").fetchall()
        assert [v[0] for v in versions] == list(range(1, LATEST + 1))


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    assert migrate(con) == []
    con.close()


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("insert into schema_version (version, name) values (?, 'future')", [LATEST + 1])
    con.close()
    with pytest.raises(RuntimeError, match="newer"):
        Store(path)


def test_export_writes_parquet(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute(
            "insert into institutions values ('ICBC', '中国工商银行', 'bank', '622202', 1)"
        )
        n = store.export("institutions", tmp_path / "out" / "institutions.parquet")
    table = pq.read_table(tmp_path / "out" / "institutions.parquet")
    assert n == table.num_rows == 1
    assert table.column("name").to_pylist() == ["中国工商银行"]


def test_unknown_table_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(StoreError, match="no table"):
        store.export("nope; drop table persons", tmp_path / "x.parquet")


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(ZeroDivisionError), store.transaction() as con:
            con.execute("insert into institutions values ('X', 'x', 'bank', null, 1)")
            raise ZeroDivisionError
        assert store.count("institutions") == 0


def test_counting_a_table_the_store_lacks_names_it(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        for name in ("no_such_table", 'persons" where 1=0 --'):
            with pytest.raises(StoreError, match="no table named"):
                store.count(name)
        assert store.count("persons") == 0


def test_opening_without_create_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    """`create=False` (every command but ingest): nothing is made, nothing is changed."""
    missing = tmp_path / "typo" / "s.duckdb"
    with pytest.raises(StoreError, match="no store here"):
        Store(missing, create=False)
    assert not missing.parent.exists()
    csv = tmp_path / "some.csv"
    csv.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(StoreError, match=r"not a fraudlink store \(not a DuckDB database file"):
        Store(csv, create=False)
    assert csv.read_text("utf-8") == "a,b\n1,2\n"
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table t (x integer)")
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"not a fraudlink store \(a DuckDB database without"):
            Store(other, read_only=read_only, create=False)
    con = duckdb.connect(str(other))
    assert [r[0] for r in con.execute("show tables").fetchall()] == ["t"]
    con.close()


def test_opening_without_create_opens_and_upgrades_a_store(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    con.close()
    with Store(path, create=False) as store:
        assert store.version == LATEST
    with Store(path, read_only=True, create=False) as store:
        assert store.count("persons") == 0
