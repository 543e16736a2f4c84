"""Overdue orders in the API and the console: each live order's deadline and how late its
addressee is, the centre's queue of overdue orders worst first, and a member's own orders only."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import fraudlink.web.console as console
from fraudlink.trace.order_rules import FREEZE, STOP, STOP_BASIS, Order
from fraudlink.trace.order_store import save_orders, update_order
from fraudlink.web.orders_view import order_out

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
CONSOLE = Path(console.__file__).parent


def _accounts(ctx: Any, inst: str, n: int) -> list[str]:
    return [r[0] for r in ctx.cursor().execute(
        "select account from bank_accounts where inst_id = ? order by account limit ?", [inst, n]
    ).fetchall()]  # fmt: skip


def _order(oid: str, kind: str, account: str, inst: str, at: dt.datetime) -> Order:
    return Order(oid, kind, account, inst, inst, "张三", 80_000, ("R-OD",), STOP_BASIS, {}, {}, at,
                 1.0)  # fmt: skip


def seeded(ctx: Any, world: Any, now: dt.datetime) -> dict[str, str]:
    """Orders to two banks, by name: `late_ack` (a stop never acknowledged, requested 3 h
    before `now`), `late_exec` (acknowledged 10 min in, never executed), `in_effect` (executed
    in time), `on_time` (a freeze to the other bank, requested an hour before `now`)."""
    a = _accounts(ctx, world.bank_a, 3)
    (b,) = _accounts(ctx, world.bank_b, 1)
    start = now - 3 * H
    orders = {
        "late_ack": _order("SP-OD-1", STOP, a[0], world.bank_a, start),
        "late_exec": _order("SP-OD-2", STOP, a[1], world.bank_a, start),
        "in_effect": _order("SP-OD-3", STOP, a[2], world.bank_a, start),
        "on_time": _order("FZ-OD-4", FREEZE, b, world.bank_b, now - H),
    }
    with ctx.write_lock:
        save_orders(ctx.store, list(orders.values()))
        update_order(ctx.store, "SP-OD-2", "acknowledged", start + 10 * M)
        update_order(ctx.store, "SP-OD-3", "acknowledged", start + 5 * M)
        update_order(ctx.store, "SP-OD-3", "executed", start + 20 * M, 80_000)
    return {k: o.order_id for k, o in orders.items()}


def _utc(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_queue_shows_each_live_orders_deadline_and_lists_the_overdue_worst_first(
    client: TestClient, login: Login, web_world: Any
) -> None:
    now = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC)
    ids = seeded(client.app.state.ctx, web_world, now)  # type: ignore[attr-defined]
    who = login("analyst")
    at = {"now": now.isoformat()}
    every = {o["order_id"]: o for o in client.get(f"{C}/queues/orders", params=at,
                                                   headers=who).json()}  # fmt: skip
    shown = {k: (_utc(every[oid]["due_at"]), every[oid]["overdue_seconds"])
             for k, oid in ids.items()}  # fmt: skip
    start = now - 3 * H
    assert shown == {
        "late_ack": (start + 30 * M, int((150 * M).total_seconds())),
        "late_exec": (start + 2 * H, 3600),  # due 2 h from the request, not the acknowledgement
        "in_effect": (None, None),  # executed: the bank owes nothing, the 48 h run
        "on_time": (now + H, None),  # a freeze is acknowledged within 2 h
    }
    late = client.get(f"{C}/queues/orders", params={**at, "overdue": "true"}, headers=who)
    assert late.status_code == 200, late.text
    assert [o["order_id"] for o in late.json()] == [ids["late_ack"], ids["late_exec"]]
    assert all(o["overdue_seconds"] > 0 for o in late.json())
    # The other filters still apply.
    acked = client.get(
        f"{C}/queues/orders", headers=who, params={**at, "overdue": "true", "state": "acknowledged"}
    ).json()
    assert [o["order_id"] for o in acked] == [ids["late_exec"]]
    theirs = client.get(
        f"{C}/queues/orders",
        headers=who,
        params={**at, "overdue": "true", "inst": web_world.bank_b},
    ).json()
    assert theirs == []
    # A day on, the freeze is late too: by 23 h, less than the two stops.
    day = {"now": (now + 24 * H).isoformat(), "overdue": "true"}
    later = client.get(f"{C}/queues/orders", params=day, headers=who).json()
    assert [o["order_id"] for o in later] == [ids["late_ack"], ids["late_exec"], ids["on_time"]]
    assert later[-1]["overdue_seconds"] == 23 * 3600
    bad = client.get(f"{C}/queues/orders", params={"overdue": "maybe"}, headers=who)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "overdue"]
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    details = [
        json.loads(r[0])
        for r in con.execute(
            "select detail from audit_log where action = 'read.orders' order by seq"
        ).fetchall()
    ]
    assert [d["overdue"] for d in details] == [False, True, True, True, True]


def test_a_member_sees_how_late_it_is_on_its_own_orders_only(
    client: TestClient, login: Login, web_world: Any
) -> None:
    now = dt.datetime.now(dt.UTC)  # the member API runs on the wall clock
    ids = seeded(client.app.state.ctx, web_world, now)  # type: ignore[attr-defined]
    mine = client.get("/api/v1/orders", headers=login("bank_a")).json()
    got = {o["order_id"]: o for o in mine}
    assert set(got) == {ids["late_ack"], ids["late_exec"], ids["in_effect"]}
    assert 150 * 60 <= got[ids["late_ack"]]["overdue_seconds"] <= 150 * 60 + 60
    assert 3600 <= got[ids["late_exec"]]["overdue_seconds"] <= 3600 + 60
    assert got[ids["in_effect"]]["overdue_seconds"] is None
    theirs = client.get("/api/v1/orders", headers=login("bank_b")).json()
    assert [o["order_id"] for o in theirs] == [ids["on_time"]]
    assert theirs[0]["overdue_seconds"] is None and theirs[0]["due_at"] is not None
    one = client.get(f"/api/v1/orders/{ids['late_ack']}", headers=login("bank_a")).json()
    assert one["overdue_seconds"] >= 150 * 60
    # The centre's overdue queue stays the centre's.
    refused = client.get(f"{C}/queues/orders", params={"overdue": "true"},
                         headers=login("bank_a"))  # fmt: skip
    assert refused.status_code == 403


def test_a_proposal_has_no_deadline_running() -> None:
    at = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC)
    proposal = _order("SP-P", STOP, "6222", "ICBC", at)
    out = order_out(proposal)
    assert (out.due_at, out.overdue_seconds) == (None, None)
    shown = order_out(proposal, now=at + H)
    assert (shown.due_at, shown.overdue_seconds) == (at + 30 * M, 30 * 60)


def test_the_console_lists_the_overdue_and_shows_how_late_each_order_is(
    client: TestClient, login: Login
) -> None:
    page = client.get("/queues/orders", headers=login("analyst"))
    assert page.status_code == 200
    assert '<select name="overdue">' in page.text and '<option value="true">' in page.text
    assert (CONSOLE / "templates" / "orders.html").read_text("utf-8").count('name="overdue"') == 1
    script = (CONSOLE / "static" / "orders.js").read_text("utf-8")
    assert '"Time left", "Overdue"' in script  # a column of every order table with timers
    assert "o.overdue_seconds" in script and "o.due_at" in script
