"""Rings for the console: the ranked list, one ring's network graph, its target package.

`find_rings` takes seconds on a city's feeds, so its answer (with the identity graph the graph
view draws from) is kept per process, keyed by the store file, the as-of instant and the last
ingest: every feed push or new report is an ingest, so new data makes a new key.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from fraudlink.detect.identity_graph import KIND_OF_PREFIX, IdentityGraph, build_identity_graph
from fraudlink.detect.rings import Rings, find_rings, target_package
from fraudlink.store import Store

CACHE_SIZE = 4
PREFIX_OF_KIND = {k: p for p, k in KIND_OF_PREFIX.items()}


class Ring(BaseModel):
    """One ranked card ring or laundering group: what a strike would seize."""

    ring_id: int
    rank: int = Field(description="1 = strike first")
    kind: str = Field(description="card_ring or laundering_group")
    score: float
    holders: int = Field(description="people holding the group's cards and SIM cards")
    cards: int = Field(description="bank cards")
    sims: int
    devices: int
    known_bad: int = Field(description="members already named bad by a report, case, seizure "
                                       "or member flag")  # fmt: skip
    insiders: int = Field(description="insider clerks")
    parent_ring: int | None = Field(description="the card ring a laundering group is part of")


class GraphNode(BaseModel):
    """A member of the ring: a person, card, SIM, device, address, clerk, outlet or cell."""

    id: str = Field(description="typed identifier, e.g. card:6222…, tel:138…, idno:…")
    kind: str
    label: str
    evidence: str = Field(description="why it is in the ring")


class GraphEdge(BaseModel):
    """A link between two members, as the feeds show it."""

    source: str
    target: str
    kind: str = Field(description="holds, login_device, login_ip, sim_device, reserved_phone, "
                                  "transfer, opened_by, opened_at, called_from")  # fmt: skip


class RingGraph(BaseModel):
    """The ring's network graph."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]


class RingPage(BaseModel):
    """One ring with its graph."""

    as_of: dt.datetime
    ring: Ring
    graph: RingGraph


@dataclass(frozen=True)
class Found:
    """Rings found as of one instant, and the identity graph they were cut from."""

    rings: Rings
    graph: IdentityGraph


_cache: OrderedDict[tuple[str, dt.datetime, int], Found] = OrderedDict()
_lock = threading.Lock()


def rings_as_of(store: Store, at: dt.datetime) -> Found:
    """The rings of the store as of `at`, computed once per process and store state."""
    last_ingest = store.con.execute("select coalesce(max(ingest_id), 0) from ingest_log")
    key = (str(store.path.resolve()), at, int(last_ingest.fetchall()[0][0]))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        # Computed under the lock: two requests for the same rings wait for one computation.
        found = Found(find_rings(store, at), build_identity_graph(store, at))
        _cache[key] = found
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
        return found


def forget(store: Store | None = None) -> None:
    """Drop cached rings (of one store, or all): e.g. after its feeds were rewritten."""
    with _lock:
        for key in [k for k in _cache if store is None or k[0] == str(store.path.resolve())]:
            del _cache[key]


def ring_list(found: Found) -> list[Ring]:
    """Every group, in rank order."""
    return [_ring(r) for r in found.rings.rings.to_pylist()]


def _ring(r: dict[str, Any]) -> Ring:
    return Ring(ring_id=r["ring_id"], rank=r["rank"], kind=r["kind"], score=r["score"],
                holders=r["persons"], cards=r["accounts"], sims=r["sims"], devices=r["devices"],
                known_bad=r["known_bad"], insiders=r["insiders"],
                parent_ring=r["parent_ring"] or None)  # fmt: skip


def ring_page(found: Found, ring_id: int) -> RingPage | None:
    """One ring with its graph: its members and the links among them; None if no such ring."""
    row = found.rings.rings.filter(pc.equal(found.rings.rings["ring_id"], ring_id)).to_pylist()
    if not row:
        return None
    m = found.rings.members.filter(pc.equal(found.rings.members["ring_id"], ring_id))
    nodes: dict[str, GraphNode] = {}
    for kind, value, why in zip(m["kind"].to_pylist(), m["value"].to_pylist(),
                                m["evidence"].to_pylist(), strict=True):  # fmt: skip
        key = f"{PREFIX_OF_KIND.get(kind, kind)}:{value}"
        if key not in nodes:  # an insider clerk is a staff member and a person: one node each
            nodes[key] = GraphNode(id=key, kind=kind, label=value, evidence=why)
    return RingPage(as_of=found.rings.as_of, ring=_ring(row[0]),
                    graph=RingGraph(nodes=list(nodes.values()),
                                    edges=_edges(found.graph, set(nodes))))  # fmt: skip


def _edges(g: IdentityGraph, members: set[str]) -> list[GraphEdge]:
    """The identity graph's edges with both ends among `members`."""
    prefixes = pa.array(list(PREFIX_OF_KIND.values()))
    at = pc.index_in(g.nodes["kind"], pa.array(list(PREFIX_OF_KIND)))
    keys = pc.binary_join_element_wise(pc.take(prefixes, at), g.nodes["value"], ":")
    ok = pc.is_in(keys, pa.array(sorted(members), pa.string())).to_numpy(zero_copy_only=False)
    s, d = g.edges["src"].to_numpy(), g.edges["dst"].to_numpy()
    keep = np.flatnonzero(ok[s] & ok[d])
    src = pc.take(keys, pa.array(s[keep])).to_pylist()
    dst = pc.take(keys, pa.array(d[keep])).to_pylist()
    kind = pc.take(g.edges["kind"], pa.array(keep)).to_pylist()
    return [GraphEdge(source=a, target=b, kind=k) for a, b, k in zip(src, dst, kind, strict=True)]


def package(found: Found, ring_id: int) -> dict[str, Any] | None:
    """The ring's target package (what `fraudlink rings --out` writes), None if no such ring."""
    try:
        return target_package(found.rings, ring_id)
    except KeyError:
        return None
