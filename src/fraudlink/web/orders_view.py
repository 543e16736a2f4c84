"""Orders as the API shows them: JSON models, listing with member isolation, members' answers.

A member sees only the orders addressed to its own institution; centre staff see every order.
Reads go through the request thread's cursor; an answer moves the order through the rules
(`fraudlink.trace.orders.update_order`) on the store's own connection under the write lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, Field

from fraudlink.model.clock import china_time
from fraudlink.store import Store
from fraudlink.trace.order_rules import (
    STOP,
    Event,
    Order,
    OrderError,
    awaiting,
    deadline,
    overdue,
    timer_runs,
)
from fraudlink.trace.order_store import OVERDUE_SQL
from fraudlink.trace.orders import expire_due, load_orders, update_order
from fraudlink.web.context import WebContext
from fraudlink.web.users import Principal

OrderKind = Literal["stop_payment", "freeze", "number_block"]
OrderState = Literal["requested", "acknowledged", "executed", "rejected", "expired", "released"]
Answer = Literal["acknowledged", "executed", "rejected"]


class OrderEventOut(BaseModel):
    """One line of an order's history: what happened, when, and the state it left."""

    seq: int
    at: dt.datetime
    event: str
    state: OrderState
    amount_fen: int | None = Field(description="asked (request) or held (execute), in fen")
    expires_at: dt.datetime | None
    note: str | None


class OrderOut(BaseModel):
    """A stop-payment or freeze order as stored, with its history when asked for one order."""

    order_id: str
    kind: OrderKind
    account: str
    inst_id: str = Field(description="the addressee institution (its head office acts)")
    addressee: str
    account_name: str
    amount_fen: int = Field(description="the amount asked to be held, in fen")
    held_fen: int | None = Field(description="the amount the institution reports held, in fen")
    report_ids: list[str]
    legal_basis: str
    evidence: dict[str, Any]
    checks: dict[str, Any]
    requested_at: dt.datetime
    takes_effect_at: dt.datetime | None = Field(
        description="when the institution executed the order; null before"
    )
    expires_at: dt.datetime | None = Field(
        description="end of the 48 h stop, which runs from execution; null before that and "
        "for a freeze or a block"
    )
    renewals: int
    state: OrderState
    priority: float
    created_by: str
    seconds_left: int | None = Field(
        default=None, description="seconds until an executed stop's timer runs out"
    )
    awaiting: Literal["acknowledgement", "execution"] | None = Field(
        default=None,
        description="what a live order waits for from its addressee (a stop's 48 h start only "
        "at execution); null once executed or closed",
    )
    due_at: dt.datetime | None = Field(
        default=None,
        description="when the addressee must have taken the step the order awaits, counted "
        "from the request (a stop: acknowledged in 30 min, executed in 2 h; a freeze or a "
        "block: 2 h and 24 h); null once executed or closed",
    )
    overdue_seconds: int | None = Field(
        default=None,
        description="seconds the addressee is past `due_at`; null while on time, once "
        "executed or closed",
    )
    history: list[OrderEventOut] | None = None


class OrderDenied(PermissionError):
    """A member asked for orders of another institution."""


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    return t.astimezone(dt.UTC) if t is not None else None


def seconds_left(order: Order, now: dt.datetime) -> int | None:
    """Seconds until an executed stop's timer runs out (0 when past), None without a running
    timer (a stop not yet executed, a freeze, a block, a closed order)."""
    if not timer_runs(order) or order.expires_at is None:
        return None
    return max(0, int((order.expires_at - now).total_seconds()))


def event_out(e: Event) -> OrderEventOut:
    """One history line as JSON."""
    return OrderEventOut.model_validate({
        "seq": e.seq, "at": _utc(e.at), "event": e.event, "state": e.state,
        "amount_fen": e.amount_fen, "expires_at": _utc(e.expires_at), "note": e.note,
    })  # fmt: skip


def order_out(order: Order, history: list[Event] | None = None,
              now: dt.datetime | None = None) -> OrderOut:  # fmt: skip
    """An order as JSON; with `history` its events, with `now` the seconds left on its timer
    and, for a live order the addressee has yet to act on, its deadline and how late it is."""
    row = dataclasses.asdict(order)
    for k in ("requested_at", "takes_effect_at", "expires_at"):
        row[k] = _utc(row[k])
    row["report_ids"] = list(order.report_ids)
    row["seconds_left"] = seconds_left(order, now) if now is not None else None
    row["awaiting"] = awaiting(order)
    if now is not None:
        # Without `now` the order is a proposal or a bare record: no deadline is running.
        late = overdue(order, now)
        row["due_at"] = _utc(deadline(order))
        row["overdue_seconds"] = None if late is None else int(late.total_seconds())
    out = OrderOut.model_validate(row)
    if history is not None:
        out.history = [event_out(e) for e in history]
    return out


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return con.sql(sql, params=params).to_arrow_table().to_pylist()


def _order(row: dict[str, Any]) -> Order:
    return Order(**{**row, "evidence": json.loads(row["evidence"]),
                    "checks": json.loads(row["checks"]),
                    "report_ids": tuple(row["report_ids"])})  # fmt: skip


