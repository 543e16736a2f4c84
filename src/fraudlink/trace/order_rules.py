"""Fund-control orders and their rules: the states an order passes through, its legal timers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fraudlink.model.clock import china_time

STOP = "stop_payment"  # emergency stop-payment (紧急止付)
FREEZE = "freeze"  # freeze (冻结) by a case-handling police unit
BLOCK = "number_block"  # a fraud number cut off (停机) by its operator; it holds no money
KINDS = (STOP, FREEZE, BLOCK)

STATES = ("requested", "acknowledged", "executed", "rejected", "expired", "released")
LIVE = ("requested", "acknowledged", "executed")
RENEW = "renewed"  # not a state: the target that asks for a renewal
TARGETS = (*STATES[1:], RENEW)

STOP_HOLD = dt.timedelta(hours=48)
MAX_RENEWALS = 2

# What a live order in each state waits for from its addressee.
AWAITS = {"requested": "acknowledgement", "acknowledged": "execution"}

# How long an addressee has, counted from the request, to take the step a live order awaits.
# Both deadlines run from the request, not from the previous step: a late acknowledgement buys
# the institution no time to execute, since the victim's money moves on regardless.
# A stop is done "at once" on a match, and launderers split a first-level card's money within
# minutes: half an hour for the head office's round-the-clock desk to take the order in, two
# hours to check name, number, amount and time and hold the money.
STOP_ACK_DUE = dt.timedelta(minutes=30)
STOP_EXECUTE_DUE = dt.timedelta(hours=2)
# A freeze usually follows a stop: executed within a day, it is in place with a full day of
# the stop's 48 h to spare. Taking the order in is clerical: two hours.
FREEZE_ACK_DUE = dt.timedelta(hours=2)
FREEZE_EXECUTE_DUE = dt.timedelta(hours=24)
# The rules give a fraud-linked card 24 hours to be re-verified or suspended: an operator has
# as long to cut a number the centre names as used for fraud.
BLOCK_ACK_DUE = dt.timedelta(hours=2)
BLOCK_EXECUTE_DUE = dt.timedelta(hours=24)
# Kind -> the state a live order waits in -> its allowed time from the request. Executed and
# closed orders await nothing from the addressee and are never overdue.
DUE: dict[str, dict[str, dt.timedelta]] = {
    STOP: {"requested": STOP_ACK_DUE, "acknowledged": STOP_EXECUTE_DUE},
    FREEZE: {"requested": FREEZE_ACK_DUE, "acknowledged": FREEZE_EXECUTE_DUE},
    BLOCK: {"requested": BLOCK_ACK_DUE, "acknowledged": BLOCK_EXECUTE_DUE},
}

# Allowed moves by kind; renewal and the timer are checked on top of these. A stop takes effect
# when the institution executes it (matched and holding the amount): its 48 h, renewals and
# expiry belong to an executed stop only. An acknowledged stop has no timer: it stays live for
# the centre to chase, until the bank executes or rejects it or the centre withdraws it
# (released), since no rule gives the bank a deadline after which the order lapses by itself.
_MOVES: dict[str, dict[str, tuple[str, ...]]] = {
    STOP: {
        "requested": ("acknowledged",),
        "acknowledged": ("executed", "rejected", "released"),
        "executed": ("expired", "released", RENEW),
    },
    FREEZE: {
        "requested": ("acknowledged",),
        "acknowledged": ("executed", "rejected"),
        "executed": ("released",),
    },
    BLOCK: {
        "requested": ("acknowledged",),
        "acknowledged": ("executed", "rejected"),
        "executed": ("released",),
    },
}
EVENT_OF = {
    "requested": "request",
    "acknowledged": "acknowledge",
    "executed": "execute",
    "rejected": "reject",
    "expired": "expire",
    "released": "release",
    RENEW: "renew",
}

STOP_BASIS = (
    "《电信网络诈骗及其关联违法犯罪联合惩戒办法》; 紧急止付 emergency stop-payment rules: the "
    "receiving institution's head office stops the account on a match of name, number, amount "
    "and time, for 48 hours, renewable at most twice"
)
FREEZE_BASIS = "冻结 freeze decision of the case-handling unit, case(s): {cases}"
BLOCK_BASIS = (
    "《反电信网络诈骗法》 art. 11-12: the operator suspends (停机) a number used for fraud at the "
    "anti-fraud centre's request, pending the holder's re-verification"
)


class OrderError(ValueError):
    """A transition the rules do not allow."""


@dataclasses.dataclass(frozen=True)
class Order:
    """One stop-payment, freeze or number-block order, as stored in `orders` (a block's
    `account` is the number, its amount 0)."""

    order_id: str
    kind: str
    account: str
    inst_id: str
    addressee: str
    account_name: str
    amount_fen: int
    report_ids: tuple[str, ...]
    legal_basis: str
    evidence: dict[str, Any]
    checks: dict[str, Any]
    requested_at: dt.datetime
    priority: float
    created_by: str = "fraudlink"
    state: str = "requested"
    held_fen: int | None = None
    takes_effect_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    renewals: int = 0


@dataclasses.dataclass(frozen=True)
class Event:
    """One line of an order's history: what happened, when, and the state it left."""

    order_id: str
    seq: int
    at: dt.datetime
    event: str
    state: str
    amount_fen: int | None
    expires_at: dt.datetime | None
    note: str


