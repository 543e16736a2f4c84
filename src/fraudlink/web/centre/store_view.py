"""The store's interface over one request thread's cursor, for domain code that takes a `Store`.

The tracing, matching, ordering and ingest code takes a `Store`. A request must use its own
thread's cursor (`WebContext.cursor`), so `CursorStore` gives that code the cursor instead of the
store's shared connection. Its `transaction` nests: inside an open one, the domain code's own
transactions join it, so several feeds or orders commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from fraudlink.store import Store


class CursorStore(Store):
    """A `Store` whose connection is a request thread's cursor; closing it closes nothing."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | str) -> None:
        # No Store.__init__: the database is open and migrated already; only the cursor changes.
        self.path = Path(path)
        self.con = con
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing; inside another transaction of this store, part of that one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1
            return
        self.con.execute("begin transaction")
        self._depth = 1
        try:
            yield self.con
        except BaseException:
            self.con.execute("rollback")
            raise
        finally:
            self._depth = 0
        self.con.execute("commit")

    def close(self) -> None:
        """The cursor belongs to the request thread: leave it open."""
