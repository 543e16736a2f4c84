"""The centre API: the JSON the analyst console is built on (analysts and supervisors only).

Every route refuses members with a 403 (in the audit log); reads of personal data and every
action are audited. Analyses default to the store's latest event (`as_of`; the simulated city
lives in the past); actions and timers to the wall clock, as in the member API. The server's
clock stamps every action: a write given a `now` is refused (422) unless the server replays a
simulated city (`fraudlink serve --client-clock`; `clock.action_time_for`). A read's `now` only
moves the timers shown: a stop's expiry is stored on the server's clock only, so a later `now`
shows timers run out, and expires nothing for everyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from fraudlink.trace.order_rules import FREEZE, OrderError
from fraudlink.trace.order_store import DuplicateOrderError, save_orders, update_order
from fraudlink.warn.lifecycle import LifecycleError
from fraudlink.web.audit import REFUSED
from fraudlink.web.centre import clock
from fraudlink.web.centre.audit_view import AuditPage, audit_page
from fraudlink.web.centre.blocks import NotIssuedHere, block_order, clean_number
from fraudlink.web.centre.case import CasePage, case_page, load_report
from fraudlink.web.centre.clock import Instant
from fraudlink.web.centre.dashboard import Dashboard, dashboard
from fraudlink.web.centre.identifiers import IdentifierPage, identifier_page, parse
from fraudlink.web.centre.intake import ReportIn, ReportRefused, store_report
from fraudlink.web.centre.issue import IssueRefused, issue, known_report, propose, trace
from fraudlink.web.centre.matching import LinkedReport, Match, report_links
from fraudlink.web.centre.rings_view import Ring, RingPage, package, ring_list, ring_page
from fraudlink.web.centre.rings_view import rings_as_of as _rings
from fraudlink.web.centre.store_view import CursorStore
from fraudlink.web.centre.trail import Trail, money_trail
from fraudlink.web.centre.warnings_queue import (
    Grade,
    State,
    WarningMove,
    WarningOut,
    get_warning,
    list_warnings,
    move_warning,
)
from fraudlink.web.deps import audit, centre, context, cursor, deny, require
from fraudlink.web.orders_view import (
    OrderOut,
    expire_order,
    expire_overdue,
    list_orders,
    load_history,
    order_out,
    renew_order,
)
from fraudlink.web.users import SUPERVISOR, Principal

router = APIRouter(prefix="/api/v1/centre", tags=["centre"])
supervisor = require(SUPERVISOR)

Method = Literal["fifo", "pro_rata", "poison"]
IdentifierKind = Literal["phone", "account", "card", "idno", "imei", "ip", "url", "domain",
                         "app", "social"]  # fmt: skip
OrderStateQ = Literal["requested", "acknowledged", "executed", "rejected", "expired", "released"]

_WHY = {400: "the body cannot be read as JSON", 401: "not logged in",
        403: "not allowed (members, or a freeze by an analyst); audited", 404: "no such record",
        409: "the rules do not allow it now",
        422: "invalid input: the failing rows and fields are named"}  # fmt: skip


class ErrorOut(BaseModel):
    """A refusal, in words."""

    detail: str


class FieldProblem(BaseModel):
    """One invalid field: where (`loc`), why (`msg`); for a refused report also the feed, its
    row (from 1), the field, the value and the ingest check's reason."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str
    feed: str | None = None
    row: int | None = None
    field: str | None = None
    value: str | None = None
    reason: str | None = None


class InvalidOut(BaseModel):
    """Invalid input, every problem named."""

    detail: list[FieldProblem]


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for c in (401, 403, *codes):
        out[c] = {"model": InvalidOut if c == 422 else ErrorOut, "description": _WHY[c]}
    return out


AS_OF = Query(None, description="the instant to answer for (ISO 8601; default: the store's "
                                "latest event)")  # fmt: skip
RING_ID = Path(ge=0, le=2**31, description="the ring's id (its rank)")
NOW = Query(None, description="show timers as at this instant (ISO 8601; default: the wall "
                             "clock); nothing is stored at it")  # fmt: skip
