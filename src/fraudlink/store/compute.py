"""An in-memory DuckDB for whole-column work on Arrow data (joins, distinct values), per process."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

_CON: list[duckdb.DuckDBPyConnection] = []
_NAMES = itertools.count()


def compute_connection() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB, made on first use; it holds no tables of its own."""
    if not _CON:
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        _CON.append(con)
    return _CON[0]


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, table: pa.Table, prefix: str = "arrow"
) -> Iterator[str]:
    """An Arrow table visible to SQL under a fresh name for the length of a block."""
    name = f"_{prefix}_{next(_NAMES)}"
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)
