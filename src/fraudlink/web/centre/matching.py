"""A report against everything known: its identifiers' hits elsewhere and the reports linked to
it by case linking (串并案), as the intake answer and the case page show them."""

from __future__ import annotations

import datetime as dt

import duckdb
from pydantic import BaseModel, Field

from fraudlink.match import IndicatorIndex
from fraudlink.match.lookup import ReportMatch, match_report
from fraudlink.store import Store
from fraudlink.web.lookup import Match


class Link(BaseModel):
    """Why two reports are in one case cluster: the identifier they share, and its weight."""

    report_a: str
    report_b: str
    node_id: str
    weight: float


class LinkedReport(BaseModel):
    """Another report in the same case cluster, or sharing an identifier with this one."""

    report_id: str
    reported_at: dt.datetime | None
    fraud_type: str | None
    district: str | None
    claimed_loss_fen: int | None
    same_cluster: bool = Field(description="case linking put it in this report's cluster")
    shared: list[str] = Field(description="identifiers (node ids) it shares with this report")
    links: list[Link] = Field(description="cluster evidence edges that touch it")


class ReportLinks(BaseModel):
    """A report's matches and linked reports."""

    identifiers: list[str]
    matches: list[Match]
    cluster: int | None
    linked_reports: list[LinkedReport]


def report_links(store: Store, index: IndicatorIndex, report_id: str) -> ReportLinks:
    """Hits of a report's identifiers and the reports linked to it (LookupError if unknown)."""
    found: ReportMatch = match_report(store, index, report_id)
    hits = found.hits.select(list(Match.model_fields)).to_pylist()
    matches = [Match.model_validate(h) for h in hits]
    shared: dict[str, set[str]] = {}
    for h in matches:
        if h.report_id is not None and h.report_id != report_id:
            shared.setdefault(h.report_id, set()).add(h.node_id)
    others = [r for r in found.members if r != report_id]
    others += sorted(r for r in shared if r not in found.members)
    facts = _facts(store.con, others)
    linked = [
        LinkedReport(
            report_id=r, **facts.get(r, dict.fromkeys(
                ("reported_at", "fraud_type", "district", "claimed_loss_fen"))),
            same_cluster=r in found.members, shared=sorted(shared.get(r, ())),
            links=[Link(report_a=a, report_b=b, node_id=n, weight=round(w, 4))
                   for a, b, n, w in found.evidence if r in (a, b)],
        )
        for r in others
    ]  # fmt: skip
    return ReportLinks(identifiers=[n for _, n in found.identifiers], matches=matches,
                       cluster=found.cluster, linked_reports=linked)  # fmt: skip


def _facts(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, dict[str, object]]:
    rows = con.execute(
        "select report_id, reported_at, fraud_type, district, claimed_loss_fen "
        "from victim_reports where report_id in (select unnest(?::varchar[]))",
        [report_ids],
    ).fetchall()
    return {r[0]: {"reported_at": r[1], "fraud_type": r[2], "district": r[3],
                   "claimed_loss_fen": r[4]} for r in rows}  # fmt: skip
