"""Orders in the store: saved all-or-nothing, moved by the rules, every move kept in the history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from fraudlink.store import Store
from fraudlink.trace.order_rules import (
    AWAITS,
    BLOCK,
    DUE,
    EVENT_OF,
    FREEZE,
    LIVE,
    MAX_RENEWALS,
    STOP,
    Event,
    Order,
    apply,
)

_TS = pa.timestamp("us", tz="UTC")
_ORDER_ARROW = pa.schema([
    ("order_id", pa.string()), ("kind", pa.string()), ("account", pa.string()),
    ("inst_id", pa.string()), ("addressee", pa.string()), ("account_name", pa.string()),
    ("amount_fen", pa.int64()), ("held_fen", pa.int64()), ("report_ids", pa.list_(pa.string())),
    ("legal_basis", pa.string()), ("evidence", pa.string()), ("checks", pa.string()),
    ("requested_at", _TS), ("takes_effect_at", _TS), ("expires_at", _TS),
    ("renewals", pa.int8()), ("state", pa.string()), ("priority", pa.float64()),
    ("created_by", pa.string()),
])  # fmt: skip
_EVENT_ARROW = pa.schema([
    ("order_id", pa.string()), ("seq", pa.int32()), ("at", _TS), ("event", pa.string()),
    ("state", pa.string()), ("amount_fen", pa.int64()), ("expires_at", _TS),
    ("note", pa.string()),
])  # fmt: skip
_LIVE_SQL = "('" + "', '".join(LIVE) + "')"
# The deadline rule (`order_rules.DUE`) as a table, so the query and `overdue()` share one source.
_DUE_SQL = "(values " + ", ".join(
    f"('{kind}', '{state}', '{AWAITS[state]}', "
    f"interval '{allowed // dt.timedelta(microseconds=1)} microseconds')"
    for kind, steps in DUE.items() for state, allowed in steps.items()
) + ") as d(kind, state, awaiting, allowed)"  # fmt: skip
# Live orders past the deadline of the step they await at $now (of institution $inst and kinds
# $kinds, when not null), with when they began to wait: the request, or the acknowledgement.
OVERDUE_SQL = f"""
    with due as (
        select o.order_id, o.kind, o.account, o.inst_id, o.addressee, o.amount_fen, o.state,
               d.awaiting, o.requested_at, o.requested_at + d.allowed as due_at
        from orders o join {_DUE_SQL} using (kind, state)
        where ($inst::varchar is null or o.inst_id = $inst)
          and ($kinds::varchar[] is null or o.kind in (select unnest($kinds::varchar[])))
    ), late as (
        select *, date_diff('microsecond', due_at, $now::timestamptz) as overdue_us
        from due where due_at < $now::timestamptz
    ), acks as (
        select order_id, max("at") as acknowledged_at from order_events
        where event = 'acknowledge' and order_id in (select order_id from late) group by 1
    )
    select l.order_id, l.kind, l.account, l.inst_id, l.addressee, l.amount_fen, l.state,
           l.awaiting,
           case when l.state = 'acknowledged' then coalesce(a.acknowledged_at, l.requested_at)
                else l.requested_at end as waiting_since,
           l.due_at, l.overdue_us // 1000000 as overdue_seconds,
           l.overdue_us // 60000000 as overdue_minutes
    from late l left join acks a using (order_id)
    order by l.overdue_us desc, l.amount_fen desc, l.order_id
"""


class DuplicateOrderError(ValueError):
    """An order for an account that already has a live order of a kind that blocks it."""


class SpentStopError(DuplicateOrderError):
    """A new stop-payment on an account whose earlier stop for some of the same reports' money
    was renewed twice and expired: the stop's period is used up, a freeze is the next step."""


def spent_stops(
    store: Store | duckdb.DuckDBPyConnection, accounts: Iterable[str] | None = None
) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Account → its stops that used up their period (took effect, then expired after
    `MAX_RENEWALS` renewals), each as (order id, the reports whose money it stopped); all
    accounts when `accounts` is None."""
    con = store.con if isinstance(store, Store) else store
    wanted = None if accounts is None else list(accounts)
    # A period is used only by a stop that took effect: a store written under the old rule may
    # hold stops renewed and expired while only acknowledged, which never held anything.
    rows = con.execute(
        "select account, order_id, report_ids from orders o where kind = ? and state = 'expired' "
        "and renewals >= ? and (?::varchar[] is null or account in (select unnest(?::varchar[]))) "
        "and exists (select 1 from order_events e where e.order_id = o.order_id "
        "and e.event = 'execute') order by account, order_id",
        [STOP, MAX_RENEWALS, wanted, wanted],
    ).fetchall()
    out: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for account, oid, reports in rows:
        out.setdefault(account, []).append((oid, frozenset(reports or ())))
    return out


def spent_stop_for(
    spent: dict[str, list[tuple[str, frozenset[str]]]], account: str, report_ids: Iterable[str]
) -> tuple[str, list[str]] | None:
    """The first spent stop on `account` that stopped money of any of `report_ids`, with the
    reports the two share; None when there is none. Overlap is by report: a stop for other
    victims' money on the same account is a new stop, not a fourth period of the old one."""
    asked = set(report_ids)
    for oid, reports in spent.get(account, []):
        shared = sorted(asked & reports)
        if shared:
            return oid, shared
    return None


