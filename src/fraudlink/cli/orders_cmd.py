"""`fraudlink orders`: stop-payment (紧急止付) and freeze (冻结) orders: propose, list, update."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.cli.common import open_store, render_table
from fraudlink.cli.ingest_cmd import DB_HELP
from fraudlink.model.clock import CHINA
from fraudlink.store import Store
from fraudlink.trace.order_rules import (
    BLOCK,
    DUE,
    FREEZE,
    KINDS,
    STATES,
    STOP,
    TARGETS,
    Order,
    awaiting,
)
from fraudlink.trace.order_store import overdue_orders
from fraudlink.trace.orders import (
    OrderError,
    expire_due,
    load_orders,
    order_history,
    propose_freezes,
    propose_stop_payments,
    save_orders,
    update_order,
    without_spent_stops,
)

METHODS = ("fifo", "pro_rata", "poison")
NOW_HELP = "Act as at this time (ISO 8601; UTC unless it has an offset) [default: the clock]."


def _db_option(command: Any) -> Any:
    return click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)(
        command
    )


def _now_option(command: Any) -> Any:
    return click.option("--now", "now_text", metavar="TIME", help=NOW_HELP)(command)


@click.group()
def orders() -> None:
    """Stop-payment and freeze orders: propose them from a trace, list them, chase the overdue,
    record replies."""


@orders.command()
@_db_option
@click.option("--report", "reports", multiple=True, metavar="ID", help="Only this victim report.")
@click.option(
    "--kind", type=click.Choice((STOP, FREEZE)), default=STOP, show_default=True,
    help="Kind of order.",
)
@click.option(
    "--method", type=click.Choice(METHODS), default="fifo", show_default=True,
    help="How mixed money is attributed to victims.",
)  # fmt: skip
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC).")
def propose(
    db: Path | None,
    reports: tuple[str, ...],
    kind: str,
    method: str,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Trace victims' money, then store one order per account holding it, best first."""
    try:
        from fraudlink.trace.engine import trace_all  # the tracing engine is built separately
    except ImportError as exc:
        raise click.ClickException(
            f"orders propose needs the tracing engine (fraudlink.trace.engine.trace_all), "
            f"which is not available: {exc}"
        ) from exc
    now = _now(now_text)
    with open_store(db) as store:
        _require_reports(store, reports)
        expire_due(store, now)
        try:
            traced = trace_all(store, as_of=now if now_text else None, method=method)
            positions = _only_reports(traced.positions, reports)
            if kind == FREEZE:
                proposed = propose_freezes(store, positions, now=now, received=traced.received)
            else:
                proposed = propose_stop_payments(store, without_spent_stops(store, positions), now,
                                                  received=traced.received)
            save_orders(store, proposed)
        except (LookupError, ValueError) as exc:  # nothing to trace, mixed methods, a duplicate
            raise click.ClickException(str(exc)) from exc
    _show(proposed, as_json)


def _require_reports(store: Store, reports: tuple[str, ...]) -> None:
    """Refuse a --report the store has no victim report of (as `trace` and `match` do)."""
    if not reports:
        return
    known = {
        r[0]
        for r in store.con.execute(
            "select distinct report_id from victim_reports where report_id in "
            "(select unnest(?::varchar[]))",
            [list(reports)],
        ).fetchall()
    }
    missing = [r for r in dict.fromkeys(reports) if r not in known]
    if missing:
        noun = "report" if len(missing) == 1 else "reports"
        raise click.ClickException(f"no {noun} {', '.join(missing)}")


def _only_reports(positions: pa.Table, reports: tuple[str, ...]) -> pa.Table:
    if not reports:
        return positions
    return positions.filter(pc.is_in(positions.column("report_id"), pa.array(list(reports))))


@orders.command(name="list")
@_db_option
@click.option("--state", type=click.Choice(STATES), help="Only orders in this state.")
@click.option("--inst", metavar="INST", help="Only orders addressed to this institution.")
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC).")
def list_(
    db: Path | None, state: str | None, inst: str | None, now_text: str | None, as_json: bool
) -> None:
    """Show stored orders, highest priority first (stops past their timer expire first)."""
    with open_store(db) as store:
        expire_due(store, _now(now_text))
        _show(load_orders(store, state=state, inst=inst), as_json)


@orders.command()
@_db_option
@click.option("--inst", metavar="INST", help="Only orders addressed to this institution.")
@click.option("--kind", type=click.Choice(KINDS), help="Only orders of this kind.")
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC).")
def overdue(
    db: Path | None, inst: str | None, kind: str | None, now_text: str | None, as_json: bool
) -> None:
    """Show live orders whose institution is past its deadline to acknowledge or execute them,
    most overdue first: the orders to chase."""
    now = _now(now_text)
    with open_store(db) as store:
        expire_due(store, now)
        late = overdue_orders(store, now, inst, None if kind is None else [kind])
    _show_overdue(late, now, as_json)