ACT_AT = Query(None, description="replaying a simulated city only (a server started with "
                                 "`fraudlink serve --client-clock`): act as at this instant (ISO "
                                 "8601); otherwise refused (422): the server's clock stamps every "
                                 "action")  # fmt: skip


def _store(request: Request) -> CursorStore:
    return CursorStore(cursor(request), context(request).db)


# -- dashboard --------------------------------------------------------------------------------


@router.get("/dashboard", response_model=Dashboard, responses=_responses(422))
def get_dashboard(request: Request, as_of: Instant | None = AS_OF,
                  who: Principal = Depends(centre)) -> Dashboard:  # fmt: skip
    """Operation results, trends with period-over-period ratios, fraud types, district heat map."""
    con = cursor(request)
    # Reports as of the data's end; orders and warnings, which run on the wall clock, up to now.
    return dashboard(con, clock.as_of(con, as_of), clock.action_time(as_of))


# -- report intake ----------------------------------------------------------------------------


class IntakeOut(BaseModel):
    """A stored new report with what the centre knows at once: matches, trace, orders to issue."""

    report_id: str
    as_of: dt.datetime
    identifiers: list[str]
    matches: list[Match]
    cluster: int | None
    linked_reports: list[LinkedReport]
    trail: Trail
    proposed_orders: list[OrderOut] = Field(description="not stored: issue with POST /orders")


@router.post("/reports", response_model=IntakeOut, status_code=201,
             responses=_responses(400, 422))  # fmt: skip
def post_report(body: ReportIn, request: Request, method: Method = "fifo",
                who: Principal = Depends(centre)) -> IntakeOut:  # fmt: skip
    """Take in a victim report (all or nothing, through the ingest checks), then match, trace
    and propose orders for it."""
    ctx = context(request)
    store = _store(request)
    try:
        with ctx.write_lock:
            report_id = store_report(store, body)
    except ReportRefused as exc:
        ctx.audit.append(who, "report.create", "-", REFUSED, {"problems": exc.errors()})
        raise HTTPException(422, exc.errors()) from exc
    ctx.feeds_changed()
    audit(request, who, "report.create", report_id,
          {"payments": len(body.payments), "indicators": len(body.indicators)})  # fmt: skip
    at = clock.latest_event(store.con)
    traced = trace(store, report_id, at, method)
    links = report_links(store, ctx.index(), report_id)
    proposed = propose(store, traced, report_id, at, who.username)
    return IntakeOut(report_id=report_id, as_of=at, identifiers=links.identifiers,
                     matches=links.matches, cluster=links.cluster,
                     linked_reports=links.linked_reports,
                     trail=money_trail(store.con, traced, report_id),
                     proposed_orders=[order_out(o) for o in proposed])  # fmt: skip


# -- case page --------------------------------------------------------------------------------


@router.get("/cases/{report_id}", response_model=CasePage, responses=_responses(404, 422))
def get_case(request: Request, report_id: str = Path(max_length=64),
             as_of: Instant | None = AS_OF, method: Method = "fifo",
             who: Principal = Depends(centre)) -> CasePage:  # fmt: skip
    """A case: timeline, linked reports, money trail, orders with their timers, proposals."""
    store = _store(request)
    report = load_report(store.con, report_id)
    if report is None:
        raise HTTPException(404, f"no report {report_id}")
    audit(request, who, "read.case", report_id)
    at = clock.as_of(store.con, as_of)
    traced = trace(store, report_id, at, method)
    return case_page(store, context(request).index(), who, report, traced, at,
                     clock.action_time(None if as_of is None else at))


# -- issuing orders ---------------------------------------------------------------------------


class IssueIn(BaseModel):
    """Orders to issue from one victim's trace."""

    report_id: str = Field(max_length=64)
    kind: Literal["stop_payment", "freeze"]
    accounts: list[str] | None = Field(default=None, max_length=500,
                                       description="default: every account the rules allow")


