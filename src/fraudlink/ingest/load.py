"""Loading one checked file into the store, all-or-nothing, skipping records already there."""

from __future__ import annotations

import datetime as dt

import duckdb
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
    key = ", ".join(f'"{k}"' for k in table.key)
    match = " and ".join(f't."{k}" is not distinct from i."{k}"' for k in table.key)
    with store.transaction() as con:
        ingest_id = int(scalar(con, "select coalesce(max(ingest_id), 0) + 1 from ingest_log"))
        con.register("incoming", rows)
        try:
            first = _first_of_each_key(con, key, rows.num_rows)
            before = _count(con, table.name)
            con.execute(
                f'insert into "{table.name}" ({cols}, ingest_id) '
                f"select {cols}, {ingest_id} from {first} i "
                f'where not exists (select 1 from "{table.name}" t where {match})'
            )
            loaded = _count(con, table.name) - before
        finally:
            con.unregister("incoming")
        q = problems.table()
        if q.num_rows:
            q = q.append_column("ingest_id", pa.array([ingest_id] * q.num_rows, pa.int64()))
            q = q.append_column("feed", pa.array([table.name] * q.num_rows, pa.string()))
            q = q.append_column("file", pa.array([file] * q.num_rows, pa.string()))
            con.register("problems", q)
            con.execute(
                "insert into quarantine (ingest_id, feed, file, row_number, field, value, "
                "reason) select ingest_id, feed, file, row_number, field, value, reason "
                "from problems"
            )
            con.unregister("problems")
        duplicate = rows.num_rows - loaded
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
                duplicate,
                problems.rows_quarantined,
                profile,
            ],
        )
    return loaded, duplicate


def _first_of_each_key(con: duckdb.DuckDBPyConnection, key: str, n: int) -> str:
    """A relation with the first row of each key in the file (later repeats are duplicates)."""
    if scalar(con, f"select count(*) - count(distinct ({key})) from incoming") == 0:
        return "incoming"
    return (
        f"(select * from (select *, row_number() over (partition by {key} "
        f"order by _row) as _n from incoming) where _n = 1)"
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(con, f'select count(*) from "{table}"'))
