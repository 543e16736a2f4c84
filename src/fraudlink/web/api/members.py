"""The member API: banks, operators and platforms push feeds and suspects, look identifiers up,
and receive and answer the orders addressed to them.

A member acts only for its own institution: it sees the orders addressed to it, pushes rows of
its own, and gets counts, not other members' data, from a lookup. Every read of personal data and
every action is in the audit log, and so is every refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from fraudlink.match.lookup import INDICATOR_KIND
from fraudlink.model import identifiers
from fraudlink.model.tables import FEED_TABLES
from fraudlink.trace.order_rules import Order, OrderError
from fraudlink.web import lookup as rapid
from fraudlink.web import member_feeds, member_rows, orders_view
from fraudlink.web.audit import REFUSED
from fraudlink.web.deps import audit, context, cursor, deny, member, principal
from fraudlink.web.orders_view import Answer, OrderOut, OrderState, order_out
from fraudlink.web.users import Principal

router = APIRouter(prefix="/api/v1", tags=["members"])

MAX_PUSH_ROWS = 10_000
IndicatorKind = Literal["phone", "account", "idno", "imei", "ip", "url", "app", "social"]


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {400: "the body cannot be read as JSON", 401: "not logged in",
             403: "not allowed for this user (its role, or another institution's order or "
                  "rows); audited",
             404: "no such thing", 409: "the order's rules do not allow it"}  # fmt: skip
    return {c: {"model": Problem, "description": words[c]} for c in codes}


def refuse(problems: list[tuple[tuple[str | int, ...], str]]) -> RequestValidationError:
    """A 422 in FastAPI's own shape, naming the place (row and field) of each problem."""
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": msg, "input": None}
                                   for loc, msg in problems])  # fmt: skip


# -- feeds and suspects -------------------------------------------------------------------------


class FeedPush(BaseModel):
    """Records of one feed, with the feed's columns (see docs/feeds)."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_PUSH_ROWS)


class RowProblemOut(BaseModel):
    """One quarantined field of one pushed row."""

    row: int = Field(description="the row's 0-based place in the push")
    field: str
    reason: str


class FeedPushOut(BaseModel):
    """What a push did: rows received = accepted + duplicate + quarantined."""

    feed: str
    received: int
    accepted: int
    duplicate: int
    quarantined: int
    problems: list[RowProblemOut]


@router.post("/feeds/{feed}", response_model=FeedPushOut, responses=_errors(400, 401, 403, 404))
def push_feed(body: FeedPush, request: Request, feed: str = Path(max_length=64),
              who: Principal = Depends(member)) -> FeedPushOut:  # fmt: skip
    """Push records of one feed: validated and quarantined exactly as `fraudlink ingest` does."""
    if feed not in FEED_TABLES:
        raise HTTPException(404, f"no feed {feed!r}")
    if feed not in member_feeds.allowed_feeds(who.role):
        raise deny(request, who, "feed.push", feed,
                   f"a {who.role} member may not push {feed}")  # fmt: skip
    try:
        out = member_feeds.push_rows(context(request), who, feed, body.rows)
    except member_rows.ForeignRows as exc:
        raise deny(request, who, "feed.push", feed, str(exc)) from exc
    except member_feeds.PushRefused as exc:
        raise refuse([(("body", "rows", p.row, p.field), p.reason) for p in exc.problems]) from exc
    audit(request, who, "feed.push", feed,
          {"ingest_id": out.ingest_id, "received": out.received, "accepted": out.accepted,
           "duplicate": out.duplicate, "quarantined": out.quarantined})  # fmt: skip
    return FeedPushOut(
        feed=feed, received=out.received, accepted=out.accepted, duplicate=out.duplicate,
        quarantined=out.quarantined,
        problems=[RowProblemOut(row=p.row, field=p.field, reason=p.reason) for p in out.problems],
    )  # fmt: skip


class SuspectIn(BaseModel):
    """A suspicious account or number a member submits."""

    kind: IndicatorKind
    value: str = Field(min_length=1, max_length=256)
    confidence: float = Field(ge=0.0, le=1.0, description="the member's confidence, 0 to 1")
    reason: str = Field(min_length=1, max_length=1000)


class SuspectOut(BaseModel):
    """The stored flag."""

    flag_id: int
    accepted: bool
    kind: str
    value: str = Field(description="the identifier, normalised")
    node_id: str


@router.post("/suspects", response_model=SuspectOut, responses=_errors(400, 401, 403))
def submit_suspect(body: SuspectIn, request: Request,
                   who: Principal = Depends(member)) -> SuspectOut:  # fmt: skip
    """Submit a suspicious account or number; it becomes a member_flags record."""
    try:
        flag_id, clean = member_feeds.submit_suspect(context(request), who, body.kind,
                                                     body.value, body.confidence, body.reason)
    except member_feeds.PushRefused as exc:
        raise refuse([(("body", p.field), p.reason) for p in exc.problems]) from exc
    t = identifiers.get(body.kind)
    node_id = t.node_id(clean)
    audit(request, who, "suspect.submit", node_id, {"flag_id": flag_id, "kind": body.kind,
                                                    "confidence": body.confidence})  # fmt: skip
    return SuspectOut(flag_id=flag_id, accepted=True, kind=INDICATOR_KIND.get(t.kind, t.kind),
                      value=clean, node_id=node_id)  # fmt: skip


# -- rapid comparison ---------------------------------------------------------------------------


@router.get("/lookup", response_model=rapid.LookupOut, responses=_errors(401))
async def lookup(request: Request, q: str = Query(min_length=1, max_length=512),
                 kind: rapid.QueryKind | None = None,
                 who: Principal = Depends(principal)) -> rapid.LookupOut:  # fmt: skip
    """Rapid comparison of one identifier: known or not, its risk, and who knows it."""
    # On the event loop: the index lookup takes microseconds, and the audit entries of many
    # concurrent lookups are stored together (AuditLog.append_async).
    ctx = context(request)
    index = await rapid.current_index(ctx)
    try:
        out = rapid.lookup(index, q, kind, who)
    except rapid.NotAnIdentifier as exc:
        raise refuse([(("query", "q"), str(exc))]) from exc
    await ctx.audit.append_async(who, "read.lookup", out.node_id,
                                 detail={"known": out.known, "risk": out.risk})  # fmt: skip
    return out


# -- orders -------------------------------------------------------------------------------------


class AnswerIn(BaseModel):
    """The addressee's answer to an order."""

    answer: Answer
    amount_fen: int | None = Field(default=None, ge=0, validate_default=True,
                                   description="with executed: the amount actually held, in fen")
    reason: str = Field(default="", max_length=1000, validate_default=True,
                        description="what the institution says; required with rejected")

    @field_validator("amount_fen")
    @classmethod
    def _amount_with_executed(cls, v: int | None, info: ValidationInfo) -> int | None:
        answer = info.data.get("answer")
        if answer == "executed" and v is None:
            raise ValueError("executed needs the amount actually held")
        if answer is not None and answer != "executed" and v is not None:
            raise ValueError("an amount goes only with executed")
        return v

    @field_validator("reason")
    @classmethod
    def _reason_with_rejected(cls, v: str, info: ValidationInfo) -> str:
        if info.data.get("answer") == "rejected" and not v.strip():
            raise ValueError("rejected needs a reason")
        return v.strip()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


