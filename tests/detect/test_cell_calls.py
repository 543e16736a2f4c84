"""The calls per (caller, cell) kept by the SIM book as calls arrive, against the store's calls
counted at once: the identity graph and the rings they give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from fraudlink.detect.identity_graph import build_identity_graph
from fraudlink.detect.rings import find_rings
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.store import Store


def sims_fed(store: Store, as_of: dt.datetime) -> SimScoreBook:
    """A SIM book handed the store's calls up to `as_of` in two tables, as a writer would."""
    book = SimScoreBook(store, fed=True)
    mid = as_of - dt.timedelta(days=4)
    for lo, hi in ((None, mid), (mid, as_of)):
        since = "" if lo is None else "and time > ?"
        args = [hi] if lo is None else [hi, lo]
        book.take(store.arrow(f"select * from calls where time <= ? {since} order by time", args))
    return book


@pytest.mark.parametrize("n", [6, 20])
def test_the_identity_graph_and_rings_from_the_book_equal_those_from_the_calls(
    demo_store: Store, day: Callable[[int], dt.datetime], n: int
) -> None:
    as_of = day(n)
    cells = sims_fed(demo_store, as_of).cells_called_from(as_of)
    want = build_identity_graph(demo_store, as_of)
    got = build_identity_graph(demo_store, as_of, cells)
    # The same graph, numbered and ordered the same, whatever order the queries found it in.
    assert got.nodes.equals(want.nodes) and got.edges.equals(want.edges)
    assert "called_from" in set(want.edges.column("kind").to_pylist())
    a, b = find_rings(demo_store, as_of), find_rings(demo_store, as_of, cells)
    assert a.rings.num_rows > 0
    assert a.rings.equals(b.rings) and a.members.equals(b.members)


def test_the_calls_cannot_be_counted_before_a_call_taken_in(
    demo_store: Store, day: Callable[[int], dt.datetime]
) -> None:
    book = sims_fed(demo_store, day(6))
    with pytest.raises(ValueError, match="cannot count before"):
        book.cells_called_from(day(5))