@router.post("/orders", response_model=list[OrderOut], status_code=201,
             responses=_responses(400, 404, 409, 422))  # fmt: skip
def post_orders(body: IssueIn, request: Request, now: Instant | None = ACT_AT,
                method: Method = "fifo", who: Principal = Depends(centre)) -> list[OrderOut]:
    """Issue stop-payment (analyst or supervisor) or freeze (supervisor) orders for a report."""
    if body.kind == FREEZE and who.role != SUPERVISOR:
        raise deny(request, who, "order.issue", body.report_id,
                   "a freeze order needs the supervisor role")  # fmt: skip
    ctx = context(request)
    at = clock.action_time_for(ctx, now)
    store = _store(request)
    if not known_report(store, body.report_id):
        raise HTTPException(404, f"no report {body.report_id}")
    traced = trace(store, body.report_id, clock.as_of(store.con, now), method)
    try:
        with ctx.write_lock:
            orders = issue(store, traced, body.report_id, body.kind, body.accounts, at,
                           who.username)  # fmt: skip
    except IssueRefused as exc:
        # A 422 has the documented shape of every other invalid input: the field, then why.
        problem = {"loc": list(exc.loc), "msg": str(exc), "type": "value_error"}
        detail: Any = [problem] if exc.status == 422 else str(exc)
        raise HTTPException(exc.status, detail) from exc
    except (DuplicateOrderError, OrderError) as exc:
        raise HTTPException(409, str(exc)) from exc
    audit(request, who, "order.issue", body.report_id,
          {"kind": body.kind, "orders": [o.order_id for o in orders]})  # fmt: skip
    return [order_out(o, now=at) for o in orders]


class OrderMove(BaseModel):
    """What the centre itself does to an order: renew an executed stop, release (or withdraw a
    stop the bank has not executed), or record an executed stop's expiry."""

    to: Literal["renewed", "released", "expired"]
    note: str = Field(default="", max_length=1000)


@router.post("/orders/{order_id}/move", response_model=OrderOut,
             responses=_responses(400, 404, 409, 422))  # fmt: skip
def post_order_move(body: OrderMove, request: Request, order_id: str = Path(max_length=64),
                    now: Instant | None = ACT_AT,
                    who: Principal = Depends(centre)) -> OrderOut:  # fmt: skip
    """Renew an executed stop-payment for another 48 hours (at most twice), release an order
    (an executed one, or a stop acknowledged but not executed: withdrawn), or expire an
    executed stop whose timer ran out; the order rules decide (409 otherwise)."""
    ctx = context(request)
    at = clock.action_time_for(ctx, now)
    try:
        with ctx.write_lock:
            # Stops lapse on the server's clock before any move: a client's `now` revives none.
            expire_overdue(ctx, clock.action_time())
            if body.to == "expired":
                moved = expire_order(_store(request), order_id, at, body.note)
            elif body.to == "renewed":
                moved = renew_order(_store(request), order_id, at, body.note)
            else:
                moved = update_order(_store(request), order_id, body.to, at, None, body.note)
    except LookupError as exc:
        raise HTTPException(404, f"no order {order_id}") from exc
    except OrderError as exc:
        ctx.audit.append(who, "order.move", order_id, REFUSED, {"to": body.to, "why": str(exc)})
        raise HTTPException(409, str(exc)) from exc
    audit(request, who, "order.move", order_id, {"to": body.to, "note": body.note})
    return order_out(moved, load_history(cursor(request), order_id), at)


class BlockIn(BaseModel):
    """A number to cut off (停机), and why."""

    msisdn: str = Field(min_length=1, max_length=32, description="the mobile number")
    reason: str = Field(min_length=1, max_length=1000, description="the grounds, for the operator")

    @field_validator("reason")
    @classmethod
    def _grounds_not_blank(cls, v: str) -> str:
        # min_length counts spaces: the operator must get words, as the console insists.
        if not v.strip():
            raise ValueError("the grounds for the block are blank")
        return v.strip()


