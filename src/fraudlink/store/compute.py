"""An in-memory DuckDB for whole-column work on Arrow data (joins, distinct values), per process."""

from __future__ import annotations

import duckdb

_CON: list[duckdb.DuckDBPyConnection] = []


def compute_connection() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB, made on first use; it holds no tables of its own."""
    if not _CON:
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        con.execute("set TimeZone = 'UTC'")
        _CON.append(con)
    return _CON[0]