@orders.command()
@click.argument("order_id")
@_db_option
@click.option("--to", "to", required=True, type=click.Choice(TARGETS), help="The new state.")
@click.option("--amount-fen", type=int, help="Amount actually held (with executed).")
@click.option("--note", default="", help="What the institution or the officer said.")
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC).")
def update(
    order_id: str,
    db: Path | None,
    to: str,
    amount_fen: int | None,
    note: str,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Record a move of one order (a reply, a renewal, a release) and print its history."""
    if amount_fen is not None and to != "executed":
        raise click.UsageError(
            f"--amount-fen goes only with --to executed (the amount held), not with --to {to}"
        )
    now = _now(now_text)
    with open_store(db) as store:
        expire_due(store, now)
        try:
            order = update_order(store, order_id, to, now, amount_fen, note)
        except (OrderError, LookupError) as exc:
            raise click.ClickException(exc.args[0] if exc.args else str(exc)) from exc
        _show_history(store, order, as_json)


def _now(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {text}", param_hint="--now") from exc
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _local(t: dt.datetime | None) -> str:
    return t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if t is not None else ""


# The kinds in words with their Chinese terms, given once per output (not on every row).
KIND_NAMES = {STOP: "stop-payment (止付)", FREEZE: "freeze (冻结)", BLOCK: "number block (停机)"}
_KIND_TERMS = {
    STOP: "held 48 h from execution, renewable twice",
    FREEZE: "held until released",
    BLOCK: "the number cut off until released",
}


def _timer(state: str, expires_at: dt.datetime | None) -> str:
    """The expiry shown for an order or event in `state`: a stop's running timer once executed,
    the time it ran out once expired, nothing otherwise (no timer runs before execution or after a
    rejection or a release)."""
    return _local(expires_at) if state in ("executed", "expired") else ""


def _expiry(o: Order) -> str:
    """An order's expiry cell: a stop not yet executed waits for the bank, its 48 h unstarted."""
    waits = awaiting(o)
    if o.kind == STOP and waits is not None:
        return f"awaiting {waits}"
    return _timer(o.state, o.expires_at)


def _kinds_legend(found: list[Order]) -> str:
    """One line naming the kinds in words: stop-payment and freeze always, a block if listed."""
    kinds = [STOP, FREEZE, *([BLOCK] if any(o.kind == BLOCK for o in found) else [])]
    return "kinds: " + "; ".join(f"{k} = {KIND_NAMES[k]}, {_KIND_TERMS[k]}" for k in kinds)


def _json(o: Any) -> dict[str, Any]:
    out = dataclasses.asdict(o)
    for k, v in out.items():
        if isinstance(v, dt.datetime):
            out[k] = v.isoformat()
    return out


def _show(found: list[Order], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([_json(o) for o in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no orders")
        return
    head = ("order_id", "kind", "state", "account", "inst", "yuan", "held", "priority",
            "requested (UTC+8)", "expires (UTC+8)", "renewals")  # fmt: skip
    rows = [
        (o.order_id, o.kind, o.state, o.account, o.inst_id, o.amount_fen / 100,
         "" if o.held_fen is None else o.held_fen / 100, o.priority, _local(o.requested_at),
         _expiry(o), o.renewals)
        for o in found
    ]  # fmt: skip
    click.echo(render_table(head, rows))
    click.echo(_kinds_legend(found))


def _span(minutes: int) -> str:
    """A length of time to the minute, as a desk officer says it: 45 min, 3 h 05 min, 24 h,
    2 d 4 h (days only from two days on, where the minutes no longer matter)."""
    hours, mins = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} d" + (f" {hours % 24} h" if hours % 24 else "")
    if hours:
        return f"{hours} h" + (f" {mins:02d} min" if mins else "")
    return f"{mins} min"


def _deadlines(kind: str) -> str:
    """The deadlines of a kind in words, both counted from the request."""
    steps = DUE[kind]
    ack, execute = (int(steps[s].total_seconds()) // 60 for s in ("requested", "acknowledged"))
    return f"acknowledged within {_span(ack)} and executed within {_span(execute)} of the request"


def _show_overdue(late: pa.Table, now: dt.datetime, as_json: bool) -> None:
    rows = late.to_pylist()
    if as_json:
        for r in rows:
            for k in ("waiting_since", "due_at"):
                r[k] = r[k].astimezone(dt.UTC).isoformat()
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no overdue orders at {_local(now)} (UTC+8)")
        return
    click.echo(f"{len(rows)} overdue order(s) at {_local(now)} (UTC+8), most overdue first")
    head = ("order_id", "kind", "inst", "addressee", "account", "yuan", "awaiting",
            "since (UTC+8)", "due (UTC+8)", "overdue")  # fmt: skip
    table = [
        (r["order_id"], r["kind"], r["inst_id"], r["addressee"], r["account"],
         r["amount_fen"] / 100, r["awaiting"], _local(r["waiting_since"]), _local(r["due_at"]),
         _span(r["overdue_minutes"]))
        for r in rows
    ]  # fmt: skip
    click.echo(render_table(head, table))
    kinds = [STOP, FREEZE, *([BLOCK] if any(r["kind"] == BLOCK for r in rows) else [])]
    click.echo("kinds: " + "; ".join(f"{k} = {KIND_NAMES[k]}, {_deadlines(k)}" for k in kinds))


def _show_history(store: Store, order: Order, as_json: bool) -> None:
    events = order_history(store, order.order_id)
    if as_json:
        out = {"order": _json(order), "events": [_json(e) for e in events]}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    waits = awaiting(order)
    # A stop only acknowledged has no timer yet: say so, the centre chases the bank for it.
    chase = f", awaiting {waits}" if waits is not None else ""
    started = " (its 48 h start then)" if order.kind == STOP and waits is not None else ""
    click.echo(f"{order.order_id}, {KIND_NAMES[order.kind]}: {order.state}{chase}{started}")
    rows = [
        (e.seq, _local(e.at), e.event, e.state,
         "" if e.amount_fen is None else e.amount_fen / 100, _timer(e.state, e.expires_at),
         e.note or "")
        for e in events
    ]  # fmt: skip
    head = ("seq", "at (UTC+8)", "event", "state", "yuan", "expires (UTC+8)", "note")
    click.echo(render_table(head, rows))
