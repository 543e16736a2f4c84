"""The tiny world in a store, shared by the trace tests (opened read only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.store import Store


@pytest.fixture(scope="session")
def trace_db(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the tiny world's feeds."""
    path = tmp_path_factory.mktemp("trace-db") / "store.duckdb"
    with Store(path) as store:
        assert not ingest_paths(store, [tiny_world / "feeds"]).errors
    return path


@pytest.fixture
def store(trace_db: Path) -> Iterator[Store]:
    """The tiny world's store, read only, for one test."""
    with Store(trace_db, read_only=True) as s:
        yield s
