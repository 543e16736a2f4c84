"""Loading one checked file into the store, all-or-nothing, skipping records already there."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa

from fraudlink.ingest.problems import Problems
from fraudlink.model.schema import Table
from fraudlink.store import Store
from fraudlink.store.store import scalar


def load_file(
    store: Store,
    table: Table,
    rows: pa.Table,
    problems: Problems,
    file: str,
    sha256: str,
    profile: str | None,
    now: dt.datetime,
) -> tuple[int, int]:
    """Insert new rows, the quarantine and the log entry in one transaction; (loaded, duplicate)."""
    cols = ", ".join(f'"{c}"' for c in table.column_names)
    match = " and ".join(f't."{k}" is not distinct from i."{k}"' for k in table.key)
    with store.transaction() as con:
        ingest_id = int(scalar(con, "select coalesce(max(ingest_id), 0) + 1 from ingest_log"))
        unique = _keys_unique(con, table, rows)
        if not unique:
            # Later repeats of a key in the same file are duplicates: keep the first by row.
            row_numbers = np.flatnonzero(~problems.bad) + 1
            rows = rows.append_column("_row", pa.array(row_numbers, pa.int64()))
        con.register("incoming", rows)
        try:
            source = "incoming"
            if not unique:
                source = (
                    "(select * from (select *, row_number() over (partition by "
                    + ", ".join(f'"{k}"' for k in table.key)
                    + " order by _row) as _n from incoming) where _n = 1)"
                )
            before = _count(con, table.name)
            # An empty table needs no anti-join: the first load of a feed is a plain insert.
            known = (
                ""
                if before == 0
                else (f' where not exists (select 1 from "{table.name}" t where {match})')
            )
            con.execute(
                f'insert into "{table.name}" ({cols}, ingest_id) '
                f"select {cols}, {ingest_id} from {source} i{known}"
            )
            loaded = _count(con, table.name) - before
        finally:
            con.unregister("incoming")
        _quarantine(con, problems, ingest_id, table.name, file)
        con.execute(
            "insert into ingest_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ingest_id,
                file,
                sha256,
                table.name,
                now,
                rows.num_rows + problems.rows_quarantined,
                loaded,
                rows.num_rows - loaded,
                problems.rows_quarantined,
                profile,
            ],
        )
    return loaded, rows.num_rows - loaded


def _keys_unique(con: duckdb.DuckDBPyConnection, table: Table, rows: pa.Table) -> bool:
    """Whether no natural key repeats within the file."""
    if len(table.key) == 1 and pa.types.is_integer(rows.schema.field(table.key[0]).type):
        keys = rows.column(table.key[0]).to_numpy()
        if len(keys) < 2 or bool((keys[1:] > keys[:-1]).all()):
            return True  # event ids in increasing order, as feeds are written: unique for free
    con.register("keys_only", rows.select(list(table.key)))
    try:
        key = ", ".join(f'"{k}"' for k in table.key)
        return bool(scalar(con, f"select count(*) = count(distinct ({key})) from keys_only"))
    finally:
        con.unregister("keys_only")


def _quarantine(
    con: duckdb.DuckDBPyConnection, problems: Problems, ingest_id: int, feed: str, file: str
) -> None:
    q = problems.table()
    if not q.num_rows:
        return
    n = q.num_rows
    q = q.append_column("ingest_id", pa.array([ingest_id] * n, pa.int64()))
    q = q.append_column("feed", pa.array([feed] * n, pa.string()))
    q = q.append_column("file", pa.array([file] * n, pa.string()))
    con.register("problems", q)
    con.execute(
        "insert into quarantine (ingest_id, feed, file, row_number, field, value, reason) "
        "select ingest_id, feed, file, row_number, field, value, reason from problems"
    )
    con.unregister("problems")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(con, f'select count(*) from "{table}"'))
