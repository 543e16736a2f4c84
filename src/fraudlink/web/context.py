"""What every request shares: the store, per-thread cursors, the audit log, the indicator index."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from fraudlink.match import IndicatorIndex
from fraudlink.store import Store
from fraudlink.web.audit import AuditLog


class WebContext:
    """One open store served to many threads: each thread gets its own DuckDB cursor."""

    def __init__(self, db: Path | str) -> None:
        self.db = Path(db)
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
                self._index = IndicatorIndex.from_store(self.store)
            return self._index

    def feeds_changed(self) -> None:
        """New feed rows arrived: the next lookup rebuilds the index from the store."""
        with self._index_lock:
            self._index = None

    def close(self) -> None:
        """Close the store."""
        self.store.close()
