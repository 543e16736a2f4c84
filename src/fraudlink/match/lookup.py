"""Rapid comparison (快速比对): raw values, files and reports against the indicator index.

Kind detection when none is given, first match wins:

1. a node id (`tel:…`, `card:…`, `imei:…`, …): its prefix says the kind;
2. a resident ID number (18 characters, check character);
3. a mainland mobile number (11 digits, known network prefix; `+86` and separators allowed);
4. a digit string with a Luhn check digit: 15 digits is an IMEI, 12–19 otherwise a card. A
   15-digit card number also exists, but IMEIs are far commoner at that length; give
   `--kind account` to look one up as a card;
5. an IPv4 address;
6. a URL, when the value has a scheme or a path (`http://x.cn/a`, `x.cn/a`);
7. an app id or bare host name (`com.evil.app`, `evil.cn`); a bare name is also looked up as a
   domain, since that is what an investigator usually means by it;
8. a social account (`wx_…`, `qq_…`).

A URL is also looked up by its domain: a new page on a known site is a lead too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.match.index import IndicatorIndex
from fraudlink.model import identifiers
from fraudlink.store import Store

# Identifier kinds tried in order on a value of unknown kind (card and imei share step 4).
DETECT_ORDER = ("idno", "phone", "luhn", "ip", "url", "app", "social")

# Identifier kind -> indicator kind: the index calls a card number an `account` (the registry's
# aliases turned round, so there is one list of them).
INDICATOR_KIND = {kind: alias for alias, kind in identifiers.ALIASES.items()}

QUERY_COLUMNS = ("query_row", "query", "query_kind", "query_node")


class QueryError(ValueError):
    """Values that are not identifiers of any (or of the given) kind."""

    def __init__(self, bad: list[str]) -> None:
        self.bad = bad
        shown = ", ".join(repr(b) for b in bad[:5]) + (" …" if len(bad) > 5 else "")
        super().__init__(f"not an identifier: {shown}")


def _as_indicator(kind: str, value: str) -> tuple[str, str]:
    t = identifiers.get(kind)
    return INDICATOR_KIND.get(t.kind, t.kind), t.node_id(value)


def _clean(kind: str, raw: str) -> str | None:
    return identifiers.get(kind).clean(raw)


def _detect(raw: str) -> tuple[str, str] | None:
    for kind in DETECT_ORDER:
        if kind == "luhn":
            digits = raw.strip()
            kind = "imei" if len(digits) == 15 and _clean("imei", digits) else "card"
        elif kind == "url" and "/" not in raw:
            continue  # bare names are app ids or hosts (step 7), not pages
        value = _clean(kind, raw)
        if value is not None:
            return _as_indicator(kind, value)
    return None


def normalise_query(raw: str, kind: str | None = None) -> tuple[str, str] | None:
    """The (indicator kind, node id) a raw value names, or None when it names none."""
    head, sep, rest = raw.strip().partition(":")
    if kind is not None:
        # A node id of the kind asked for (`tel:95588` with `--kind phone`) names its value.
        if sep and identifiers.get(kind).prefix == head + ":":
            raw = rest
        value = _clean(kind, raw)
        return _as_indicator(kind, value) if value is not None else None
    if sep and not rest.startswith("//"):
        for t in identifiers.TYPES:
            if t.prefix == head + ":":
                # Clean the part after the prefix: `tel:138…` and `tel:+86138…` both work.
                value = t.clean(rest)
                return _as_indicator(t.kind, value) if value is not None else None
    return _detect(raw)


# A URL's host, as `sources.py` extracts a reported URL's site: after the scheme, without a user
# part or a port, so that every spelling of a link to one site finds the same domain.
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)")


def _host(url: str) -> str:
    m = _HOST.match(url)
    return m.group(1) if m else ""


def query_nodes(kind: str, node_id: str) -> list[str]:
    """The node ids to look up for one query: itself, plus the site of a URL or bare host."""
    value = node_id.partition(":")[2]
    host = None
    if kind == "url":
        host = identifiers.Domain.clean(_host(value))
    elif kind == "app":
        host = identifiers.Domain.clean(value)
    return [node_id] + ([identifiers.Domain.node_id(host)] if host else [])


class Clusters(Protocol):
    """What rapid comparison needs of case linking (`fraudlink.match.linking`)."""

    def cluster_of(self, report_id: str) -> int | None: ...
    def members(self, cluster_id: int) -> list[str]: ...
    def evidence(self, cluster_id: int) -> list[tuple[str, str, str, float]]: ...


@dataclass(frozen=True)
class Query:
    """One parsed query value."""

    raw: str
    kind: str
    node_id: str


def parse_queries(raws: Iterable[str], kind: str | None = None) -> list[Query]:
    """Parse raw values; QueryError names every value that is not an identifier."""
    out, bad = [], []
    for raw in raws:
        parsed = normalise_query(raw, kind)
        if parsed is None:
            bad.append(raw)
        else:
            out.append(Query(raw, *parsed))
    if bad:
        raise QueryError(bad)
    return out


def match_queries(index: IndicatorIndex, queries: list[Query]) -> pa.Table:
    """Hits of parsed queries: QUERY_COLUMNS then the hit columns, one row per hit."""
    qrow, nodes = [], []
    for i, q in enumerate(queries):
        for node in query_nodes(q.kind, q.node_id):
            qrow.append(i)
            nodes.append(node)
    hits = index.lookup_many(pa.array(nodes, pa.string()))
    at = pc.take(pa.array(qrow, pa.int64()), hits.column("query_row"))
    q_at = pa.array(
        [(queries[i].raw, queries[i].kind) for i in at.to_pylist()],
        pa.struct([("raw", pa.string()), ("kind", pa.string())]),
    )
    head = {
        "query_row": at,
        "query": q_at.field("raw"),
        "query_kind": q_at.field("kind"),
        "query_node": hits.column("node_id"),
    }
    return pa.table({**head, **{c: hits.column(c) for c in hits.column_names[1:]}})


def match_values(index: IndicatorIndex, raws: Iterable[str], kind: str | None = None) -> pa.Table:
    """Hits of raw values (numbers, cards, URLs, …); `query_row` is the value's position."""
    return match_queries(index, parse_queries(raws, kind))


