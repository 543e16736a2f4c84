"""The case page of one victim report: what happened when, the linked reports, where the money
went, the orders already issued (with the time left on their timers) and those still to issue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from fraudlink.match import IndicatorIndex
from fraudlink.store import Store
from fraudlink.trace.engine import TraceResult
from fraudlink.web.centre.issue import propose
from fraudlink.web.centre.matching import LinkedReport, Match, report_links
from fraudlink.web.centre.trail import Trail, money_trail
from fraudlink.web.orders_view import OrderOut, list_orders, order_out
from fraudlink.web.users import Principal


class Payment(BaseModel):
    """A payment the victim remembers."""

    seq: int
    paid_at: dt.datetime
    from_account: str | None
    to_account: str
    amount_fen: int


class Indicator(BaseModel):
    """A fraudster identifier the victim gave."""

    kind: str
    value: str


class CaseReport(BaseModel):
    """The victim report as the desk recorded it, with its payments and indicators."""

    report_id: str
    reported_at: dt.datetime
    victim_idno: str
    victim_msisdn: str | None
    district: str
    fraud_type: str
    contact_channel: str
    narrative: str
    claimed_loss_fen: int
    payments: list[Payment]
    indicators: list[Indicator]


class TimelineEntry(BaseModel):
    """One dated fact of the case."""

    at: dt.datetime
    event: str = Field(description="payment, report, case_confirmed, cash_out, linked_report, "
                                   "order_<event>")  # fmt: skip
    detail: str


class CasePage(BaseModel):
    """Everything the case page shows."""

    as_of: dt.datetime
    report: CaseReport
    timeline: list[TimelineEntry]
    matches: list[Match]
    cluster: int | None
    linked_reports: list[LinkedReport]
    trail: Trail
    orders: list[OrderOut] = Field(description="orders naming this report, with seconds_left")
    proposed_orders: list[OrderOut] = Field(description="orders the trace calls for, not stored")


def load_report(con: duckdb.DuckDBPyConnection, report_id: str) -> CaseReport | None:
    """The report with its payments and indicators, None when the store has no such report."""
    cols = [c for c in CaseReport.model_fields if c not in ("payments", "indicators")]
    rows = con.execute(f"select {', '.join(cols)} from victim_reports where report_id = ?",
                       [report_id]).fetchall()  # fmt: skip
    if not rows:
        return None
    head: dict[str, Any] = dict(zip(cols, rows[0], strict=True))
    pays = con.execute(
        "select seq, paid_at, from_account, to_account, amount_fen from report_payments "
        "where report_id = ? order by seq", [report_id]).fetchall()  # fmt: skip
    marks = con.execute("select kind, value from report_indicators where report_id = ? "
                        "order by kind, value", [report_id]).fetchall()  # fmt: skip
    head["payments"] = [Payment(seq=s, paid_at=t, from_account=f, to_account=to, amount_fen=a)
                        for s, t, f, to, a in pays]  # fmt: skip
    head["indicators"] = [Indicator(kind=k, value=v) for k, v in marks]
    return CaseReport.model_validate(head)


def _yuan(fen: int | None) -> str:
    """An amount for a reader: yuan with thousands separators (the JSON keeps fen)."""
    return "?" if fen is None else f"¥{fen / 100:,.2f}"


def timeline(con: duckdb.DuckDBPyConnection, report: CaseReport, traced: TraceResult,
             linked: list[LinkedReport], at: dt.datetime,
             actions_to: dt.datetime) -> list[TimelineEntry]:  # fmt: skip
    """The case's facts in time order, up to `at`, and the centre's orders up to `actions_to`."""
    out = [TimelineEntry(at=p.paid_at, event="payment",
                         detail=f"paid {_yuan(p.amount_fen)} from {p.from_account or '?'} "
                                f"to {p.to_account}")
           for p in report.payments]  # fmt: skip
    out.append(TimelineEntry(at=report.reported_at, event="report",
                             detail=f"{report.fraud_type} reported in district {report.district}, "
                                    f"loss {_yuan(report.claimed_loss_fen)}"))  # fmt: skip
    for case_id, when, kind, value in con.execute(
        "select case_id, confirmed_at, kind, value from case_confirmations "
        "where report_id = ? and confirmed_at <= ? order by confirmed_at", [report.report_id, at]
    ).fetchall():  # fmt: skip
        out.append(TimelineEntry(at=when, event="case_confirmed",
                                 detail=f"case {case_id} confirmed {kind} {value}"))  # fmt: skip
    for e in traced.exits_of(report.report_id).to_pylist():
        if e["channel"] != "depth_limit":
            out.append(TimelineEntry(at=e["time"], event="cash_out",
                                     detail=f"{_yuan(e['amount_fen'])} left {e['from_account']} "
                                            f"by {e['channel']} {e['terminal'] or ''}".strip()))
    for r in linked:
        if r.reported_at is not None and r.reported_at <= at:
            how = "same case cluster" if r.same_cluster else "shares an identifier"
            out.append(TimelineEntry(at=r.reported_at, event="linked_report",
                                     detail=f"{r.report_id} reported ({how})"))  # fmt: skip
    for order_id, kind, account, when, event, state, note in con.execute(
        "select e.order_id, o.kind, o.account, e.at, e.event, e.state, e.note "
        "from order_events e join orders o using (order_id) "
        "where list_contains(o.report_ids, ?) and e.at <= ? order by e.at, e.order_id, e.seq",
        [report.report_id, actions_to],
    ).fetchall():  # fmt: skip
        out.append(TimelineEntry(at=when, event=f"order_{event}",
                                 detail=f"{order_id} {kind} on {account}: {state}"
                                        + (f" ({note})" if note else "")))  # fmt: skip
    return sorted(out, key=lambda e: e.at)


def case_page(store: Store, index: IndicatorIndex, who: Principal, report: CaseReport,
              traced: TraceResult, at: dt.datetime, timers_at: dt.datetime,
              ) -> CasePage:  # fmt: skip
    """The case page of a known report, from a trace of it as of `at`, timers read at
    `timers_at`."""
    links = report_links(store, index, report.report_id)
    mine = [o for o in list_orders(store.con, who) if report.report_id in o.report_ids]
    proposed = propose(store, traced, report.report_id, at, who.username)
    return CasePage(
        as_of=at, report=report,
        timeline=timeline(store.con, report, traced, links.linked_reports, at, timers_at),
        matches=links.matches, cluster=links.cluster, linked_reports=links.linked_reports,
        trail=money_trail(store.con, traced, report.report_id),
        orders=[order_out(o, now=timers_at) for o in mine],
        proposed_orders=[order_out(o) for o in proposed],
    )  # fmt: skip
