"""Identity-graph tests on a hand-made market: a dealer's device links four sellers' cards, while
a family's shared phone and a home broadband address link nobody."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.detect.identity_graph import (
    _number,
    build_identity_graph,
    card_rings,
    laundering_groups,
)
from fraudlink.store import Store

if TYPE_CHECKING:
    from conftest import RingMarket


def _values(g: object, mask: np.ndarray) -> set[str]:
    nodes = g.nodes  # type: ignore[attr-defined]
    return set(nodes["value"].filter(mask).to_pylist())


def test_graph_keeps_linking_evidence_only(ring_market: RingMarket) -> None:
    with Store(ring_market.path, read_only=True) as store:
        g = build_identity_graph(store, ring_market.t0 + timedelta(days=2))
    kinds = dict(zip(g.nodes["value"].to_pylist(), g.nodes["kind"].to_pylist(), strict=True))
    assert {kinds[p] for p in ring_market.ring_persons} == {"person"}
    assert kinds["D1"] == "device" and kinds["45.1.1.1"] == "ip" and kinds["C1"] == "cell"
    # The family's phone has two holders and the broadband address is a home's: neither links.
    assert not {"D8", "113.1.1.1", "111.1.1.1", "B1", "B2", "Q1", "R1"} & set(kinds)
    assert g.nodes["node"].to_pylist() == list(range(g.nodes.num_rows))
    edge_kinds = set(g.edges["kind"].to_pylist())
    assert {"holds", "login_device", "login_ip", "reserved_phone", "transfer"} <= edge_kinds
    # The cash-out transfer to the innocent card is not in the graph.
    assert g.edges.filter(pc.equal(g.edges["kind"], "transfer")).num_rows == 2


def test_rings_and_gangs_split_the_graph(ring_market: RingMarket) -> None:
    with Store(ring_market.path, read_only=True) as store:
        g = build_identity_graph(store, ring_market.t0 + timedelta(days=2))
    ring = card_rings(g)
    gang = laundering_groups(g, ring)
    assert set(ring[ring >= 0]) == {0}
    assert _values(g, ring >= 0) >= ring_market.ring_persons | {"A1", "A2", "A3", "A4", "D1"}
    kind = g.nodes["kind"].to_numpy(zero_copy_only=False)
    assert _values(g, (gang >= 0) & (kind == "account")) == {"A1", "A2", "A3", "A4"}
    assert not _values(g, (gang >= 0) & (kind == "person"))


def test_nothing_before_the_logins(ring_market: RingMarket) -> None:
    with Store(ring_market.path, read_only=True) as store:
        g = build_identity_graph(store, ring_market.t0 + timedelta(minutes=30))
    assert (card_rings(g) < 0).all()


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(range(6)))
def test_the_graph_does_not_follow_the_row_order_of_the_query(order: list[int]) -> None:
    raw = pa.table({
        "src": ["card:A", "card:B", "idno:P", "idno:P", "card:A", "tel:1"],
        "dst": ["imei:D", "imei:D", "card:A", "card:B", "card:B", "cell:C"],
        "kind": ["login_device", "login_device", "holds", "holds", "transfer", "called_from"],
        "n": pa.array([3, 1, 1, 1, 2, 7], pa.int64()),
    })  # fmt: skip
    want = _number(raw)
    got = _number(raw.take(pa.array(order)))
    assert got.nodes.equals(want.nodes) and got.edges.equals(want.edges)
