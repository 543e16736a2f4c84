"""The centre's `now` and the 48-hour stop: a client's time changes the timers it is shown, never
the orders stored for everyone; expiry is written on the server's clock only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fraudlink.trace.order_rules import STOP_BASIS, STOP_HOLD, Order
from fraudlink.trace.order_store import save_orders, update_order
from fraudlink.web.orders_view import expire_order

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
FAR = "2030-01-01T00:00:00"  # long after any timer of these tests has run out


def stop_acknowledged(client: TestClient, bank: str, at: dt.datetime, oid: str = "SP-CLOCK-1"
                      ) -> str:  # fmt: skip
    """A stop-payment to `bank`, acknowledged at `at`: no timer runs until it is executed."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    account = ctx.cursor().execute("select min(account) from bank_accounts where inst_id = ?",
                                   [bank]).fetchall()[0][0]  # fmt: skip
    order = Order(oid, "stop_payment", account, bank, "Bank A", "张三", 5000, ("R1",),
                  STOP_BASIS, {}, {}, at, 1.0)  # fmt: skip
    with ctx.write_lock:
        save_orders(ctx.store, [order])
        update_order(ctx.store, oid, "acknowledged", at)
    return oid


def stop_executed(client: TestClient, bank: str, at: dt.datetime, oid: str = "SP-CLOCK-1"
                  ) -> str:  # fmt: skip
    """A stop-payment to `bank`, acknowledged and executed at `at` (its timer runs to `at` +
    48 h)."""
    oid = stop_acknowledged(client, bank, at, oid)
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.write_lock:
        update_order(ctx.store, oid, "executed", at, 1_000)
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
    oid = stop_executed(client, web_world.bank_a, an_hour_ago)
    who = login("analyst")
    out = client.get(f"{C}/queues/orders", params={"now": FAR}, headers=who)
    assert out.status_code == 200, out.text
    shown = {o["order_id"]: o for o in out.json()}[oid]
    assert (shown["state"], shown["seconds_left"]) == ("executed", 0)
    assert stored(client, oid) == ("executed", ["request", "acknowledge", "execute"])
    # The bank, on the wall clock, still reads the timer running.
    mine = client.get(f"/api/v1/orders/{oid}", headers=login("bank_a")).json()
    assert mine["state"] == "executed" and 46 * 3600 < mine["seconds_left"] <= 47 * 3600


@pytest.mark.client_clock  # even a server that takes a client's `now` on writes
def test_an_expiry_before_the_timer_ran_out_by_the_server_clock_is_refused(
    client: TestClient, login: Login, web_world: Any
) -> None:
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    oid = stop_executed(client, web_world.bank_a, an_hour_ago)
    r = client.post(f"{C}/orders/{oid}/move", params={"now": FAR}, json={"to": "expired"},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 409
    why = r.json()["detail"]
    assert oid in why and "China time" in why and "runs until" in why and "datetime" not in why
    assert stored(client, oid) == ("executed", ["request", "acknowledge", "execute"])
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select outcome from audit_log where action = 'order.move'").fetchall() == [
        ("refused",)]  # fmt: skip


def test_a_stop_due_by_the_server_clock_expires_on_read_dated_when_it_ran_out(
    client: TestClient, login: Login, web_world: Any
) -> None:
    executed = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=1)
    oid = stop_executed(client, web_world.bank_a, executed)
    # Even a client asking for an earlier time sees the stop expired: it is, by the server's clock.
    out = client.get(f"{C}/queues/orders", params={"now": "2000-01-01T00:00:00"},
                     headers=login("analyst")).json()  # fmt: skip
    assert {o["order_id"]: o["state"] for o in out}[oid] == "expired"
    assert stored(client, oid) == ("expired", ["request", "acknowledge", "execute", "expire"])
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    at = con.execute("select \"at\" from order_events where order_id = ? and event = 'expire'",
                     [oid]).fetchall()[0][0]  # fmt: skip
    assert at == executed + STOP_HOLD


@pytest.mark.client_clock  # even a server that takes a client's `now` on writes
def test_an_explicit_expiry_of_a_lapsed_stop_is_refused_as_nothing_to_record(
    client: TestClient, login: Login, web_world: Any
) -> None:
    executed = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=1)
    oid = stop_executed(client, web_world.bank_a, executed)
    r = client.post(f"{C}/orders/{oid}/move", params={"now": FAR}, json={"to": "expired"},
                    headers=login("analyst"))  # fmt: skip
    # The move first expired it on the server's clock, dated when its timer ran out.
    assert r.status_code == 409 and "already expired" in r.json()["detail"], r.text
    assert stored(client, oid) == ("expired", ["request", "acknowledge", "execute", "expire"])


