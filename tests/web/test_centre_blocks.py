"""Number blocks (停机): issued by the centre, seen and answered only by the issuing operator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from fraudlink.web import add_user

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