def apply(
    order: Order,
    to: str,
    at: dt.datetime,
    held_fen: int | None = None,
    last_step_at: dt.datetime | None = None,
) -> Order:
    """The order after moving to `to` at `at`; raise OrderError when the rules forbid it
    (`last_step_at`, the time of the order's latest event: no step may be dated before it)."""
    if at.tzinfo is None:
        raise OrderError("times must carry a time zone")
    allowed = _MOVES[order.kind].get(order.state, ())
    if to not in allowed:
        raise OrderError(
            f"{order.order_id}: a {order.kind} order cannot go from {order.state} to {to}"
            f"{_why_not(order, to)} (allowed: {', '.join(allowed) or 'none, the order is closed'})"
        )
    if at < order.requested_at:
        raise OrderError(f"{order.order_id}: {_shown(at)} is before the request "
                         f"({_shown(order.requested_at)})")  # fmt: skip
    if last_step_at is not None and at < last_step_at:
        # A history out of order would let a stop be executed before the bank took it in.
        raise OrderError(f"{order.order_id}: {_shown(at)} is before its last step "
                         f"({_shown(last_step_at)})")  # fmt: skip
    # Only an executed stop's timer runs (a store written under the old rule may hold an
    # expiry on an acknowledged stop: it is not a timer).
    due = timer_runs(order) and order.expires_at is not None and at >= order.expires_at
    if to == "expired" and not due:
        raise OrderError(f"{order.order_id}: the timer runs until {_shown(order.expires_at)}")
    if to != "expired" and due:
        raise OrderError(f"{order.order_id}: the 48 h timer ran out at {_shown(order.expires_at)}")
    if to == RENEW:
        if order.renewals >= MAX_RENEWALS:
            raise OrderError(f"{order.order_id}: already renewed {MAX_RENEWALS} times")
        assert order.expires_at is not None
        return dataclasses.replace(
            order, renewals=order.renewals + 1, expires_at=order.expires_at + STOP_HOLD
        )
    if to == "executed":
        held = order.amount_fen if held_fen is None else held_fen
        if not 0 <= held <= order.amount_fen:
            raise OrderError(
                f"{order.order_id}: held amount {held} is outside 0..{order.amount_fen} fen"
            )
        # The order takes effect now: the institution matched it and holds the money. A stop's
        # 48 h run from here; a freeze or a block has no timer.
        return dataclasses.replace(
            order,
            state=to,
            held_fen=held,
            takes_effect_at=at,
            expires_at=at + STOP_HOLD if order.kind == STOP else None,
        )
    if held_fen is not None:
        raise OrderError(f"{order.order_id}: an amount goes only with executed")
    return dataclasses.replace(order, state=to)


def timer_runs(order: Order) -> bool:
    """Whether the order's 48 h timer is running: a stop-payment that has taken effect."""
    return order.kind == STOP and order.state == "executed"


def awaiting(order: Order) -> str | None:
    """What a live order waits for from its addressee: 'acknowledgement' or 'execution' (a
    stop's 48 h start only then); None once executed or closed."""
    return AWAITS.get(order.state)


def deadline(order: Order) -> dt.datetime | None:
    """When the addressee must have taken the step a live order awaits (acknowledgement or
    execution), counted from the request; None once executed or closed."""
    allowed = DUE[order.kind].get(order.state)
    return None if allowed is None else order.requested_at + allowed


def overdue(order: Order, now: dt.datetime) -> dt.timedelta | None:
    """How long past its deadline a live order still awaits its addressee at `now`; None when
    it is not yet due (at the deadline itself it is still on time), executed or closed."""
    due = deadline(order)
    return None if due is None or now <= due else now - due


def _why_not(order: Order, to: str) -> str:
    """The reason behind a refused renewal or expiry of a stop not yet executed."""
    waits = awaiting(order)
    if order.kind == STOP and to in (RENEW, "expired") and waits is not None:
        return f": its 48 h run from execution, and it awaits the institution's {waits}"
    return ""


def _shown(t: dt.datetime | None) -> str:
    """A time in a refusal, as investigators read it: China time."""
    return f"{china_time(t)} (UTC+8)" if t is not None else "-"