def live_accounts(store: Store | duckdb.DuckDBPyConnection, kinds: Iterable[str]) -> set[str]:
    """Accounts with a requested, acknowledged or executed order of one of `kinds` (a stop the
    bank has not executed stays live, without a timer, until executed, rejected or released)."""
    return set(live_orders(store, kinds))


def live_orders(store: Store | duckdb.DuckDBPyConnection, kinds: Iterable[str]) -> dict[str, str]:
    """Accounts (a block's: numbers) with a live order of one of `kinds`, each with its id."""
    con = store.con if isinstance(store, Store) else store
    rows = con.execute(
        f"select account, min(order_id) from orders where state in {_LIVE_SQL} "
        "and kind in (select unnest(?::varchar[])) group by account",
        [list(kinds)],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def overdue_orders(
    store: Store | duckdb.DuckDBPyConnection,
    now: dt.datetime,
    inst: str | None = None,
    kinds: Iterable[str] | None = None,
) -> pa.Table:
    """Live orders whose addressee is past the deadline for the step they await at `now`, worst
    first: institution, what is awaited, waiting since, the deadline, seconds and minutes overdue
    (an institution's or some kinds' only when `inst` or `kinds` is given)."""
    con = store.con if isinstance(store, Store) else store
    wanted = None if kinds is None else list(kinds)
    return con.sql(OVERDUE_SQL, params={"now": now, "inst": inst, "kinds": wanted}).to_arrow_table()


def target_word(kind: str) -> str:
    """What an order of `kind` is aimed at, in words: a block's target is a number."""
    return "number" if kind == BLOCK else "account"


def blocking_kinds(kind: str) -> tuple[str, ...]:
    """Live orders that make a new order of `kind` a duplicate: a stop is pointless on a frozen
    account, but a freeze is the usual next step after a stop."""
    return {STOP: (STOP, FREEZE), FREEZE: (FREEZE,), BLOCK: (BLOCK,)}[kind]


def save_orders(store: Store, orders: Sequence[Order]) -> int:
    """Store new orders in state requested, each with its first event; all or none."""
    with store.transaction() as con:
        _refuse_duplicates(con, orders)
        _insert_orders(con, orders)
        _insert_events(con, [_request_event(o) for o in orders])
    return len(orders)


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, orders: Sequence[Order]) -> None:
    # Read inside the save's transaction, so a concurrent save cannot slip a duplicate in.
    live = {(k, a): oid for k in (STOP, FREEZE, BLOCK) for a, oid in live_orders(con, [k]).items()}
    ids = {r[0] for r in con.execute("select order_id from orders").fetchall()}
    batch: set[tuple[str, str]] = set()
    for o in orders:
        if o.state != "requested":
            raise ValueError(f"{o.order_id}: a new order starts as requested, not {o.state}")
        if o.order_id in ids:
            raise DuplicateOrderError(f"{o.order_id}: an order with this id exists")
        ids.add(o.order_id)
        target = f"{target_word(o.kind)} {o.account}"
        # Name the stored order that blocks this one: the new order's id is never stored.
        clash = next(((k, live[(k, o.account)]) for k in blocking_kinds(o.kind)
                      if (k, o.account) in live), None)  # fmt: skip
        if clash is not None:
            raise DuplicateOrderError(f"{target} already has a live {clash[0].replace('_', ' ')} "
                                      f"order, {clash[1]}")  # fmt: skip
        if o.kind == STOP:
            spent = spent_stop_for(spent_stops(con, [o.account]), o.account, o.report_ids)
            if spent is not None:
                raise SpentStopError(
                    f"{target}: stop-payment {spent[0]} for report(s) {', '.join(spent[1])} was "
                    f"renewed {MAX_RENEWALS} times and expired, so its period is used up; "
                    "a freeze by the case-handling unit is the next step, not a new stop"
                )
        if any((k, o.account) in batch for k in blocking_kinds(o.kind)):
            raise DuplicateOrderError(f"{target} is ordered twice among the new orders")
        batch.add((o.kind, o.account))