@router.post("/blocks", response_model=OrderOut, status_code=201,
             responses=_responses(400, 404, 409, 422))  # fmt: skip
def post_block(body: BlockIn, request: Request, now: Instant | None = ACT_AT,
               who: Principal = Depends(centre)) -> OrderOut:  # fmt: skip
    """Ask the operator that issued a number to block it (停机): a number-block order."""
    ctx = context(request)
    at = clock.action_time_for(ctx, now)
    msisdn = clean_number(body.msisdn)
    if msisdn is None:
        raise HTTPException(422, [{"loc": ["body", "msisdn"], "type": "value_error",
                                   "msg": f"not a mobile number: {body.msisdn!r}"}])  # fmt: skip
    store = _store(request)
    try:
        order = block_order(store, msisdn, body.reason, at, who.username)
        with ctx.write_lock:
            save_orders(store, [order])
    except NotIssuedHere as exc:
        raise HTTPException(404, str(exc)) from exc
    except DuplicateOrderError as exc:
        raise HTTPException(409, str(exc)) from exc
    audit(request, who, "order.issue", msisdn, {"kind": order.kind, "orders": [order.order_id]})
    return order_out(order, now=at)


# -- identifiers ------------------------------------------------------------------------------


# 404: a value the router cannot take as a path (a line break, say) matches no route at all.
@router.get("/identifiers/{value:path}", response_model=IdentifierPage,
            responses=_responses(404, 422))  # fmt: skip
def get_identifier(request: Request, value: str = Path(min_length=1, max_length=2048),
                   kind: IdentifierKind | None = None,
                   who: Principal = Depends(centre)) -> IdentifierPage:  # fmt: skip
    """Everything known about a number, account, person or other identifier, with scores."""
    parsed = parse(value, kind)
    if parsed is None:
        raise HTTPException(422, [{"loc": ["path", "value"], "type": "value_error",
                                   "msg": f"not an identifier{' of kind ' + kind if kind else ''}"
                                          f": {value!r}"}])  # fmt: skip
    ind_kind, node_id, clean = parsed
    audit(request, who, "read.identifier", node_id)
    return identifier_page(cursor(request), context(request).index(), value, ind_kind, node_id,
                           clean)  # fmt: skip


# -- rings ------------------------------------------------------------------------------------


@router.get("/rings", response_model=list[Ring], responses=_responses(422))
def get_rings(request: Request, as_of: Instant | None = AS_OF,
              who: Principal = Depends(centre)) -> list[Ring]:  # fmt: skip
    """Card rings and laundering groups, ranked for a strike."""
    store = _store(request)
    return ring_list(_rings(store, clock.as_of(store.con, as_of)))


@router.get("/rings/{ring_id}", response_model=RingPage, responses=_responses(404, 422))
def get_ring(request: Request, ring_id: int = RING_ID, as_of: Instant | None = AS_OF,
             who: Principal = Depends(centre)) -> RingPage:  # fmt: skip
    """One ring: its members and the links among them, as a network graph."""
    store = _store(request)
    page = ring_page(_rings(store, clock.as_of(store.con, as_of)), ring_id)
    if page is None:
        raise HTTPException(404, f"no ring {ring_id}")
    audit(request, who, "read.ring", str(ring_id))
    return page


@router.get("/rings/{ring_id}/package", response_model=dict[str, Any],
            responses=_responses(404, 422))  # fmt: skip
