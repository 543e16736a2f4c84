"""After a raid: how many seized SIM and bank cards are already known, from which cases, and
how much loss they are tied to (查缴涉案物品 against the indicator index)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.match.index import IndicatorIndex
from fraudlink.match.lookup import report_clusters
from fraudlink.match.sources import SEIZED_KINDS, node_id_sql
from fraudlink.store import Store


def seized_items(store: Store, operation_id: str) -> pa.Table:
    """Distinct (item_kind, kind, node_id) of an operation's items that carry an identifier."""
    item_kind = " ".join(f"when '{i}' then '{k}'" for i, k in SEIZED_KINDS.items())
    return store.arrow(
        f"""with items as (
              select item_kind, case item_kind {item_kind} end as kind, identifier as value
              from seized_evidence where operation_id = ? and identifier is not null)
            select distinct item_kind, kind, {node_id_sql()} as node_id
            from items where kind is not null order by 1, 3""",
        [operation_id],
    )


def _loss(store: Store, report_ids: list[str]) -> int:
    if not report_ids:
        return 0
    got = store.arrow(
        "select coalesce(sum(claimed_loss_fen), 0)::bigint as s from victim_reports "
        "where report_id in (select unnest(?))",
        [report_ids],
    )
    return int(got["s"][0].as_py())


def seized_report(store: Store, index: IndicatorIndex, operation_id: str) -> dict[str, Any]:
    """Items by kind, how many are known from other sources, the reports, cases and loss."""
    counts = store.arrow(
        "select item_kind, count(*)::bigint as n from seized_evidence where operation_id = ? "
        "group by 1 order by 1",
        [operation_id],
    ).to_pylist()
    if not counts:
        raise LookupError(f"no operation {operation_id}")
    items = seized_items(store, operation_id)
    nodes = pc.unique(items.column("node_id"))
    hits = index.lookup_many(nodes)
    # This operation's own seizure rows are what we are asking about, not evidence of it.
    own = pc.and_(pc.equal(hits["source"], "seized"), pc.equal(hits["ref"], operation_id))
    other = hits.filter(pc.invert(own))
    known = set(pc.unique(other["node_id"]).to_pylist())
    by_kind: dict[str, dict[str, int]] = {}
    # A kit's bank card and USB key carry the same account: count the account once.
    for kind, node in sorted({(r["kind"], r["node_id"]) for r in items.to_pylist()}):
        k = by_kind.setdefault(kind, {"identifiers": 0, "known": 0})
        k["identifiers"] += 1
        k["known"] += node in known
    reports = sorted(pc.unique(pc.drop_null(other["report_id"])).to_pylist())
    is_case = pc.equal(other["source"], "case")
    cases = sorted(pc.unique(other.filter(is_case)["ref"]).to_pylist())
    by_source = other.group_by("source").aggregate([("node_id", "count_distinct")])
    sources = by_source["source"].to_pylist()
    out: dict[str, Any] = {
        "operation_id": operation_id,
        "items": {r["item_kind"]: r["n"] for r in counts},
        "kinds": dict(sorted(by_kind.items())),
        "known_by_source": dict(
            zip(sources, by_source["node_id_count_distinct"].to_pylist(), strict=True)
        ),
        "reports": reports,
        "cases": cases,
        "loss_fen": _loss(store, reports),
        "clusters": None,
        "cluster_loss_fen": None,
    }
    clusters = report_clusters(store) if reports else None
    if clusters is not None:
        of = {r: clusters.cluster_of(r) for r in reports}
        ids = {c for c in of.values() if c is not None}
        members = sorted({m for c in ids for m in clusters.members(c)} | set(reports))
        # A report that links to nothing is a case of its own.
        out["clusters"] = len(ids) + sum(c is None for c in of.values())
        out["cluster_loss_fen"] = _loss(store, members)
    return out
