"""The store: one DuckDB file holding every feed, the quarantine and the ingest log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from fraudlink.store.migrations import LATEST, current_version, migrate

DEFAULT_DB_NAME = "fraudlink.duckdb"


class StoreError(RuntimeError):
    """A store that cannot be opened or a table that does not exist."""


class Store:
    """An open store. Opening migrates an older schema in place."""

    def __init__(self, path: Path | str, read_only: bool = False, create: bool = True) -> None:
        """Open the store at `path`. With `create` (the default) a missing file becomes a new,
        empty store; without it, or read only, the file must already be a store: a missing path,
        a file that is not a DuckDB database, or a database without fraudlink's schema is
        refused with a StoreError, and nothing is written."""
        self.path = Path(path)
        if create and not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise StoreError(f"{self.path}: no store here")
        elif not create:
            _require_duckdb_file(self.path)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc}") from exc
        have = current_version(self.con)
        if not create and have == 0:
            self.con.close()
            raise StoreError(
                f"{self.path}: not a fraudlink store (a DuckDB database without its schema)"
            )
        if read_only and have > LATEST:
            # A newer schema may mean what this code cannot read: refused, as a write open does.
            self.con.close()
            raise StoreError(
                f"{self.path}: the store's schema is version {have}, newer than this "
                f"fraudlink understands ({LATEST}): use the fraudlink that wrote it"
            )
        if read_only and 0 < have < LATEST:
            # Code of this version reads tables and values as the latest migration left them;
            # answering from an older schema could be wrong without failing, and a read-only
            # open cannot migrate.
            self.con.close()
            raise StoreError(
                f"{self.path}: the store's schema is version {have}, older than this "
                f"fraudlink's {LATEST}; bring it up to date first: fraudlink migrate --db "
                f"{self.path}"
            )
        # Times are stored as UTC instants and handed back in UTC; display converts to China time.
        self.con.execute("set TimeZone = 'UTC'")
        self.con.execute("set enable_progress_bar = false")
        # The migrations this open applied (`fraudlink migrate` reports them).
        try:
            self.migrated: list[int] = migrate(self.con) if not read_only else []
        except (duckdb.Error, RuntimeError) as exc:
            # Each migration rolled back on its own: the store is as the last one left it.
            self.con.close()
            raise StoreError(f"{self.path}: cannot bring the store up to date: {exc}") from exc

    @property
    def version(self) -> int:
        """The schema version of the store."""
        return current_version(self.con)

    def tables(self) -> list[str]:
        """Names of the store's tables."""
        rows = self.con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "order by 1"
        ).fetchall()
        return [r[0] for r in rows]

    def require_table(self, name: str) -> None:
        """Refuse a table name the store does not have (names reach SQL as identifiers)."""
        if name not in self.tables():
            raise StoreError(f"{self.path}: no table named {name!r}")

    def count(self, table: str) -> int:
        """Rows in a table."""
        # The name reaches SQL as a quoted identifier and DuckDB refuses a table it lacks, so no
        # look through information_schema first: that took 1.8 ms of a 35 ms payment match at
        # city, where the books count their tables before every question.
        quoted = table.replace('"', '""')
        try:
            return int(scalar(self.con, f'select count(*) from "{quoted}"'))
        except duckdb.CatalogException as e:
            raise StoreError(f"{self.path}: no table named {table!r}") from e

    def arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""
        return self.con.sql(sql, params=params or None).to_arrow_table()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit when the block ends, roll back if it raises."""
        self.con.execute("begin transaction")
        try:
            yield self.con
        except BaseException:
            self.con.execute("rollback")
            raise
        self.con.execute("commit")

    def export(self, table: str, out: Path | str) -> int:
        """Write a table to a Parquet file; return the rows written."""
        self.require_table(table)
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        escaped = str(out).replace("'", "''")
        self.con.execute(f"copy \"{table}\" to '{escaped}' (format parquet, compression zstd)")
        return self.count(table)

    def close(self) -> None:
        """Close the file."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Every DuckDB database file has these bytes after its 8-byte header checksum.
_DUCKDB_MAGIC = b"DUCK"


def _require_duckdb_file(path: Path) -> None:
    """Refuse a path that is not a DuckDB database file (DuckDB would open a CSV as a view)."""
    if path.is_dir():
        raise StoreError(f"{path}: a directory, not a store")
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store: {exc}") from exc
    if head[8:12] != _DUCKDB_MAGIC:
        raise StoreError(f"{path}: not a fraudlink store (not a DuckDB database file)")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value a query returns (the result is read to its end, as DuckDB requires)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