def get_ring_package(request: Request, ring_id: int = RING_ID, as_of: Instant | None = AS_OF,
                     who: Principal = Depends(centre)) -> JSONResponse:  # fmt: skip
    """The ring's target package for a strike, as a JSON file to save."""
    store = _store(request)
    pkg = package(_rings(store, clock.as_of(store.con, as_of)), ring_id)
    if pkg is None:
        raise HTTPException(404, f"no ring {ring_id}")
    audit(request, who, "export.ring_package", str(ring_id))
    name = f"ring-{ring_id}.json"
    return JSONResponse(jsonable_encoder(pkg),
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- queues -----------------------------------------------------------------------------------


@router.get("/queues/warnings", response_model=list[WarningOut], responses=_responses(422))
def get_warnings(request: Request, grade: Grade | None = None, state: State | None = None,
                 who: Principal = Depends(centre)) -> list[WarningOut]:  # fmt: skip
    """The warning queue: open warnings first, high grade first, oldest first."""
    found = list_warnings(cursor(request), grade, state)
    audit(request, who, "read.warnings", "warning_queue",
          {"grade": grade, "state": state, "count": len(found)})  # fmt: skip
    return found


@router.get("/queues/warnings/{warning_id}", response_model=WarningOut,
            responses=_responses(404, 422))  # fmt: skip
def get_one_warning(request: Request, warning_id: str = Path(max_length=64),
                    who: Principal = Depends(centre)) -> WarningOut:  # fmt: skip
    """One warning with every step it took."""
    found = get_warning(cursor(request), warning_id)
    if found is None:
        raise HTTPException(404, f"no warning {warning_id}")
    audit(request, who, "read.warning", warning_id)
    return found


@router.post("/queues/warnings/{warning_id}", response_model=WarningOut,
             responses=_responses(400, 404, 409, 422))  # fmt: skip
def post_warning_step(body: WarningMove, request: Request,
                      warning_id: str = Path(max_length=64), now: Instant | None = ACT_AT,
                      who: Principal = Depends(centre)) -> WarningOut:  # fmt: skip
    """Move a warning one step: dispatch, hand-off, feedback, or close it with an outcome."""
    ctx = context(request)
    # Without a `now` the step keeps its own default: the wall clock, or the last step if later.
    at = None if now is None else clock.action_time_for(ctx, now)
    try:
        with ctx.write_lock:
            moved = move_warning(_store(request), warning_id, body, who.username, at)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except LifecycleError as exc:
        raise HTTPException(409, str(exc)) from exc
    audit(request, who, "warning.move", warning_id,
          {"to": body.to, "outcome": body.outcome})  # fmt: skip
    return moved


OVERDUE = Query(
    False,
    description="only the live orders whose addressee is past the deadline to acknowledge or "
    "execute them at `now`, most overdue first",
)


@router.get("/queues/orders", response_model=list[OrderOut], responses=_responses(422))
def get_order_queue(request: Request, state: OrderStateQ | None = None,
                    inst: str | None = Query(None, max_length=64),
                    overdue: bool = OVERDUE, now: Instant | None = NOW,
                    who: Principal = Depends(centre)) -> list[OrderOut]:  # fmt: skip
    """Every order (or those of one state or institution, or only the overdue) with the seconds
    left on an executed stop's timer, what a live order awaits from its addressee, by when, and
    how long overdue it is."""
    at = clock.action_time(now)
    # Stops whose 48 h ran out are expired before anyone reads them, by the server's clock: a
    # client's `now` changes the timers it is shown, never what is stored for everyone.
    expire_overdue(context(request), clock.action_time())
    found = list_orders(cursor(request), who, state, inst, at if overdue else None)
    audit(request, who, "read.orders", "orders", {"state": state, "inst": inst,
                                                  "overdue": overdue,
                                                  "count": len(found)})  # fmt: skip
    return [order_out(o, now=at) for o in found]


# -- audit ------------------------------------------------------------------------------------


@router.get("/audit", response_model=AuditPage, responses=_responses(422))
def get_audit(request: Request, limit: int = Query(100, ge=1, le=1000),
              offset: int = Query(0, ge=0, le=2**31),
              who: Principal = Depends(supervisor)) -> AuditPage:  # fmt: skip
    """The audit log, newest first, with the hash chain verified (supervisors only)."""
    audit(request, who, "read.audit", "audit_log", {"limit": limit, "offset": offset})
    return audit_page(cursor(request), limit, offset)