@dataclass
class ReportMatch:
    """A report's identifiers, their hits elsewhere, and its case cluster when linking exists."""

    report_id: str
    identifiers: list[tuple[str, str]]
    hits: pa.Table
    cluster: int | None = None
    members: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str, str, float]] = field(default_factory=list)

    @property
    def other_reports(self) -> list[str]:
        """Distinct other reports that share an identifier with this one."""
        ids = pc.drop_null(pc.unique(self.hits.column("report_id")))
        return sorted(ids.to_pylist())


def identifiers_of_report(store: Store, report_id: str) -> list[tuple[str, str]]:
    """(indicator kind, node id) of a report's indicators, receiving accounts and the
    identifiers its case confirmed."""
    if not store.arrow("select 1 from victim_reports where report_id = ?", [report_id]).num_rows:
        raise LookupError(f"no report {report_id}")
    rows = store.arrow(
        """select kind, value from report_indicators where report_id = ?
           union select 'account', to_account from report_payments
           where report_id = ? and to_account is not null
           union select kind, value from case_confirmations where report_id = ?
           order by 1, 2""",
        [report_id, report_id, report_id],
    ).to_pylist()
    return [_as_indicator(r["kind"], r["value"]) for r in rows]


def match_report(store: Store, index: IndicatorIndex, report_id: str) -> ReportMatch:
    """A report's identifiers and their hits in other reports, cases, seizures and flags."""
    idents = identifiers_of_report(store, report_id)
    queries = [Query(node, kind, node) for kind, node in idents]
    hits = match_queries(index, queries)
    # The report's own rows (its indicators, its case confirmations) say nothing new.
    own = pc.fill_null(pc.equal(hits.column("report_id"), report_id), False)
    result = ReportMatch(report_id, idents, hits.filter(pc.invert(own)))
    clusters = report_clusters(store)
    result.cluster = clusters.cluster_of(report_id)
    if result.cluster is not None:
        result.members = list(clusters.members(result.cluster))
        result.evidence = list(clusters.evidence(result.cluster))
    return result


def report_clusters(store: Store) -> Clusters:
    """The case clusters of the store's reports."""
    from fraudlink.match.linking import link_reports

    clusters: Clusters = link_reports(store)
    return clusters
