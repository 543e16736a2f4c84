"""The tiny world in a store, shared by the trace tests (opened read only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fraudlink.store import Store


@pytest.fixture(scope="session")
def trace_db(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> Path:
    """A store file holding the tiny world's feeds."""
    return ingested_file(tiny_world, "trace-db")


@pytest.fixture
def store(trace_db: Path) -> Iterator[Store]:
    """The tiny world's store, read only, for one test."""
    with Store(trace_db, read_only=True) as s:
        yield s
