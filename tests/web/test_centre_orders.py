"""The centre's own orders: number blocks (停机) to their operator; renewals and releases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from fraudlink.trace.engine import trace_report
from fraudlink.trace.order_rules import STOP, STOP_BASIS, STOP_HOLD, Order
from fraudlink.trace.order_store import expire_due, save_orders, update_order
from fraudlink.web import add_user
from fraudlink.web.centre.clock import latest_event

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
PASSWORD = "correct horse battery"  # as in conftest.py


def _number_of(client: TestClient, operator: str) -> str:
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return str(con.execute("select min(msisdn) from sim_cards where inst_id = ?",
                           [operator]).fetchall()[0][0])  # fmt: skip


def _audit(client: TestClient, action: str) -> list[tuple[Any, ...]]:
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return con.execute("select username, target, outcome from audit_log where action = ? "
                       "order by seq", [action]).fetchall()  # fmt: skip


def test_block_goes_to_the_issuing_operator_who_answers_it(
    client: TestClient, login: Login, web_world: Any
) -> None:
    number = _number_of(client, web_world.operator)
    r = client.post(f"{C}/blocks", json={"msisdn": f"+86 {number}", "reason": "SIM box"},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 201, r.text
    order = r.json()
    got = [order[k] for k in ("kind", "account", "inst_id", "amount_fen", "state")]
    assert got == ["number_block", number, web_world.operator, 0, "requested"]
    assert "反电信网络诈骗法" in order["legal_basis"]
    assert _audit(client, "order.issue") == [("analyst", number, "ok")]

    op = login("operator")
    assert [o["order_id"] for o in client.get("/api/v1/orders", headers=op).json()] == [
        order["order_id"]]  # fmt: skip
    assert client.get("/api/v1/orders", headers=login("bank_a")).json() == []
    oid = order["order_id"]
    url = f"/api/v1/orders/{oid}/answer"
    assert client.post(url, json={"answer": "acknowledged"}, headers=op).json()["state"] == (
        "acknowledged")  # fmt: skip
    done = client.post(url, json={"answer": "executed", "amount_fen": 0}, headers=op).json()
    assert done["state"] == "executed" and done["held_fen"] == 0
    assert client.post(url, json={"answer": "acknowledged"}, headers=op).status_code == 409
    queue = client.get(f"{C}/queues/orders", headers=login("analyst")).json()
    assert {o["order_id"]: o["state"] for o in queue}[oid] == "executed"
    dash = client.get(f"{C}/dashboard", headers=login("analyst")).json()
    assert dash["results"]["orders"]["number_block"] == 1


def test_another_operator_cannot_see_or_answer_the_block(
    client: TestClient, login: Login, web_world: Any
) -> None:
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    other = con.execute("select min(inst_id) from institutions where kind = 'operator' "
                        "and inst_id <> ?", [web_world.operator]).fetchall()[0][0]  # fmt: skip
    add_user(con, "operator_b", "operator", PASSWORD, other)
    number = _number_of(client, web_world.operator)
    oid = client.post(f"{C}/blocks", json={"msisdn": number, "reason": "SIM box"},
                      headers=login("supervisor")).json()["order_id"]  # fmt: skip
    them = login("operator_b")
    assert client.get(f"/api/v1/orders/{oid}", headers=them).status_code == 403
    r = client.post(f"/api/v1/orders/{oid}/answer", json={"answer": "acknowledged"}, headers=them)
    assert r.status_code == 403
    assert [
        (u, o)
        for u, _, o in _audit(client, "read.order") + _audit(client, "order.answer")
        if u == "operator_b"
    ] == [("operator_b", "denied"), ("operator_b", "denied")]


def test_block_refusals(client: TestClient, login: Login, web_world: Any) -> None:
    who = login("analyst")
    bad = client.post(f"{C}/blocks", json={"msisdn": "12345", "reason": "x"}, headers=who)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "msisdn"]
    nobody = client.post(f"{C}/blocks", json={"msisdn": "19999999999", "reason": "x"},
                         headers=who)  # fmt: skip
    assert nobody.status_code == 404 and "no operator" in nobody.json()["detail"]
    number = _number_of(client, web_world.operator)
    assert client.post(f"{C}/blocks", json={"msisdn": number, "reason": "x"},
                       headers=who).status_code == 201  # fmt: skip
    again = client.post(f"{C}/blocks", json={"msisdn": number, "reason": "x"}, headers=who)
    assert again.status_code == 409
    member = client.post(f"{C}/blocks", json={"msisdn": number, "reason": "x"},
                         headers=login("operator"))  # fmt: skip
    assert member.status_code == 403


def test_blank_grounds_are_refused_on_the_field(client: TestClient, login: Login,
                                                web_world: Any) -> None:  # fmt: skip
    number = _number_of(client, web_world.operator)
    for reason in ("   ", "\t\n"):
        r = client.post(f"{C}/blocks", json={"msisdn": number, "reason": reason},
                        headers=login("analyst"))  # fmt: skip
        assert r.status_code == 422, r.text
        (problem,) = r.json()["detail"]
        assert problem["loc"] == ["body", "reason"] and "blank" in problem["msg"]
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select count(*) from orders").fetchall()[0][0] == 0
    ok = client.post(f"{C}/blocks", json={"msisdn": number, "reason": "  SIM box  "},
                     headers=login("analyst"))  # fmt: skip
    assert ok.status_code == 201 and ok.json()["evidence"]["reason"] == "SIM box"


def test_a_second_block_names_the_live_block_and_calls_it_a_number(
    client: TestClient, login: Login, web_world: Any
) -> None:
    who = login("analyst")
    number = _number_of(client, web_world.operator)
    first = client.post(f"{C}/blocks", json={"msisdn": number, "reason": "SIM box"}, headers=who)
    assert first.status_code == 201
    live = first.json()["order_id"]
    again = client.post(f"{C}/blocks", json={"msisdn": number, "reason": "again"}, headers=who)
    assert again.status_code == 409
    why = again.json()["detail"]
    assert why == f"number {number} already has a live number block order, {live}"
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert [r[0] for r in con.execute("select order_id from orders").fetchall()] == [live]


def test_centre_renews_a_stop_twice_then_is_refused_and_releases(
    client: TestClient, login: Login, web_world: Any
) -> None:
    import datetime as dt

    from fraudlink.trace.order_rules import STOP_BASIS, Order
    from fraudlink.trace.order_store import save_orders, update_order

    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    con = ctx.cursor()
    account = con.execute("select min(account) from bank_accounts where inst_id = ?",
                          [web_world.bank_a]).fetchall()[0][0]  # fmt: skip
    t0 = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    order = Order("SP-TEST-1", "stop_payment", account, web_world.bank_a, "Bank A", "张三", 5000,
                  ("R1",), STOP_BASIS, {}, {}, t0, 1.0)  # fmt: skip
    with ctx.write_lock:
        save_orders(ctx.store, [order])
        update_order(ctx.store, "SP-TEST-1", "acknowledged", t0)
    who = login("analyst")
    url = f"{C}/orders/SP-TEST-1/move"
    # Acknowledged only: the stop has not taken effect, so there is no timer to renew.
    early = client.post(url, json={"to": "renewed"}, headers=who)
    assert early.status_code == 409 and "48 h run from execution" in early.json()["detail"]
    executed_at = t0 + dt.timedelta(minutes=30)
    with ctx.write_lock:
        update_order(ctx.store, "SP-TEST-1", "executed", executed_at, 5000)
    first = client.post(url, json={"to": "renewed", "note": "victim's case opened"}, headers=who)
    assert first.status_code == 200 and first.json()["renewals"] == 1
    renewed_to = dt.datetime.fromisoformat(first.json()["expires_at"])
    assert renewed_to == executed_at + 2 * STOP_HOLD  # 48 h from execution, then 48 h more
    assert client.post(url, json={"to": "renewed"}, headers=who).json()["renewals"] == 2
    third = client.post(url, json={"to": "renewed"}, headers=who)
    assert third.status_code == 409 and "already renewed 2 times" in third.json()["detail"]
    assert (
        client.post(f"{C}/orders/NOPE/move", json={"to": "renewed"}, headers=who).status_code == 404
    )
    assert client.post(url, json={"to": "renewed"}, headers=login("bank_a")).status_code == 403
    events = [e["event"] for e in first.json()["history"]]
    assert events == ["request", "acknowledge", "execute", "renew"]
    released = client.post(url, json={"to": "released"}, headers=who)
    assert released.status_code == 200 and released.json()["state"] == "released"
    assert [o for _, _, o in _audit(client, "order.move")] == [
        "refused", "ok", "ok", "refused", "ok"]  # fmt: skip


def test_a_freeze_on_an_account_no_case_confirms_is_refused(
    client: TestClient, login: Login
) -> None:
    report = "R2026030200001"  # the tiny world's first report: its first-level card is confirmed
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.write_lock:
        result = trace_report(ctx.store, report, as_of=latest_event(ctx.store.con))
    held = {p["account"] for p in result.positions_of(report).to_pylist() if p["amount_fen"] > 0}
    confirmed = {r[0] for r in con.execute(
        "select value from case_confirmations where kind = 'account'").fetchall()}  # fmt: skip
    unconfirmed = sorted(held - confirmed)
    assert unconfirmed, "the tiny world's report should reach an account no case confirms"
    asked = [*sorted(held & confirmed), unconfirmed[0]]
    r = client.post(f"{C}/orders", json={"report_id": report, "kind": "freeze",
                                         "accounts": asked},
                    headers=login("supervisor"))  # fmt: skip
    assert r.status_code == 422, r.text
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["body", "accounts", len(asked) - 1]
    assert unconfirmed[0] in problem["msg"] and "case" in problem["msg"]
    assert con.execute("select count(*) from orders").fetchall()[0][0] == 0


def test_no_new_stop_where_the_victims_stop_was_renewed_twice_and_expired(
    client: TestClient, login: Login
) -> None:
    report = "R2026030200001"
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    con = ctx.cursor()
    with ctx.write_lock:
        result = trace_report(ctx.store, report, as_of=latest_event(ctx.store.con))
    held = sorted({p["account"] for p in result.positions_of(report).to_pylist()
                   if p["amount_fen"] > 0})  # fmt: skip
    assert len(held) >= 2, "the test needs the victim's money on two accounts"
    spent_on = held[0]
    inst = con.execute("select inst_id from bank_accounts where account = ?",
                       [spent_on]).fetchall()[0][0]  # fmt: skip
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    old = Order("SP-OLD-1", STOP, spent_on, inst, "bank", "张三", 5000, (report,), STOP_BASIS,
                {}, {}, t0, 1.0)  # fmt: skip
    with ctx.write_lock:
        save_orders(ctx.store, [old])
        update_order(ctx.store, old.order_id, "acknowledged", t0)
        update_order(ctx.store, old.order_id, "executed", t0 + dt.timedelta(minutes=30), 5000)
        update_order(ctx.store, old.order_id, "renewed", t0 + dt.timedelta(hours=1))
        update_order(ctx.store, old.order_id, "renewed", t0 + dt.timedelta(hours=2))
        assert expire_due(ctx.store, t0 + 4 * STOP_HOLD) == [old.order_id]
    who = login("analyst")
    asked = client.post(f"{C}/orders", json={"report_id": report, "kind": "stop_payment",
                                             "accounts": [spent_on]}, headers=who)  # fmt: skip
    assert asked.status_code == 409, asked.text
    assert "SP-OLD-1" in asked.json()["detail"] and "freeze" in asked.json()["detail"]
    r = client.post(f"{C}/orders", json={"report_id": report, "kind": "stop_payment"},
                    headers=who)  # fmt: skip
    assert r.status_code == 201, r.text
    accounts = {o["account"] for o in r.json()}
    assert spent_on not in accounts and accounts
