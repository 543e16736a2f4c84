"""Rapid comparison (快速比对) over the API: one identifier against the in-memory index, graded.

The answer says whether the identifier is known, how risky it looks and which kinds of source
know it. Centre staff also get every hit; a member gets counts only, since the hits name victims'
reports and other members' submissions.

Risk grades, on the hits of the identifier itself:

- high: confirmed in a case or found in a raid, named by two or more reports, known to two or
  more kinds of source, or flagged with confidence 0.9 or more;
- medium: named by one report, or flagged with confidence 0.6 or more;
- low: known otherwise (a weak flag or detector score);
- none: not known.

A URL or app id is also looked up by its site: hits on the site alone grade at most medium.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fraudlink.match.index import Hit, IndicatorIndex
from fraudlink.match.lookup import normalise_query, query_nodes
from fraudlink.web.context import WebContext
from fraudlink.web.users import Principal

Risk = Literal["high", "medium", "low", "none"]
# Kinds a query may name (identifier kinds, and `account`, the indicator word for a card).
QueryKind = Literal["phone", "card", "account", "idno", "imei", "ip", "url", "domain", "app",
                    "social"]  # fmt: skip

STRONG_SOURCES = ("case", "seized")
HIGH_CONFIDENCE = 0.9
MEDIUM_CONFIDENCE = 0.6


class SourceCount(BaseModel):
    """How many records of one source know the identifier."""

    source: str = Field(description="report, case, seized, member[:inst] or engine:detector")
    count: int


class Match(BaseModel):
    """A record that knows an identifier (`match.Hit` as JSON): for centre staff only."""

    node_id: str
    kind: str
    value: str
    source: str = Field(description="report, case, seized, member:<inst> or engine:<detector>")
    ref: str = Field(description="the record: report, case, operation, flag or detector id")
    report_id: str | None
    time: dt.datetime | None
    confidence: float


class LookupOut(BaseModel):
    """The answer to one rapid comparison."""

    query: str
    kind: str = Field(description="the indicator kind the query was read as")
    node_id: str
    known: bool
    risk: Risk
    sources: list[SourceCount]
    hits: list[Match] = Field(description="every hit for centre staff; empty for members")


class NotAnIdentifier(ValueError):
    """A query value that names no identifier (of the kind given, if one was)."""


async def current_index(ctx: WebContext) -> IndicatorIndex:
    """The context's index; built in a worker thread when it is not (first use, new feeds)."""
    index = ctx.index_if_built()
    return index if index is not None else await run_in_threadpool(ctx.index)


def family(source: str) -> str:
    """The kind of source: report, case, seized, member or engine."""
    return source.partition(":")[0]


def grade(exact: Sequence[Hit], site: Sequence[Hit]) -> Risk:
    """The risk grade of an identifier from its own hits and its site's hits."""
    own = _grade(exact)
    if own in ("high", "medium"):
        return own
    # A known site makes a new page on it a lead, but not proof: at most medium.
    by_site = _grade(site)
    by_site = "medium" if by_site == "high" else by_site
    order: tuple[Risk, ...] = ("none", "low", "medium", "high")
    return max(own, by_site, key=order.index)


def _grade(hits: Sequence[Hit]) -> Risk:
    if not hits:
        return "none"
    families = {family(h.source) for h in hits}
    reports = {h.report_id for h in hits if h.report_id is not None}
    best = max(h.confidence for h in hits)
    if (families & set(STRONG_SOURCES) or len(reports) >= 2 or len(families) >= 2
            or best >= HIGH_CONFIDENCE):  # fmt: skip
        return "high"
    if "report" in families or best >= MEDIUM_CONFIDENCE:
        return "medium"
    return "low"


def _shown_source(source: str, who: Principal) -> str:
    # Which other member flagged an identifier is that member's business: members see "member".
    if who.is_centre or family(source) != "member" or source == f"member:{who.inst_id}":
        return source
    return "member"


def lookup(index: IndicatorIndex, q: str, kind: str | None, who: Principal) -> LookupOut:
    """Look one raw value up in the index; NotAnIdentifier when it names none."""
    parsed = normalise_query(q, kind)
    if parsed is None:
        what = f"a {kind}" if kind else "an identifier"
        raise NotAnIdentifier(f"{q!r} is not {what}")
    ikind, node = parsed
    nodes = query_nodes(ikind, node)
    exact = index.lookup(node)
    site = [h for n in nodes[1:] for h in index.lookup(n)]
    hits = [*exact, *site]
    counts = Counter(_shown_source(h.source, who) for h in hits)
    shown = [Match.model_validate(h, from_attributes=True) for h in hits] if who.is_centre else []
    return LookupOut(
        query=q, kind=ikind, node_id=node, known=bool(hits), risk=grade(exact, site),
        sources=[SourceCount(source=s, count=n) for s, n in sorted(counts.items())],
        hits=shown,
    )  # fmt: skip
