"""Incremental case clusters: union-find over reports, joined by shared weighted identifiers.

A report arrives with its identifiers; an inverted index (node id -> earlier reports) finds the
reports it shares one with, and each union that merges two clusters is kept as an evidence edge
(report_a, report_b, node_id, weight, reason). Nothing is ever rebuilt: a cluster id is the
integer id of the cluster's earliest report, so ids only vanish when clusters merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple

import pyarrow as pa

from fraudlink.match.weights import BASE_WEIGHTS, UNKNOWN_KIND_WEIGHT, Weight

# A report identifier "via:card:X" means money paid by the victim reached card X one hop on:
# analysts link cases whose victims paid different first-level cards feeding one gang's card.
VIA_PREFIX = "via:"
# One hop removed from the victim: weaker than the account paid directly.
VIA_FACTOR = 0.7
# Link two reports when the shared identifier weighs at least this (tuned on tiny and demo:
# accounts, numbers, URLs, apps and social ids link alone; domains and hop cards link when rare;
# IPs and tills never do).
LINK_THRESHOLD = 0.5

PREFIX_KINDS = {"tel": "phone", "card": "account", "url": "url", "domain": "domain", "app": "app",
                "social": "social", "imei": "imei", "ip": "ip", "idno": "idno"}  # fmt: skip


class Evidence(NamedTuple):
    """Why two reports are in one cluster: the identifier they share and its weight."""

    report_a: str
    report_b: str
    node_id: str
    weight: float
    reason: str


def _fallback(node_id: str) -> Weight:
    """The base weight of a node with no rarity data (a new identifier seen by no feed)."""
    kind = PREFIX_KINDS.get(node_id.partition(":")[0], "")
    return Weight(BASE_WEIGHTS.get(kind, UNKNOWN_KIND_WEIGHT), f"{kind} base, no rarity data")


class CaseLinker:
    """Reports added one at a time, clustered as they come."""

    def __init__(self, weights: Mapping[str, Weight] | None = None,
                 threshold: float = LINK_THRESHOLD) -> None:  # fmt: skip
        self.weights: Mapping[str, Weight] = weights or {}
        self.threshold = threshold
        self._ids: dict[str, int] = {}
        self._names: list[str] = []
        self._times: list[datetime | None] = []
        self._parent: list[int] = []
        # node id -> the strongest report naming it (report, weight on its side, reason). One
        # entry is enough: every earlier report naming a linkable node is already in its cluster.
        self._index: dict[str, tuple[int, float, str]] = {}
        self.edges: list[Evidence] = []

    def __len__(self) -> int:
        return len(self._names)

    def _find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]  # path halving keeps later finds short
            i = parent[i]
        return i

    def _side(self, node_id: str) -> tuple[str, float, str]:
        """The indexed node, its weight and reason on one report's side."""
        via = node_id.startswith(VIA_PREFIX)
        node = node_id[len(VIA_PREFIX) :] if via else node_id
        w = self.weights.get(node) or _fallback(node)
        if via:
            return node, w.weight * VIA_FACTOR, f"first-hop receiver of a paid card; {w.reason}"
        return node, w.weight, w.reason

    def add_report(self, report_id: str, node_ids: Iterable[str],
                   time: datetime | None = None) -> int:  # fmt: skip
        """Add a report with its identifiers; link it to earlier ones; return its cluster id."""
        if report_id in self._ids:
            raise ValueError(f"report {report_id!r} already added")
        me = len(self._names)
        self._ids[report_id] = me
        self._names.append(report_id)
        self._times.append(time)
        self._parent.append(me)
        sides = sorted({self._side(n) for n in node_ids}, key=lambda s: (-s[1], s[0]))
        for node, weight, reason in sides:
            if weight < self.threshold:
                continue  # a weak identifier can never link, so it is not even indexed
            best = self._index.get(node)
            if best is None or weight > best[1]:
                self._index[node] = (me, weight, reason)
            if best is None:
                continue
            other, w_other, r_other = best
            a, b = self._find(other), self._find(me)
            if a == b:
                continue
            # The older root stays root, so a cluster id is its earliest report.
            lo, hi = (a, b) if a < b else (b, a)
            self._parent[hi] = lo
            link, why = (weight, reason) if weight <= w_other else (w_other, r_other)
            self.edges.append(Evidence(self._names[other], report_id, node, link, why))
        return self._find(me)

    def cluster_of(self, report_id: str) -> int | None:
        """The cluster id of a report, None when it was never added."""
        i = self._ids.get(report_id)
        return None if i is None else self._find(i)

    def snapshot(self) -> CaseClusters:
        """The clusters as they stand now."""
        roots = [self._find(i) for i in range(len(self._names))]
        return CaseClusters(list(self._names), roots, list(self.edges))


class CaseClusters:
    """A snapshot of case clusters: members, the evidence joining them, a table."""

    def __init__(self, reports: list[str], roots: list[int], edges: list[Evidence]) -> None:
        self._reports = reports
        self._cluster = dict(zip(reports, roots, strict=True))
        self._members: dict[int, list[str]] = {}
        for r, c in zip(reports, roots, strict=True):
            self._members.setdefault(c, []).append(r)
        self._evidence: dict[int, list[Evidence]] = {}
        for e in edges:
            self._evidence.setdefault(self._cluster[e.report_a], []).append(e)

    def cluster_of(self, report_id: str) -> int | None:
        """The cluster id of a report, None when the report is unknown."""
        return self._cluster.get(report_id)

    def members(self, cluster_id: int) -> list[str]:
        """Report ids of a cluster, in the order they were added."""
        return list(self._members.get(cluster_id, []))

    def evidence(self, cluster_id: int) -> list[tuple[str, str, str, float]]:
        """The edges (report_a, report_b, node_id, weight) that joined the cluster."""
        return [(e.report_a, e.report_b, e.node_id, e.weight) for e in self.explain(cluster_id)]

    def explain(self, cluster_id: int) -> list[Evidence]:
        """The evidence edges of a cluster with their reasons."""
        return list(self._evidence.get(cluster_id, []))

    def clusters(self) -> dict[int, list[str]]:
        """Every cluster id with its reports (singletons included)."""
        return {c: list(m) for c, m in self._members.items()}

    def to_table(self) -> pa.Table:
        """One row per report: report_id, cluster_id."""
        return pa.table({
            "report_id": pa.array(self._reports, pa.string()),
            "cluster_id": pa.array([self._cluster[r] for r in self._reports], pa.int64()),
        })  # fmt: skip


def pair_scores(clusters: CaseClusters, labels: Mapping[str, object]) -> tuple[float, float]:
    """Pairwise precision and recall of the clusters against reference labels (e.g. gangs).

    Only reports with a label count; pairs are counted from the contingency table, never listed.
    """

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    both: dict[tuple[int, object], int] = {}
    by_cluster: dict[int, int] = {}
    by_label: dict[object, int] = {}
    for report, label in labels.items():
        c = clusters.cluster_of(report)
        if c is None:
            continue
        both[(c, label)] = both.get((c, label), 0) + 1
        by_cluster[c] = by_cluster.get(c, 0) + 1
        by_label[label] = by_label.get(label, 0) + 1
    tp = sum(pairs(n) for n in both.values())
    predicted = sum(pairs(n) for n in by_cluster.values())
    true = sum(pairs(n) for n in by_label.values())
    return (tp / predicted if predicted else 1.0), (tp / true if true else 1.0)
