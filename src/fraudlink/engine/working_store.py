"""The engine's own store: only what has arrived by the engine's clock, and nothing else.

The engine never holds a handle on the source store. The driver copies the reference tables
(persons, institutions, outlets, staff, devices, IPs, URLs, apps: known from the start) and then
appends each batch as it arrives, so every SQL analysis the engine runs (SIM scores, mule scores,
tracing, rings) sees exactly the feeds up to its clock, by construction. Rows are buffered in
memory and written in one insert per feed when an analysis needs them: an insert per 5-minute
batch and feed would cost more than the analyses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from fraudlink.engine.replay import ARRIVAL, arrival_sql
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store

REFERENCE_FEEDS = tuple(f for f in FEED_TABLES if arrival_sql(f) is None)
"""Feeds with no time of their own: known from the start."""

WORKING_MEMORY_SHARE = 0.25
SOURCE_MEMORY_SHARE = 0.1


def limit_memory(con: duckdb.DuckDBPyConnection, share: float) -> None:
    """Cap a DuckDB connection at a share of the machine's memory.

    The engine holds two databases in one process (the source being replayed, its own working
    store) beside its Python state; DuckDB's default of 80% of memory each let a city run be
    killed by the kernel at 24 GB on a 23 GB machine.
    """
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    con.execute(f"set memory_limit = '{max(int(total * share) >> 20, 512)}MB'")


class WorkingStore:
    """A fresh store at `path` that receives feed rows only as they arrive."""

    def __init__(self, path: Path | str) -> None:
        self.store = Store(path)
        limit_memory(self.store.con, WORKING_MEMORY_SHARE)
        self._pending: dict[str, list[pa.Table]] = {}
        self._listeners: dict[str, list[Callable[[pa.Table], None]]] = {}
        self.rows_written = 0

    def on_write(self, feed: str, listener: Callable[[pa.Table], None]) -> None:
        """Hand `listener` every table of `feed` as it is written, in the store's row order."""
        self._listeners.setdefault(feed, []).append(listener)

    def load_reference(self, tables: dict[str, pa.Table]) -> None:
        """Copy the reference tables (no time column) in, once, before the replay starts."""
        for feed, table in tables.items():
            if feed not in REFERENCE_FEEDS:
                raise ValueError(f"{feed} is not a reference table: it must arrive in time")
            self._insert(feed, table)

    def receive(self, events: dict[str, pa.Table]) -> None:
        """Queue rows that arrived in one batch."""
        for feed, table in events.items():
            self._pending.setdefault(feed, []).append(table)

    def flush(self, feeds: tuple[str, ...] | None = None) -> None:
        """Write the queued rows of `feeds` (default: all) into the store."""
        for feed in list(self._pending) if feeds is None else feeds:
            parts = self._pending.pop(feed, None)
            if parts:
                # The history and the replay cursors may spell UTC differently (UTC, Etc/UTC).
                schema = parts[0].schema
                self._insert(feed, pa.concat_tables([p.cast(schema) for p in parts]))

    def _insert(self, feed: str, table: pa.Table) -> None:
        if ARRIVAL in table.column_names:
            table = table.drop_columns([ARRIVAL])
        con = self.store.con
        con.register("_arrived", table)
        try:
            con.execute(f'insert into "{feed}" by name select * from _arrived')
        finally:
            con.unregister("_arrived")
        self.rows_written += table.num_rows
        for listener in self._listeners.get(feed, []):
            listener(table)

    def close(self) -> None:
        """Close the store."""
        self.store.close()
