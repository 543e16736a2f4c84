"""The server's clock stamps the centre's actions: a write given a client's `now` is refused
(422 naming the field) and stores nothing, unless the server replays a simulated city
(`fraudlink serve --client-clock`), which stores the `now` given. Reads still show timers at any
`now`, and store nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudlink.model.actions import WARNING, Action, ActionLog
from fraudlink.trace.order_rules import STOP_BASIS, Order
from fraudlink.trace.order_store import save_orders, update_order
from fraudlink.web.centre.warnings_queue import load_warnings

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
REPORT = "R2026030200001"  # the tiny world's first report (as in test_api_centre.py)
H = dt.timedelta(hours=1)
ZONES: list[dt.tzinfo | None] = [None, dt.UTC, dt.timezone(8 * H)]  # none (UTC), UTC, China
# The rows an action writes, and the audit rows of actions that went through.
COUNTS = {
    "orders": "select count(*) from orders",
    "order_events": "select count(*) from order_events",
    "warning_events": "select count(*) from warning_events",
    "warning_states": "select count(*) from warning_queue where state <> 'decided'",
    "actions_done": "select count(*) from audit_log where outcome = 'ok' and action in "
                    "('order.issue', 'order.move', 'warning.move')",
}  # fmt: skip


def con_of(client: TestClient) -> Any:
    """The test thread's cursor on the served store."""
    return client.app.state.ctx.cursor()  # type: ignore[attr-defined]


def counts(client: TestClient) -> dict[str, int]:
    """How many rows each action's tables hold."""
    con = con_of(client)
    return {k: int(con.execute(q).fetchall()[0][0]) for k, q in COUNTS.items()}


@dataclass(frozen=True)
class Write:
    """One of the centre's writes: its request, and the times it stored."""

    name: str
    prepare: Callable[[TestClient, Any], tuple[str, dict[str, Any], dt.datetime]]
    stamps: Callable[[Any, httpx.Response], list[dt.datetime]]


def _issue(client: TestClient, world: Any) -> tuple[str, dict[str, Any], dt.datetime]:
    return f"{C}/orders", {"report_id": REPORT, "kind": "stop_payment"}, _after_feeds(client)


def _issued_stamps(con: Any, r: httpx.Response) -> list[dt.datetime]:
    ids = [o["order_id"] for o in r.json()]
    assert ids, r.text
    rows = con.execute("select requested_at from orders where order_id in (select unnest(?)) "
                       "union all select \"at\" from order_events "
                       "where order_id in (select unnest(?))", [ids, ids]).fetchall()  # fmt: skip
    assert len(rows) == 2 * len(ids)
    return [t for (t,) in rows]


def _block(client: TestClient, world: Any) -> tuple[str, dict[str, Any], dt.datetime]:
    number = con_of(client).execute("select min(msisdn) from sim_cards where inst_id = ?",
                                    [world.operator]).fetchall()[0][0]  # fmt: skip
    return f"{C}/blocks", {"msisdn": number, "reason": "SIM box"}, _after_feeds(client)


def _block_stamps(con: Any, r: httpx.Response) -> list[dt.datetime]:
    oid = r.json()["order_id"]
    rows = con.execute("select requested_at from orders where order_id = ? union all "
                       "select \"at\" from order_events where order_id = ?",
                       [oid, oid]).fetchall()  # fmt: skip
    assert len(rows) == 2
    return [t for (t,) in rows]


def _move(client: TestClient, world: Any) -> tuple[str, dict[str, Any], dt.datetime]:
    """A stop executed an hour ago, to release; replayed half an hour after its execution."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    executed = dt.datetime.now(dt.UTC) - H
    account = ctx.cursor().execute("select min(account) from bank_accounts where inst_id = ?",
                                   [world.bank_a]).fetchall()[0][0]  # fmt: skip
    order = Order("SP-ACT-1", "stop_payment", account, world.bank_a, "Bank A", "张三", 5000,
                  ("R1",), STOP_BASIS, {}, {}, executed, 1.0)  # fmt: skip
    with ctx.write_lock:
        save_orders(ctx.store, [order])
        update_order(ctx.store, "SP-ACT-1", "acknowledged", executed)
        update_order(ctx.store, "SP-ACT-1", "executed", executed, 1_000)
    return f"{C}/orders/SP-ACT-1/move", {"to": "released"}, executed + H / 2


def _move_stamps(con: Any, r: httpx.Response) -> list[dt.datetime]:
    assert r.json()["state"] == "released", r.text
    return [t for (t,) in con.execute("select \"at\" from order_events where order_id = "
                                      "'SP-ACT-1' and event = 'release'").fetchall()]  # fmt: skip


def _warn(client: TestClient, world: Any) -> tuple[str, dict[str, Any], dt.datetime]:
    """A warning decided two days ago, to dispatch; replayed an hour after its decision."""
    con = con_of(client)
    person = con.execute("select min(idno) from persons").fetchall()[0][0]
    decided = dt.datetime.now(dt.UTC).replace(microsecond=0) - 48 * H
    warning = Action(kind=WARNING, decided_at=decided, target=person, target_kind="idno",
                     msisdn="13800138000", addressee="desk", basis="early warning",
                     evidence="1 call from a flagged number", grade="medium",
                     channel="call_96110")  # fmt: skip
    log = ActionLog()
    log.extend([warning])
    assert load_warnings(con, log.table()) == 1
    return f"{C}/queues/warnings/{warning.action_id}", {"to": "dispatched"}, decided + H


def _warn_stamps(con: Any, r: httpx.Response) -> list[dt.datetime]:
    assert r.json()["state"] == "dispatched", r.text
    wid = r.json()["warning_id"]
    rows = con.execute(
        "select \"at\" from warning_events where warning_id = ? and seq = 2 union all "
        "select updated_at from warning_queue where warning_id = ?",
        [wid, wid]).fetchall()  # fmt: skip
    return [t for (t,) in rows]


def _after_feeds(client: TestClient) -> dt.datetime:
    """An hour after the store's latest event: a time a replayed city would act at."""
    from fraudlink.web.centre.clock import latest_event

    return latest_event(con_of(client)).replace(microsecond=0) + H


