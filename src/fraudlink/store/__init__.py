"""The embedded store: a DuckDB file with every feed, the quarantine and the ingest log.

Public face: `Store`, `StoreError`, `default_db_path`, `LATEST` (the schema version).
"""

import os
from pathlib import Path

from fraudlink.store.migrations import LATEST
from fraudlink.store.store import DEFAULT_DB_NAME, Store, StoreError


def default_db_path() -> Path:
    """The default store: $FRAUDLINK_DATA/fraudlink.duckdb, else ./data/fraudlink.duckdb."""
    return Path(os.environ.get("FRAUDLINK_DATA", "data")) / DEFAULT_DB_NAME


__all__ = ["LATEST", "Store", "StoreError", "default_db_path"]