def test_an_expiry_asked_for_later_is_dated_no_later_than_the_server_clock(
    client: TestClient, web_world: Any
) -> None:
    """`expire_order` on a stop nothing has expired yet, asked at a `now` far ahead."""
    executed = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=1)
    oid = stop_executed(client, web_world.bank_a, executed, oid="SP-CLOCK-2")
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.write_lock:
        far = dt.datetime.fromisoformat(FAR).replace(tzinfo=dt.UTC)
        moved = expire_order(ctx.store, oid, far)
    assert moved.state == "expired"
    con = ctx.cursor()
    event, at = con.execute('select event, "at" from order_events where order_id = ? '
                            "order by seq desc limit 1", [oid]).fetchall()[0]  # fmt: skip
    assert event == "expire" and at <= dt.datetime.now(dt.UTC)


@pytest.mark.client_clock  # even a server that takes a client's `now` on writes
def test_a_stop_lapsed_by_the_server_clock_cannot_be_renewed_with_an_earlier_now(
    client: TestClient, login: Login, web_world: Any
) -> None:
    executed = dt.datetime.now(dt.UTC) - STOP_HOLD - dt.timedelta(hours=24)
    oid = stop_executed(client, web_world.bank_a, executed)
    earlier = (executed + dt.timedelta(hours=24)).isoformat()  # the timer still ran then
    r = client.post(f"{C}/orders/{oid}/move", params={"now": earlier}, json={"to": "renewed"},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 409, r.text
    why = r.json()["detail"]
    assert oid in why and "China time" in why and "ran out" in why and "+00:00" not in why
    assert stored(client, oid) == ("expired", ["request", "acknowledge", "execute", "expire"])
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select renewals, expires_at from orders where order_id = ?",
                       [oid]).fetchall()[0][0] == 0  # fmt: skip


def test_the_console_shows_an_acknowledged_stop_awaiting_the_bank_then_48_hours_from_execution(
    client: TestClient, login: Login, web_world: Any
) -> None:
    """Acknowledged ten hours ago, the stop runs no timer and never lapses; the bank executes it
    through the member API now, and the centre's queue shows 48 h from now."""
    acked = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    oid = stop_acknowledged(client, web_world.bank_a, acked)
    analyst = login("analyst")
    queue = f"{C}/queues/orders"
    shown = {o["order_id"]: o for o in client.get(queue, params={"now": FAR},
                                                   headers=analyst).json()}[oid]  # fmt: skip
    assert (shown["state"], shown["seconds_left"], shown["expires_at"], shown["awaiting"]) == (
        "acknowledged", None, None, "execution")  # fmt: skip
    renew = client.post(f"{C}/orders/{oid}/move", json={"to": "renewed"}, headers=analyst)
    assert renew.status_code == 409 and "48 h run from execution" in renew.json()["detail"]
    start = dt.datetime.now(dt.UTC)
    done = client.post(f"/api/v1/orders/{oid}/answer", json={"answer": "executed",
                                                              "amount_fen": 5000},
                       headers=login("bank_a"))  # fmt: skip
    end = dt.datetime.now(dt.UTC)
    assert done.status_code == 200, done.text
    shown = {o["order_id"]: o for o in client.get(queue, headers=analyst).json()}[oid]
    took = dt.datetime.fromisoformat(shown["takes_effect_at"])
    assert start <= took <= end and shown["awaiting"] is None
    assert dt.datetime.fromisoformat(shown["expires_at"]) == took + STOP_HOLD
    assert 47 * 3600 < shown["seconds_left"] <= 48 * 3600
    # Now the centre may renew it: 48 h more from the expiry that runs from execution.
    renewed = client.post(f"{C}/orders/{oid}/move", json={"to": "renewed"}, headers=analyst)
    assert renewed.status_code == 200, renewed.text
    assert dt.datetime.fromisoformat(renewed.json()["expires_at"]) == took + 2 * STOP_HOLD


def test_the_centre_withdraws_a_stop_the_bank_never_executed(
    client: TestClient, login: Login, web_world: Any
) -> None:
    acked = dt.datetime.now(dt.UTC) - 3 * STOP_HOLD
    oid = stop_acknowledged(client, web_world.bank_a, acked)
    analyst = login("analyst")
    client.get(f"{C}/queues/orders", headers=analyst)  # expires what is due: not this one
    assert stored(client, oid) == ("acknowledged", ["request", "acknowledge"])
    expire = client.post(f"{C}/orders/{oid}/move", json={"to": "expired"}, headers=analyst)
    assert expire.status_code == 409 and "cannot go from acknowledged to expired" in expire.text
    gone = client.post(f"{C}/orders/{oid}/move",
                       json={"to": "released", "note": "bank never executed"},
                       headers=analyst)  # fmt: skip
    assert gone.status_code == 200, gone.text
    assert (gone.json()["state"], gone.json()["awaiting"]) == ("released", None)
    assert stored(client, oid) == ("released", ["request", "acknowledge", "release"])