WRITES = [Write("issue", _issue, _issued_stamps), Write("block", _block, _block_stamps),
          Write("move", _move, _move_stamps), Write("warning", _warn, _warn_stamps)]  # fmt: skip
IDS = [w.name for w in WRITES]


def _refused_for_now(r: httpx.Response, field: str = "now") -> None:
    assert r.status_code == 422, r.text
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["query", field] and problem["type"] == "value_error"
    assert "server's clock stamps" in problem["msg"] and "--client-clock" in problem["msg"]
    assert repr(field) in problem["msg"]


@pytest.mark.parametrize("write", WRITES, ids=IDS)
def test_a_client_now_on_a_write_is_refused_and_the_server_clock_stamps_it(
    client: TestClient, login: Login, web_world: Any, write: Write
) -> None:
    url, body, when = write.prepare(client, web_world)
    who = login("supervisor")
    before = counts(client)
    for at in (when, dt.datetime.now(dt.UTC)):  # back-dated, or even the server's own time
        _refused_for_now(client.post(url, json=body, params={"now": at.isoformat()},
                                     headers=who))  # fmt: skip
        assert counts(client) == before  # no order, no step, no audit row of an action done
    start = dt.datetime.now(dt.UTC)
    r = client.post(url, json=body, headers=who)
    end = dt.datetime.now(dt.UTC)
    assert r.status_code in (200, 201), r.text
    stamps = write.stamps(con_of(client), r)
    assert stamps and all(start <= t <= end for t in stamps), (start, stamps, end)


@pytest.mark.client_clock
@pytest.mark.parametrize("write", WRITES, ids=IDS)
def test_a_server_replaying_a_city_stores_the_now_a_client_gives(
    client: TestClient, login: Login, web_world: Any, write: Write
) -> None:
    url, body, when = write.prepare(client, web_world)
    r = client.post(url, json=body, params={"now": when.isoformat()}, headers=login("supervisor"))
    assert r.status_code in (200, 201), r.text
    stamps = write.stamps(con_of(client), r)
    assert stamps and set(stamps) == {when}


def test_a_read_still_shows_timers_at_a_client_now_and_stores_nothing(
    client: TestClient, login: Login, web_world: Any
) -> None:
    _move(client, web_world)  # a stop executed an hour ago: 47 h left by the server's clock
    before = counts(client)
    later = (dt.datetime.now(dt.UTC) + 10 * H).isoformat()
    r = client.get(f"{C}/queues/orders", params={"now": later}, headers=login("analyst"))
    assert r.status_code == 200, r.text
    shown = {o["order_id"]: o for o in r.json()}["SP-ACT-1"]
    assert shown["state"] == "executed" and 36 * 3600 < shown["seconds_left"] <= 37 * 3600
    assert counts(client) == before


def test_the_api_document_says_which_now_is_refused(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()

    def now_help(path: str, method: str) -> str:
        (p,) = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == "now"]
        return str(p["description"])

    for path in (f"{C}/orders", f"{C}/orders/{{order_id}}/move", f"{C}/blocks",
                 f"{C}/queues/warnings/{{warning_id}}"):  # fmt: skip
        assert "--client-clock" in now_help(path, "post"), path
    assert "nothing is stored" in now_help(f"{C}/queues/orders", "get")


@pytest.fixture
def analyst(login: Login) -> dict[str, str]:
    """An analyst's Authorization header, logged in once per test."""
    return login("analyst")


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(at=st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2099, 12, 31),
                       timezones=st.sampled_from(ZONES)))  # fmt: skip
def test_no_client_instant_issues_an_order(client: TestClient, analyst: dict[str, str],
                                           at: dt.datetime) -> None:  # fmt: skip
    """Whatever instant a client gives, in any zone or none, nothing is stored (the store is
    shared by the examples: a refusal leaves it as it was)."""
    who = analyst
    before = counts(client)
    r = client.post(f"{C}/orders", params={"now": at.isoformat()},
                    json={"report_id": REPORT, "kind": "stop_payment"}, headers=who)  # fmt: skip
    _refused_for_now(r)
    assert counts(client) == before