def _request_event(o: Order) -> Event:
    note = f"requested from {o.addressee} head office; priority {o.priority:.2f}"
    return Event(o.order_id, 1, o.requested_at, "request", "requested", o.amount_fen, None, note)


def _insert_orders(con: duckdb.DuckDBPyConnection, orders: Sequence[Order]) -> None:
    rows = []
    for o in orders:
        row = dataclasses.asdict(o)
        row["evidence"] = json.dumps(o.evidence, ensure_ascii=False, sort_keys=True)
        row["checks"] = json.dumps(o.checks, ensure_ascii=False, sort_keys=True)
        row["report_ids"] = list(o.report_ids)
        rows.append(row)
    _insert(con, "orders", pa.Table.from_pylist(rows, schema=_ORDER_ARROW))


def _insert_events(con: duckdb.DuckDBPyConnection, events: Sequence[Event]) -> None:
    rows = [dataclasses.asdict(e) for e in events]
    _insert(con, "order_events", pa.Table.from_pylist(rows, schema=_EVENT_ARROW))


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    con.register("_new_rows", rows)
    try:
        con.execute(f'insert into "{table}" by name select * from _new_rows')
    finally:
        con.unregister("_new_rows")


def load_orders(
    store: Store, state: str | None = None, inst: str | None = None, order_id: str | None = None
) -> list[Order]:
    """Stored orders, optionally of one state, institution or id; highest priority first."""
    rows = store.arrow(
        "select * from orders where (? is null or state = ?) "
        "and (? is null or inst_id = ?) and (? is null or order_id = ?) "
        "order by priority desc, order_id",
        [state, state, inst, inst, order_id, order_id],
    ).to_pylist()
    return [_order(r) for r in rows]


def _order(row: dict[str, Any]) -> Order:
    row = {
        **row,
        "evidence": json.loads(row["evidence"]),
        "checks": json.loads(row["checks"]),
        "report_ids": tuple(row["report_ids"]),
    }
    return Order(**row)


def order_history(store: Store, order_id: str) -> list[Event]:
    """Every event of an order, first to last."""
    rows = store.arrow(
        "select * from order_events where order_id = ? order by seq", [order_id]
    ).to_pylist()
    return [Event(**r) for r in rows]


def update_order(
    store: Store,
    order_id: str,
    to: str,
    at: dt.datetime,
    held_fen: int | None = None,
    note: str = "",
) -> Order:
    """Move an order to `to` (a state, or 'renewed') at `at`, with its event, in one transaction."""
    with store.transaction() as con:
        found = load_orders(store, order_id=order_id)
        if not found:
            raise LookupError(f"no order {order_id}")
        last = con.execute('select max("at") from order_events where order_id = ?',
                           [order_id]).fetchall()[0][0]  # fmt: skip
        new = apply(found[0], to, at, held_fen, last)
        con.execute(
            "update orders set state = ?, held_fen = ?, takes_effect_at = ?, expires_at = ?, "
            "renewals = ? where order_id = ?",
            [new.state, new.held_fen, new.takes_effect_at, new.expires_at, new.renewals, order_id],
        )
        amount = new.held_fen if to in ("executed", "released") else None
        seq = _next_seq(con, order_id)
        _insert_events(
            con, [Event(order_id, seq, at, EVENT_OF[to], new.state, amount, new.expires_at, note)]
        )
    return new


def _next_seq(con: duckdb.DuckDBPyConnection, order_id: str) -> int:
    rows = con.execute(
        "select coalesce(max(seq), 0) + 1 from order_events where order_id = ?", [order_id]
    ).fetchall()
    return int(rows[0][0])


def expire_due(store: Store, now: dt.datetime) -> list[str]:
    """Move every executed stop whose 48 h timer ran out by `now` to expired; return their ids.
    A stop only acknowledged has no timer (it runs from execution) and never expires."""
    due = f"kind = '{STOP}' and state = 'executed' and expires_at <= $now"
    with store.transaction() as con:
        ids = [r[0] for r in con.execute(
            f"select order_id from orders where {due} order by order_id", {"now": now}
        ).fetchall()]  # fmt: skip
        # The event is dated when the timer ran out, the legal fact, not when it was noticed.
        con.execute(
            f"""
            insert into order_events by name
            select o.order_id, coalesce(e.last, 0) + 1 as seq, o.expires_at as at,
                   'expire' as event, 'expired' as state, o.held_fen as amount_fen,
                   o.expires_at, 'the 48 h timer ran out without renewal' as note
            from orders o
            left join (select order_id, max(seq) as last from order_events group by 1) e
              using (order_id)
            where {due}
            """,
            {"now": now},
        )
        con.execute(f"update orders set state = 'expired' where {due}", {"now": now})
    return ids