OVERDUE_HELP = ("only the live orders your institution is past the deadline to acknowledge or "
                "execute (a stop: 30 min and 2 h from the request), most overdue first")


@router.get("/orders", response_model=list[OrderOut], responses=_errors(401, 403))
def list_orders(request: Request, state: OrderState | None = None,
                inst: str | None = Query(default=None, max_length=64),
                overdue: bool = Query(False, description=OVERDUE_HELP),
                who: Principal = Depends(principal)) -> list[OrderOut]:  # fmt: skip
    """The orders addressed to the member's institution (centre staff: every order); with
    `overdue`, only those the institution is late on, most overdue first."""
    now = _now()
    orders_view.expire_overdue(context(request), now)
    try:
        found = orders_view.list_orders(cursor(request), who, state, inst,
                                        now if overdue else None)  # fmt: skip
    except orders_view.OrderDenied as exc:
        raise deny(request, who, "read.orders", inst or "-",
                   "these orders are not addressed to your institution") from exc  # fmt: skip
    audit(request, who, "read.orders", inst or who.inst_id or "*",
          {"state": state, "overdue": overdue, "count": len(found)})  # fmt: skip
    return [order_out(o, now=now) for o in found]


def _visible_order(request: Request, who: Principal, order_id: str, action: str
                   ) -> Order:  # fmt: skip
    order = orders_view.load_order(cursor(request), order_id)
    if order is None:
        raise HTTPException(404, f"no order {order_id}")
    if not orders_view.may_see(who, order):
        raise deny(request, who, action, order_id,
                   f"order {order_id} is not addressed to your institution")  # fmt: skip
    return order


@router.get("/orders/{order_id}", response_model=OrderOut, responses=_errors(401, 403, 404))
def get_order(request: Request, order_id: str = Path(max_length=64),
              who: Principal = Depends(principal)) -> OrderOut:  # fmt: skip
    """One order with its whole history."""
    now = _now()
    orders_view.expire_overdue(context(request), now)
    order = _visible_order(request, who, order_id, "read.order")
    audit(request, who, "read.order", order_id)
    return order_out(order, orders_view.load_history(cursor(request), order_id), now)


@router.post("/orders/{order_id}/answer", response_model=OrderOut,
             responses=_errors(400, 401, 403, 404, 409))  # fmt: skip
def answer_order(body: AnswerIn, request: Request, order_id: str = Path(max_length=64),
                 who: Principal = Depends(member)) -> OrderOut:  # fmt: skip
    """The addressee's answer: acknowledged, executed with the amount held (a stop takes effect
    then, and its 48 h start), or rejected."""
    _visible_order(request, who, order_id, "order.answer")
    now = _now()
    try:
        order = orders_view.answer_order(context(request), order_id, body.answer,
                                         body.amount_fen, body.reason, now)  # fmt: skip
    except LookupError as exc:
        raise HTTPException(404, f"no order {order_id}") from exc
    except OrderError as exc:
        context(request).audit.append(who, "order.answer", order_id, REFUSED,
                                      {"answer": body.answer, "why": str(exc)})  # fmt: skip
        raise HTTPException(409, str(exc)) from exc
    audit(request, who, "order.answer", order_id,
          {"answer": body.answer, "amount_fen": body.amount_fen, "reason": body.reason})
    return order_out(order, orders_view.load_history(cursor(request), order_id), now)
