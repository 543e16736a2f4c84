"""The tiny world ingested once into a store file, shared by the match tests (read only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fraudlink.store import Store


@pytest.fixture(scope="session")
def tiny_db(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> Path:
    """A store file holding the tiny world's feeds."""
    return ingested_file(tiny_world, "match-db")


@pytest.fixture
def tiny_store(tiny_db: Path) -> Store:
    """The tiny world's store, opened for one test."""
    return Store(tiny_db)
