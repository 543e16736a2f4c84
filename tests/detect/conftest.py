"""Shared fixtures for the card-cutting tests: one ingested demo store, and days within it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fraudlink.store import Store


@pytest.fixture(scope="session")
def demo_store(demo_world: Path, ingested_file: Callable[[Path, str], Path]) -> Iterator[Store]:
    """The demo world's store, read only."""
    with Store(ingested_file(demo_world, "detect-demo-db"), read_only=True) as s:
        yield s


@pytest.fixture(scope="session")
def day(demo_store: Store) -> Callable[[int], dt.datetime]:
    """Midnight UTC `n` days after the demo store's first transaction's day."""
    t = demo_store.arrow("select min(time) as t from transactions").column("t")[0].as_py()
    first = dt.datetime(t.year, t.month, t.day, tzinfo=dt.UTC)
    return lambda n: first + dt.timedelta(days=n)
