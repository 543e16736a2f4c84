"""Benchmark: incremental case linking in daily batches, against networkx recomputing from scratch.

Run: uv run python benchmarks/bench_linking.py --world DIR [--store DB] [--repeat 5]
     (DIR from: uv run fraudlink simulate --preset city --out DIR; without --world a demo world
     is simulated; --store reuses a store already holding DIR's feeds, else they are ingested)

Both sides get the same report identifiers and weights (one SQL pass, timed apart). Ours adds each
day's reports to the union-find `CaseLinker` and reads the new reports' clusters. The peer keeps the
graph of every link so far (each new report joined to every earlier report sharing a linkable
identifier), and after each day recomputes `networkx.connected_components` from scratch.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
from common import world_and_store, world_arguments

from fraudlink.match.clusters import LINK_THRESHOLD, VIA_FACTOR, VIA_PREFIX, CaseLinker, pair_scores
from fraudlink.match.linking import grouped, link_reports, link_weights, report_identifiers
from fraudlink.match.weights import Weight
from fraudlink.store import Store

Batch = list[tuple[str, datetime, list[str]]]
CHINA = timedelta(hours=8)  # a desk's day runs on China time


def daily(reports: list[tuple[str, object, list[str]]]) -> list[Batch]:
    """Reports split into batches by China-time day, in time order."""
    days: dict[object, Batch] = {}
    for rid, at, nodes in reports:
        assert isinstance(at, datetime)
        days.setdefault((at + CHINA).date(), []).append((rid, at, nodes))
    return [days[d] for d in sorted(days)]  # type: ignore[type-var]


def ours(batches: list[Batch], weights: dict[str, Weight]) -> float:
    """Seconds to add every batch to the incremental linker and read the new clusters."""
    t0 = time.perf_counter()
    linker = CaseLinker(weights)
    for batch in batches:
        for rid, at, nodes in batch:
            linker.add_report(rid, nodes, at)
        assert all(linker.cluster_of(rid) is not None for rid, _, _ in batch)
    return time.perf_counter() - t0


def peer(batches: list[Batch], weights: dict[str, Weight]) -> tuple[float, int]:
    """Seconds for the networkx peer; also the number of clusters it ends with."""

    def side(node: str) -> tuple[str, float]:
        via = node.startswith(VIA_PREFIX)
        key = node[len(VIA_PREFIX) :] if via else node
        w = weights[key].weight if key in weights else 0.0
        return key, w * VIA_FACTOR if via else w

    t0 = time.perf_counter()
    graph: nx.Graph = nx.Graph()
    index: dict[str, list[str]] = defaultdict(list)
    components = 0
    for batch in batches:
        for rid, _, nodes in batch:
            graph.add_node(rid)
            for key, w in {side(n) for n in nodes}:
                if w < LINK_THRESHOLD:
                    continue
                graph.add_edges_from((rid, other) for other in index[key])
                index[key].append(rid)
        comp = {r: i for i, c in enumerate(nx.connected_components(graph)) for r in c}
        assert all(rid in comp for rid, _, _ in batch)  # the new reports' clusters, read
        components = len(set(comp.values()))
    return time.perf_counter() - t0, components


def gangs(world: Path) -> dict[str, int] | None:
    """Truth when the world has it: the gang behind each reported episode."""
    f = world / "truth" / "episodes.parquet"
    if not f.exists():
        return None
    rows = pq.read_table(f, columns=["report_id", "gang_id"]).to_pylist()
    return {r["report_id"]: r["gang_id"] for r in rows if r["report_id"]}


def main() -> None:
    """Run both sides alternately and print one JSON line with medians, the ratio and accuracy."""
    args = world_arguments(repeat=5).parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        world, db = world_and_store(args, Path(tmp))
        with Store(db) as store:
            t0 = time.perf_counter()
            ids = report_identifiers(store)
            weights = link_weights(store, ids)
            prep_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            clusters = link_reports(store)
            full_s = time.perf_counter() - t0
        truth = gangs(world)  # read before a simulated world's directory goes
    batches = daily(grouped(ids))
    a, b, peer_clusters = [], [], 0
    for _ in range(args.repeat):
        b_s, peer_clusters = peer(batches, weights)
        b.append(b_s)
        a.append(ours(batches, weights))
    ours_s, peer_s = statistics.median(a), statistics.median(b)
    precision, recall = pair_scores(clusters, truth) if truth else (None, None)
    print(json.dumps({
        "world": str(args.world or "demo (simulated)"), "reports": sum(map(len, batches)),
        "days": len(batches), "repeat": args.repeat,
        "identifiers_and_weights_sql_s": round(prep_s, 3), "link_reports_s": round(full_s, 3),
        "incremental_s": round(ours_s, 4), "networkx_recompute_s": round(peer_s, 4),
        "speedup": round(peer_s / ours_s, 1),
        "clusters": len(clusters.clusters()), "peer_clusters": peer_clusters,
        "precision": precision and round(precision, 4), "recall": recall and round(recall, 4),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
