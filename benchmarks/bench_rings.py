"""Benchmark: card-ring finding, ours against Fraudar and Leiden on the same identity graph.

Run: uv run python benchmarks/bench_rings.py --world DIR [--store DB] [--repeat 3] [--blocks 20]
     (DIR from: uv run fraudlink simulate --preset city --out DIR; without --world a demo world
     is simulated; --store reuses a store already holding DIR's feeds (opened read-only), else
     they are ingested)

Ours is `find_rings` end to end: the identity graph from the store, components, laundering
groups, insider test, evidence and ranking. The peers get the same identity graph (its build is
timed into their time too) and find the dense blocks their own way: Fraudar (`rgmining-fraudar`,
log-weighted, `--blocks` blocks peeled one after the other) on the holders x devices-and-addresses
matrix, and igraph's Leiden (modularity) on the graph's joining edges, keeping communities with at
least three holders. Recovery of all three is scored by `ring_recovery` against the world's truth.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from common import world_and_store, world_arguments
from fraudar.export import greedy
from scipy.sparse import coo_matrix

from fraudlink.detect.identity_graph import MIN_RING_PERSONS, IdentityGraph, build_identity_graph
from fraudlink.detect.rings import Rings, find_rings
from fraudlink.detect.rings_eval import ring_recovery
from fraudlink.store import Store

AS_OF = datetime(2100, 1, 1, tzinfo=UTC)


def as_rings(g: IdentityGraph, lab: np.ndarray, score: np.ndarray) -> Rings:
    """A peer's groups of persons, in the shape `ring_recovery` scores."""
    person = pc.equal(g.nodes["kind"], "person").to_numpy(zero_copy_only=False)
    idx = np.flatnonzero((lab >= 0) & person)
    members = pa.table(
        {
            "ring_id": pa.array(lab[idx] + 1, pa.int64()),
            "kind": pa.array(["person"] * len(idx), pa.string()),
            "value": pc.take(g.nodes["value"], pa.array(idx, pa.int64())),
            "evidence": pa.array([""] * len(idx), pa.string()),
        }
    )
    k = len(score)
    rings = pa.table(
        {
            "ring_id": pa.array(np.arange(1, k + 1), pa.int64()),
            "score": pa.array(score, pa.float64()),
            "kind": pa.array(["card_ring"] * k, pa.string()),
        }
    )
    return Rings(rings=rings, members=members, as_of=AS_OF)


def holders_by_devices(g: IdentityGraph) -> tuple[Any, np.ndarray, np.ndarray]:
    """The holders x (devices, addresses) matrix: how many of a holder's cards were used there."""
    e = g.edges
    ek = e["kind"].to_numpy(zero_copy_only=False)
    s, d, n = e["src"].to_numpy(), e["dst"].to_numpy(), g.nodes.num_rows
    holds = ek == "holds"
    use = np.isin(ek, ["login_device", "login_ip", "sim_device"])
    h = coo_matrix((np.ones(holds.sum()), (s[holds], d[holds])), shape=(n, n)).tocsr()
    u = coo_matrix((np.ones(use.sum()), (s[use], d[use])), shape=(n, n)).tocsr()
    m = (h @ u).tocoo()
    rows, cols = np.unique(m.row), np.unique(m.col)
    r = np.searchsorted(rows, m.row)
    c = np.searchsorted(cols, m.col)
    mat = coo_matrix((np.ones(len(r)), (r, c)), shape=(len(rows), len(cols))).tocsc()
    return mat, rows, cols


def fraudar(store: Store, blocks: int) -> tuple[Rings, IdentityGraph]:
    """Fraudar's peeled dense blocks of holders, as groups."""
    g = build_identity_graph(store, AS_OF)
    mat, rows, _ = holders_by_devices(g)
    lab = np.full(g.nodes.num_rows, -1, np.int64)
    scores = []
    with contextlib.redirect_stdout(io.StringIO()):  # the library prints its progress
        found = greedy.detectMultiple(mat, greedy.logWeightedAveDegree, blocks)
    for i, ((row_set, _), score) in enumerate(found):
        who = rows[sorted(row_set)]
        who = who[lab[who] < 0]  # a holder stays in the first block that took him
        lab[who] = i
        scores.append(float(score))
    return as_rings(g, lab, np.array(scores)), g


def leiden(store: Store) -> tuple[Rings, IdentityGraph]:
    """igraph Leiden (modularity) communities of the joining edges with at least three holders."""
    g = build_identity_graph(store, AS_OF)
    src, dst = g.joining()
    graph = ig.Graph(n=g.nodes.num_rows, edges=np.c_[src, dst].tolist())
    part = graph.community_leiden(objective_function="modularity", n_iterations=-1)
    lab = np.asarray(part.membership, np.int64)
    person = pc.equal(g.nodes["kind"], "person").to_numpy(zero_copy_only=False)
    holders = np.bincount(lab[person], minlength=int(lab.max()) + 1 if len(lab) else 0)
    keep = holders >= MIN_RING_PERSONS
    new = np.cumsum(keep) - 1
    lab = np.where(keep[lab], new[lab], -1) if len(lab) else lab
    return as_rings(g, lab, holders[keep].astype(np.float64)), g


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def summary(ev: dict[str, Any]) -> dict[str, Any]:
    """The recovery figures worth a line."""
    keys = ("rings_found_share", "person_precision", "innocent_persons_flagged", "pr_auc")
    cov = [r["coverage"] for r in ev["card_rings"]["per_group"]]
    return {**{k: ev[k] for k in keys}, "groups": ev["groups_found"], "min_coverage": min(cov),
            "median_coverage": statistics.median(cov)}  # fmt: skip


def main() -> None:
    """Run the three alternately and print one JSON line with medians, ratios and recovery."""
    ap = world_arguments(repeat=3)
    ap.add_argument("--blocks", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        world, db = world_and_store(args, Path(tmp))
        t: dict[str, list[float]] = {"ours": [], "fraudar": [], "leiden": []}
        got: dict[str, Any] = {}
        with Store(db, read_only=True) as store:
            for _ in range(args.repeat):
                s, got["ours"] = timed(lambda: find_rings(store, AS_OF))
                t["ours"].append(s)
                s, (got["fraudar"], _) = timed(lambda: fraudar(store, args.blocks))
                t["fraudar"].append(s)
                s, (got["leiden"], _) = timed(lambda: leiden(store))
                t["leiden"].append(s)
            s_graph, g = timed(lambda: build_identity_graph(store, AS_OF))
        rec = {k: summary(ring_recovery(v, world)) for k, v in got.items()}
    med = {k: statistics.median(v) for k, v in t.items()}
    print(
        json.dumps(
            {
                "world": str(args.world or "demo seed 1"),
                "repeat": args.repeat,
                "graph_nodes": g.nodes.num_rows,
                "graph_edges": g.edges.num_rows,
                "graph_build_s": round(s_graph, 3),
                "median_s": {k: round(v, 3) for k, v in med.items()},
                "ratio_fraudar_over_ours": round(med["fraudar"] / med["ours"], 3),
                "ratio_leiden_over_ours": round(med["leiden"] / med["ours"], 3),
                "fraudar_blocks": args.blocks,
                "recovery": rec,
            }
        )
    )


if __name__ == "__main__":
    main()
