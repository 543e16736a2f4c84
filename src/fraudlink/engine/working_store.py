"""The engine's own store: only what has arrived by the engine's clock, and nothing else.

The engine never holds a handle on the source store. The driver copies the reference tables
(persons, institutions, outlets, staff, devices, IPs, URLs, apps: known from the start) and then
appends each batch as it arrives, so every SQL analysis the engine runs (SIM scores, mule scores,
tracing, rings) sees exactly the feeds up to its clock, by construction. Feeds kept out
(`keep_out`) go only to the books that listen for their arrival. Rows are buffered in
memory and written in one insert per feed when an analysis needs them: an insert per 5-minute
batch and feed would cost more than the analyses. A feed whose readers at some point all read
an in-memory book (the ledger at a fund-control tick) can be handed to the book then and
written later, in a bigger insert.
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

DEFERRED_ROWS = 1_000_000
"""Deferred rows of a feed are written once this many wait, even with no flush asking."""

WORKING_MEMORY_SHARE = 0.25
WORKING_COMPRESSION = "uncompressed"
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
        # A scratch store, written all through the replay and deleted after it: compressing its
        # columns at every checkpoint (FSST and dictionaries for the strings) cost a fifth of
        # four city days' replay and 5% of the month, for a file about 3x smaller.
        self.store.con.execute(f"set force_compression = '{WORKING_COMPRESSION}'")
        self._pending: dict[str, list[pa.Table]] = {}
        self._deferred: dict[str, list[pa.Table]] = {}  # handed to the listeners, not written
        self._listeners: dict[str, list[Callable[[pa.Table], None]]] = {}
        self._arrival: dict[str, list[Callable[[pa.Table], None]]] = {}
        self._kept_out: set[str] = set()
        self.rows_written = 0

    def keep_out(self, feeds: tuple[str, ...]) -> None:
        """Never write `feeds` into the store: their rows reach `on_arrival` listeners only.

        For feeds no analysis reads from the store. Their tables are dropped, so that a query
        reading one fails at once instead of finding it empty."""
        for feed in feeds:
            if feed in REFERENCE_FEEDS or feed not in FEED_TABLES:
                raise ValueError(f"{feed} is not an event feed: it cannot be kept out")
            if feed in self._pending or feed in self._deferred or self.store.count(feed):
                raise ValueError(f"{feed} rows have arrived already: keep it out before any do")
            if self._listeners.get(feed):
                raise ValueError(f"{feed} has listeners to its writes: it cannot be kept out")
            self.store.con.execute(f'drop table "{feed}"')
            self._kept_out.add(feed)

    def on_write(self, feed: str, listener: Callable[[pa.Table], None]) -> None:
        """Hand `listener` every table of `feed` as it is written (or deferred), in the store's
        row order."""
        if feed in self._kept_out:
            raise ValueError(f"{feed} is kept out and never written: listen to its arrivals")
        self._listeners.setdefault(feed, []).append(listener)

    def on_arrival(self, feed: str, listener: Callable[[pa.Table], None]) -> None:
        """Hand `listener` each table of `feed` as it arrives.

        Before any flush, and the same rows in the same order as the store will hold them: a
        book read only after a flush can fold them in meanwhile (on another thread: see
        `engine.background`)."""
        self._arrival.setdefault(feed, []).append(listener)

    def load_reference(self, tables: dict[str, pa.Table]) -> None:
        """Copy the reference tables (no time column) in, once, before the replay starts."""
        for feed, table in tables.items():
            if feed not in REFERENCE_FEEDS:
                raise ValueError(f"{feed} is not a reference table: it must arrive in time")
            self._write(feed, table)
            self._notify(feed, table)

    def receive(self, events: dict[str, pa.Table]) -> None:
        """Hand rows that arrived in one batch to their feed's arrival listeners, and queue
        them for the store unless the feed is kept out."""
        for feed, table in events.items():
            if listeners := self._arrival.get(feed):
                bare = _without_arrival(table)
                for listener in listeners:
                    listener(bare)
            if feed not in self._kept_out:
                self._pending.setdefault(feed, []).append(table)

    def flush(self, feeds: tuple[str, ...] | None = None, defer: tuple[str, ...] = ()) -> None:
        """Write the queued rows of `feeds` (default: all) into the store.

        The rows of the `defer` feeds go to their listeners now and into the store later (at a
        flush that does not defer them, or once `DEFERRED_ROWS` wait): for a caller whose every
        reader of those feeds reads the listeners' books. Each insert is a commit: three city
        days of transactions took 1.75 s in 144 half-hour inserts, 0.55 s in three daily ones."""
        names = [*self._pending, *(f for f in self._deferred if f not in self._pending)]
        for feed in names if feeds is None else feeds:
            parts = self._pending.pop(feed, None)
            # Held without the arrival column, so that the history's tables and the replay's
            # combine whatever columns each carried.
            new = [_without_arrival(combined(parts))] if parts else []
            held = self._deferred.pop(feed, []) + new
            if feed in defer and sum(t.num_rows for t in held) < DEFERRED_ROWS:
                if held:
                    self._deferred[feed] = held
            elif held:
                self._write(feed, combined(held))
            for table in new:
                self._notify(feed, table)

    def close(self) -> None:
        """Write the deferred rows, and close the store."""
        try:
            for feed, held in self._deferred.items():
                self._write(feed, combined(held))
            self._deferred = {}
        finally:
            self.store.close()

    # Tables reach these without the arrival column: a flush drops it, reference tables never
    # carried one.
    def _notify(self, feed: str, table: pa.Table) -> None:
        for listener in self._listeners.get(feed, []):
            listener(table)

    def _write(self, feed: str, table: pa.Table) -> None:
        con = self.store.con
        con.register("_arrived", table)
        try:
            con.execute(f'insert into "{feed}" by name select * from _arrived')
        finally:
            con.unregister("_arrived")
        self.rows_written += table.num_rows


def combined(parts: list[pa.Table]) -> pa.Table:
    """Tables of one feed as one, in order."""
    # The history and the replay cursors may spell UTC differently (UTC, Etc/UTC).
    schema = parts[0].schema
    return pa.concat_tables([p.cast(schema) for p in parts])


def _without_arrival(table: pa.Table) -> pa.Table:
    return table.drop_columns([ARRIVAL]) if ARRIVAL in table.column_names else table
