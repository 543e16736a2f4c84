"""What every request shares: the store, per-thread cursors, the audit log, the indicator index."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import duckdb

from fraudlink.match import IndicatorIndex
from fraudlink.match.sources import indicator_sql
from fraudlink.store import Store
from fraudlink.web.audit import AuditLog

# What `IndicatorIndex.from_store` reads (`match.sources.indicator_rows`).
INDEX_ROWS_SQL = indicator_sql() + " order by node_id, time, source, ref"


class WebContext:
    """One open store served to many threads: each thread gets its own DuckDB cursor."""

    def __init__(self, db: Path | str, client_clock: bool = False) -> None:
        self.db = Path(db)
        # Off on a real centre's network, where the server's clock stamps every action; on only
        # to replay a simulated city, whose actions carry the `now` the client gives.
        self.client_clock = client_clock
        self.store = Store(self.db)
        self._local = threading.local()
        # Multi-statement writes (orders and their events, a warning and its step) take this.
        self.write_lock = threading.RLock()
        self.audit = AuditLog(self._new_cursor())
        self._index: IndicatorIndex | None = None
        self._index_lock = threading.Lock()

    def _new_cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.store.con.cursor()
        cur.execute("set TimeZone = 'UTC'")
        return cur

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the store."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._new_cursor()
        return cur

    def index(self) -> IndicatorIndex:
        """The indicator index of rapid comparison, built on first use and after new feeds."""
        with self._index_lock:
            if self._index is None:
                # Read through this thread's cursor, not the store's connection: a writer may be
                # using that one, and DuckDB refuses a connection busy with another call.
                rows = self.cursor().sql(INDEX_ROWS_SQL).to_arrow_table()
                self._index = IndicatorIndex(rows)
                # The index is millions of long-lived objects: left to the collector, every
                # full collection walks them all and stalls every request in flight.
                gc.collect()
                gc.freeze()
            return self._index

    def index_if_built(self) -> IndicatorIndex | None:
        """The index when it is built, without waiting: async handlers build it off the loop."""
        return self._index

    def feeds_changed(self) -> None:
        """New feed rows arrived: the next lookup rebuilds the index from the store."""
        with self._index_lock:
            self._index = None

    def close(self) -> None:
        """Close the store."""
        self.store.close()
