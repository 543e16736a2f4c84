"""Case linking: clusters follow gangs at tiny and demo, grow incrementally, explain themselves."""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fraudlink.ingest import ingest_paths
from fraudlink.match.clusters import CaseClusters, CaseLinker, pair_scores
from fraudlink.match.linking import grouped, link_reports, link_weights, report_identifiers
from fraudlink.store import Store


def ingested(world: Path, db: Path) -> Store:
    store = Store(db)
    ingest_paths(store, [world / "feeds"])
    return store


def gangs(world: Path) -> dict[str, int]:
    """Truth, for tests only: the gang behind each reported episode."""
    rows = pq.read_table(world / "truth" / "episodes.parquet", columns=["report_id", "gang_id"])
    return {r["report_id"]: r["gang_id"] for r in rows.to_pylist() if r["report_id"]}


@pytest.fixture(scope="session")
def demo_store(demo_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return ingested(demo_world, tmp_path_factory.mktemp("demo-linking-db") / "s.duckdb")


@pytest.fixture(scope="session")
def demo_clusters(demo_store: Store) -> CaseClusters:
    return link_reports(demo_store)


def test_demo_clusters_follow_gangs(demo_world: Path, demo_clusters: CaseClusters) -> None:
    precision, recall = pair_scores(demo_clusters, gangs(demo_world))
    assert precision >= 0.95
    assert recall >= 0.8


def test_tiny_clusters_follow_gangs(tiny_world: Path, tmp_path: Path) -> None:
    with ingested(tiny_world, tmp_path / "s.duckdb") as store:
        clusters = link_reports(store)
        assert sorted(clusters.to_table()["report_id"].to_pylist()) == sorted(
            r[0] for r in store.con.execute("select report_id from victim_reports").fetchall()
        )
    precision, recall = pair_scores(clusters, gangs(tiny_world))
    assert precision >= 0.9
    assert recall >= 0.6


def test_incremental_equals_batch_in_any_order(demo_store: Store,
                                               demo_clusters: CaseClusters) -> None:  # fmt: skip
    ids = report_identifiers(demo_store)
    weights = link_weights(demo_store, ids)
    reports = grouped(ids)

    def partition(linker: CaseLinker) -> set[frozenset[str]]:
        return {frozenset(m) for m in linker.snapshot().clusters().values()}

    batch = {frozenset(m) for m in demo_clusters.clusters().values()}
    forward, backward = CaseLinker(weights), CaseLinker(weights)
    for rid, at, nodes in reports:
        forward.add_report(rid, nodes, at)  # type: ignore[arg-type]
        assert forward.cluster_of(rid) is not None
    for rid, at, nodes in reversed(reports):
        backward.add_report(rid, nodes, at)  # type: ignore[arg-type]
    assert partition(forward) == batch == partition(backward)
    assert len(batch) < len(reports)  # reports were actually linked


def test_every_cluster_is_explained_by_connected_evidence(demo_clusters: CaseClusters) -> None:
    for cid, members in demo_clusters.clusters().items():
        assert demo_clusters.members(cid) == members
        assert {demo_clusters.cluster_of(m) for m in members} == {cid}
        edges = demo_clusters.evidence(cid)
        assert len(edges) == len(members) - 1  # one edge per merge: a spanning tree
        adj: dict[str, set[str]] = defaultdict(set)
        for a, b, node, weight in edges:
            assert weight >= 0.5 and node.partition(":")[0] in {"card", "tel", "url", "app",
                                                                 "social", "domain"}  # fmt: skip
            adj[a].add(b)
            adj[b].add(a)
        seen, todo = {members[0]}, deque([members[0]])
        while todo:
            for nxt in adj[todo.popleft()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        assert seen == set(members)
        assert all(e.reason for e in demo_clusters.explain(cid))


def test_linker_links_on_strong_shared_identifiers_only() -> None:
    from fraudlink.match.weights import Weight

    weights = {"card:1": Weight(1.0, "mule"), "ip:9": Weight(0.0, "nat"),
               "card:2": Weight(0.9, "second-level")}  # fmt: skip
    linker = CaseLinker(weights)
    a = linker.add_report("R1", ["card:1", "ip:9"])
    assert linker.add_report("R2", ["ip:9"]) != a  # a NAT address links nothing
    assert linker.add_report("R3", ["card:1"]) == a
    # R4 paid another card whose money reached card:2; R5 paid card:2 directly.
    r4 = linker.add_report("R4", ["card:7", "via:card:2"])
    assert linker.add_report("R5", ["card:2"]) == r4 != a
    clusters = linker.snapshot()
    assert clusters.members(a) == ["R1", "R3"]
    (edge,) = clusters.explain(r4)
    assert edge.node_id == "card:2" and edge.weight == pytest.approx(0.63)
    assert "first-hop" in edge.reason
    assert clusters.to_table().num_rows == 5
    with pytest.raises(ValueError, match="already added"):
        linker.add_report("R1", [])
