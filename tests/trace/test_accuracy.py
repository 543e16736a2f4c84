"""Tracing against the simulator's truth: where each reported victim's money really went.

Two figures: the engine alone (seeded with every payment of the episode, from the truth) and end
to end (seeded with the payments the victims reported, as matched; victims forget about one
payment in ten, and the money of a forgotten payment cannot be found from the report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tracing_truth import located_share, truth_payments

from fraudlink.store import Store
from fraudlink.trace.engine import ledger_end, trace_all, trace_matched


@pytest.fixture(scope="module")
def demo(
    demo_world: Path, ingested_file: Callable[[Path, str], Path]
) -> Iterator[tuple[Path, Store]]:
    """The demo world (shared), ingested once for this module."""
    path = ingested_file(demo_world, "trace-demo")
    with Store(path) as store:
        yield demo_world, store


def test_fifo_locates_95_percent_at_demo(demo: tuple[Path, Store]) -> None:
    world, store = demo
    engine = located_share(trace_matched(store, truth_payments(world), ledger_end(store)), world)
    end_to_end = located_share(trace_all(store), world)
    print(f"demo FIFO located: engine {engine['located']:.4f}, end to end "
          f"{end_to_end['located']:.4f} over {engine['reports']:.0f} reports")  # fmt: skip
    assert engine["located"] >= 0.95
    assert end_to_end["located"] >= 0.80


def test_fifo_locates_95_percent_at_tiny(trace_db: Path, tiny_world: Path) -> None:
    with Store(trace_db, read_only=True) as store:
        r = trace_matched(store, truth_payments(tiny_world), ledger_end(store))
        engine = located_share(r, tiny_world)
        end_to_end = located_share(trace_all(store), tiny_world)
    print(f"tiny FIFO located: engine {engine['located']:.4f}, end to end "
          f"{end_to_end['located']:.4f}")  # fmt: skip
    assert engine["located"] >= 0.95
    assert end_to_end["located"] >= 0.90


def test_poison_bounds_fifo(demo: tuple[Path, Store]) -> None:
    _, store = demo
    fifo, poison = trace_all(store), trace_all(store, method="poison")
    f = {(r["report_id"], r["account"]): r["amount_fen"] for r in fifo.positions.to_pylist()}
    p = {(r["report_id"], r["account"]): r["amount_fen"] for r in poison.positions.to_pylist()}
    assert all(p.get(k, 0) >= v for k, v in f.items())
