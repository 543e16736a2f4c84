"""The tiny world ingested once into a store file, shared by the match tests (read only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.store import Store


@pytest.fixture(scope="session")
def tiny_db(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the tiny world's feeds."""
    path = tmp_path_factory.mktemp("match-db") / "store.duckdb"
    with Store(path) as store:
        assert not ingest_paths(store, [tiny_world / "feeds"]).errors
    return path


@pytest.fixture
def tiny_store(tiny_db: Path) -> Store:
    """The tiny world's store, opened for one test."""
    return Store(tiny_db)
