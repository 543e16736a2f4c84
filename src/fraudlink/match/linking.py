"""Case linking (串并案) from the store: report identifiers, weighed, clustered in time order.

A report's identifiers are what the desk recorded (numbers, URLs and their domains, apps, social
ids), the accounts the victim paid into, and what investigators later confirmed for its case. The
confirmations are used whenever they are in the store: linking is re-run as cases are confirmed,
and a confirmation only sharpens the report it belongs to. Each report also carries the first-hop
receivers of money out of the accounts it paid (`via:card:…`), which joins cases whose victims paid
different first-level cards of one gang.
"""

from __future__ import annotations

import pyarrow as pa

from fraudlink.match.clusters import LINK_THRESHOLD, VIA_PREFIX, CaseClusters, CaseLinker
from fraudlink.match.sources import indicator_sql
from fraudlink.match.weights import COMMON_PAYERS, Weight, node_weights
from fraudlink.store import Store

# A hop receiver or a paid account with more distinct payers than this is a till, not a gang's
# card: money reaching it says nothing about who sent it.
HOP_MAX_PAYERS = COMMON_PAYERS


def report_identifiers_sql() -> str:
    """SQL: (report_id, reported_at, node_id, kind, value, via) for every report identifier."""
    return f"""
    with direct as (
      select distinct s.report_id, s.node_id, s.kind, s.value
      from ({indicator_sql()}) s
      where s.report_id is not null and s.source in ('report', 'case')
    ), paid as (select distinct report_id, value from direct where kind = 'account'),
    out_of_paid as (
      select p.report_id, p.value as paid, t.to_account as value
      from paid p join transactions t on t.from_account = p.value
      where t.to_account is not null and t.to_account <> p.value
    ), candidates as (
      select value from paid union select value from out_of_paid
    ), fan_in as (
      -- distinct payers of the paid accounts and of every account money left them for
      select t.to_account as value, count(distinct t.from_account) as payers
      from transactions t join candidates c on t.to_account = c.value
      group by 1
    ), hops as (
      select distinct o.report_id, o.value
      from out_of_paid o
      join fan_in src on src.value = o.paid and src.payers <= {HOP_MAX_PAYERS}
      join fan_in dst on dst.value = o.value and dst.payers <= {HOP_MAX_PAYERS}
    ), ids as (
      select report_id, node_id, kind, value, false as via from direct
      union all
      select report_id, 'card:' || value, 'account', value, true from hops
    )
    select r.report_id, r.reported_at, i.node_id, i.kind, i.value, i.via
    from victim_reports r left join ids i using (report_id)
    order by r.reported_at, r.report_id, i.node_id
    """


def report_identifiers(store: Store) -> pa.Table:
    """Every report's identifiers in report time order (`via`: first-hop receiver; null: none)."""
    return store.arrow(report_identifiers_sql())


def link_weights(store: Store, ids: pa.Table) -> dict[str, Weight]:
    """Rarity weights for the identifiers of `report_identifiers`."""
    return node_weights(store, ids, total_reports=store.count("victim_reports"))


def grouped(ids: pa.Table) -> list[tuple[str, object, list[str]]]:
    """(report_id, reported_at, node ids) per report, in the table's (time) order."""
    out: list[tuple[str, object, list[str]]] = []
    cols = ids.select(["report_id", "reported_at", "node_id", "via"]).to_pylist()
    for row in cols:
        if not out or out[-1][0] != row["report_id"]:
            out.append((row["report_id"], row["reported_at"], []))
        if row["node_id"] is not None:  # a report with no identifier is a cluster of its own
            out[-1][2].append(VIA_PREFIX + row["node_id"] if row["via"] else row["node_id"])
    return out


def link_reports(store: Store, threshold: float = LINK_THRESHOLD) -> CaseClusters:
    """Cluster every report in the store, adding them in `reported_at` order."""
    ids = report_identifiers(store)
    linker = CaseLinker(link_weights(store, ids), threshold)
    for report_id, at, nodes in grouped(ids):
        linker.add_report(report_id, nodes, at)  # type: ignore[arg-type]
    return linker.snapshot()
