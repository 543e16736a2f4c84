"""The centre's `now` and the 48-hour stop: a client's time changes the timers it is shown, never
the orders stored for everyone; expiry is written on the server's clock only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from fraudlink.trace.order_rules import STOP_BASIS, STOP_HOLD, Order
from fraudlink.trace.order_store import save_orders, update_order
from fraudlink.web.orders_view import expire_order

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
FAR = "2030-01-01T00:00:00"  # long after any timer of these tests has run out


def stop_acknowledged(client: TestClient, bank: str, at: dt.datetime, oid: str = "SP-CLOCK-1"
                      ) -> str:  # fmt: skip
    """A stop-payment to `bank`, acknowledged at `at` (its timer runs to `at` + 48 h)."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    account = ctx.cursor().execute("select min(account) from bank_accounts where inst_id = ?",
                                   [bank]).fetchall()[0][0]  # fmt: skip
    order = Order(oid, "stop_payment", account, bank, "Bank A", "张三", 5000, ("R1",),
                  STOP_BASIS, {}, {}, at, 1.0)  # fmt: skip
    with ctx.write_lock:
        save_orders(ctx.store, [order])
        update_order(ctx.store, oid, "acknowledged", at)
    return oid


def stored(client: TestClient, oid: str) -> tuple[str, list[str]]:
    """The order's stored state and the events of its history."""
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    state = con.execute("select state from orders where order_id = ?", [oid]).fetchall()[0][0]
    events = [r[0] for r in con.execute(
        "select event from order_events where order_id = ? order by seq", [oid]).fetchall()]
    return state, events


def test_a_later_now_shows_the_timer_run_out_but_expires_nothing(
    client: TestClient, login: Login, web_world: Any
) -> None:
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    oid = stop_acknowledged(client, web_world.bank_a, an_hour_ago)
    who = login("analyst")
    out = client.get(f"{C}/queues/orders", params={"now": FAR}, headers=who)
    assert out.status_code == 200, out.text
    shown = {o["order_id"]: o for o in out.json()}[oid]
    assert (shown["state"], shown["seconds_left"]) == ("acknowledged", 0)
    assert stored(client, oid) == ("acknowledged", ["request", "acknowledge"])
    # The bank, on the wall clock, still reads the timer running.
    mine = client.get(f"/api/v1/orders/{oid}", headers=login("bank_a")).json()
    assert mine["state"] == "acknowledged" and 46 * 3600 < mine["seconds_left"] <= 47 * 3600


def test_an_expiry_before_the_timer_ran_out_by_the_server_clock_is_refused(
    client: TestClient, login: Login, web_world: Any
) -> None:
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    oid = stop_acknowledged(client, web_world.bank_a, an_hour_ago)
    r = client.post(f"{C}/orders/{oid}/move", params={"now": FAR}, json={"to": "expired"},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 409
    why = r.json()["detail"]
    assert oid in why and "China time" in why and "runs until" in why and "datetime" not in why
    assert stored(client, oid) == ("acknowledged", ["request", "acknowledge"])
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select outcome from audit_log where action = 'order.move'").fetchall() == [
        ("refused",)]  # fmt: skip


def test_a_stop_due_by_the_server_clock_expires_on_read_dated_when_it_ran_out(
    client: TestClient, login: Login, web_world: Any
) -> None:
    acked = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=1)
    oid = stop_acknowledged(client, web_world.bank_a, acked)
    # Even a client asking for an earlier time sees the stop expired: it is, by the server's clock.
    out = client.get(f"{C}/queues/orders", params={"now": "2000-01-01T00:00:00"},
                     headers=login("analyst")).json()  # fmt: skip
    assert {o["order_id"]: o["state"] for o in out}[oid] == "expired"
    assert stored(client, oid) == ("expired", ["request", "acknowledge", "expire"])
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    at = con.execute("select \"at\" from order_events where order_id = ? and event = 'expire'",
                     [oid]).fetchall()[0][0]  # fmt: skip
    assert at == acked + STOP_HOLD


def test_an_explicit_expiry_of_a_lapsed_stop_is_refused_as_nothing_to_record(
    client: TestClient, login: Login, web_world: Any
) -> None:
    acked = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=1)
    oid = stop_acknowledged(client, web_world.bank_a, acked)
    r = client.post(f"{C}/orders/{oid}/move", params={"now": FAR}, json={"to": "expired"},
                    headers=login("analyst"))  # fmt: skip
    # The move first expired it on the server's clock, dated when its timer ran out.
    assert r.status_code == 409 and "already expired" in r.json()["detail"], r.text
    assert stored(client, oid) == ("expired", ["request", "acknowledge", "expire"])


def test_an_expiry_asked_for_later_is_dated_no_later_than_the_server_clock(
    client: TestClient, web_world: Any
) -> None:
    """`expire_order` on a stop nothing has expired yet, asked at a `now` far ahead."""
    acked = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=1)
    oid = stop_acknowledged(client, web_world.bank_a, acked, oid="SP-CLOCK-2")
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.write_lock:
        far = dt.datetime.fromisoformat(FAR).replace(tzinfo=dt.UTC)
        moved = expire_order(ctx.store, oid, far)
    assert moved.state == "expired"
    con = ctx.cursor()
    event, at = con.execute('select event, "at" from order_events where order_id = ? '
                            "order by seq desc limit 1", [oid]).fetchall()[0]  # fmt: skip
    assert event == "expire" and at <= dt.datetime.now(dt.UTC)


def test_a_stop_lapsed_by_the_server_clock_cannot_be_renewed_with_an_earlier_now(
    client: TestClient, login: Login, web_world: Any
) -> None:
    acked = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=24)
    oid = stop_acknowledged(client, web_world.bank_a, acked)
    earlier = (acked + dt.timedelta(hours=24)).isoformat()  # the timer still ran then
    r = client.post(f"{C}/orders/{oid}/move", params={"now": earlier}, json={"to": "renewed"},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 409, r.text
    why = r.json()["detail"]
    assert oid in why and "China time" in why and "ran out" in why and "+00:00" not in why
    assert stored(client, oid) == ("expired", ["request", "acknowledge", "expire"])
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select renewals, expires_at from orders where order_id = ?",
                       [oid]).fetchall()[0][0] == 0  # fmt: skip