def load_order(con: duckdb.DuckDBPyConnection, order_id: str) -> Order | None:
    """The order with this id, or None."""
    rows = _rows(con, "select * from orders where order_id = ?", [order_id])
    return _order(rows[0]) if rows else None


def load_history(con: duckdb.DuckDBPyConnection, order_id: str) -> list[Event]:
    """Every event of an order, first to last."""
    rows = _rows(con, "select * from order_events where order_id = ? order by seq", [order_id])
    return [Event(**r) for r in rows]


def list_orders(con: duckdb.DuckDBPyConnection, who: Principal, state: str | None = None,
                inst: str | None = None, overdue_at: dt.datetime | None = None
                ) -> list[Order]:  # fmt: skip
    """Orders `who` may see, optionally of one state or addressee, highest priority first; with
    `overdue_at`, only those past their deadline then, most overdue first.

    A member sees its own institution's orders only; naming another raises OrderDenied.
    """
    if not who.is_centre:
        if inst is not None and inst != who.inst_id:
            raise OrderDenied(f"orders of {inst} are not addressed to {who.inst_id}")
        inst = who.inst_id
    if overdue_at is not None:
        late = con.sql(
            f"select o.* from orders o join ({OVERDUE_SQL}) late using (order_id) "
            "where ($state::varchar is null or o.state = $state) "
            "order by late.due_at, o.amount_fen desc, o.order_id",  # earliest due: most late
            params={"now": overdue_at, "inst": inst, "kinds": None, "state": state},
        ).to_arrow_table()
        return [_order(r) for r in late.to_pylist()]
    rows = _rows(
        con,
        "select * from orders where (?::varchar is null or state = ?) "
        "and (?::varchar is null or inst_id = ?) order by priority desc, order_id",
        [state, state, inst, inst],
    )
    return [_order(r) for r in rows]


def may_see(who: Principal, order: Order) -> bool:
    """Centre staff see every order; a member only those addressed to its institution."""
    return who.is_centre or order.inst_id == who.inst_id


def _server_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def expire_overdue(ctx: WebContext, now: dt.datetime) -> list[str]:
    """Move executed stops whose 48 h timer ran out by `now` (never later than the server's
    clock) to expired, so reads and answers see the real state."""
    # An expiry is stored for everyone: a `now` ahead of the server's clock must not write it.
    with ctx.write_lock:
        return expire_due(ctx.store, min(now, _server_now()))


def expire_order(store: Store, order_id: str, now: dt.datetime, note: str = "") -> Order:
    """Record an executed stop's expiry asked for at `now`, dated no later than the server's
    clock; OrderError while its timer still runs by that clock, before it runs (not executed),
    or once it has expired (nothing to record), LookupError if no such order. The caller holds
    the write lock."""
    at = min(now, _server_now())
    found = load_orders(store, order_id=order_id)
    if not found:
        raise LookupError(f"no order {order_id}")
    if found[0].kind == STOP and found[0].state == "expired":
        # Expired on the server's clock when its timer ran out: a second expiry would record
        # (and audit) a move that changed nothing.
        raise OrderError(f"{order_id}: the stop already expired at "
                         f"{china_time(found[0].expires_at or at)} China time (UTC+8)")  # fmt: skip
    until = found[0].expires_at
    if timer_runs(found[0]) and until is not None and at < until:
        later = " (a later `now` is not used for a stored change)" if now > at else ""
        raise OrderError(f"{order_id}: the stop's timer runs until {china_time(until)} China "
                         f"time (UTC+8); it cannot be recorded as expired at {china_time(at)}"
                         f"{later}")  # fmt: skip
    return update_order(store, order_id, "expired", at, None, note)


def renew_order(store: Store, order_id: str, now: dt.datetime, note: str = "") -> Order:
    """Renew an executed stop at `now`; OrderError when it has lapsed by the server's clock (a
    client's earlier `now` cannot revive it) or is not executed (no timer runs yet), LookupError
    if no such order. The caller holds the write lock and has expired due stops on the server's
    clock."""
    server = _server_now()
    found = load_orders(store, order_id=order_id)
    if not found:
        raise LookupError(f"no order {order_id}")
    o = found[0]
    lapsed = o.state == "expired" or (timer_runs(o) and o.expires_at is not None
                                      and o.expires_at <= server)  # fmt: skip
    if o.kind == STOP and lapsed and o.expires_at is not None:
        raise OrderError(f"{order_id}: the stop's 48 h timer ran out at {china_time(o.expires_at)} "
                         f"China time (UTC+8) by the server's clock; a lapsed stop cannot be "
                         "renewed")  # fmt: skip
    return update_order(store, order_id, "renewed", now, None, note)


def answer_order(ctx: WebContext, order_id: str, answer: Answer, amount_fen: int | None,
                 reason: str, now: dt.datetime) -> Order:  # fmt: skip
    """Record the addressee's answer; OrderError when the rules forbid it, LookupError if none."""
    with ctx.write_lock:
        expire_due(ctx.store, min(now, _server_now()))
        return update_order(ctx.store, order_id, answer, now,
                            amount_fen if answer == "executed" else None, reason)  # fmt: skip
