"""A member sees only its own orders and no other member's data, and every attempt is audited."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fraudlink.trace.engine import trace_all
from fraudlink.trace.order_rules import Order
from fraudlink.trace.orders import propose_stop_payments, save_orders
from fraudlink.web.audit import verify_chain

Login = Callable[[str], dict[str, str]]


def _hand_order(client: TestClient, inst: str, now: dt.datetime) -> Order:
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    account, name = con.execute(
        "select account, owner_name from bank_accounts where inst_id = ? order by account limit 1",
        [inst],
    ).fetchall()[0]
    return Order(order_id=f"SP-ISO-{account[-6:]}", kind="stop_payment", account=account,
                 inst_id=inst, addressee=inst, account_name=name, amount_fen=80_000,
                 report_ids=("R-ISO",), legal_basis="test", evidence={"victims": []},
                 checks={"account_number": account}, requested_at=now, priority=1.0)  # fmt: skip


@pytest.fixture
def orders(client: TestClient, web_world: Any) -> dict[str, Order]:
    """Orders of the served store: traced ones, plus one by hand where no trace lands."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    now = dt.datetime.now(dt.UTC)
    with ctx.write_lock:
        proposed = propose_stop_payments(ctx.store, trace_all(ctx.store).positions, now)
        mine = {o.inst_id: o for o in reversed(proposed)}
        for inst in (web_world.bank_a, web_world.bank_b):
            if inst not in mine:
                mine[inst] = _hand_order(client, inst, now)
        save_orders(ctx.store, [o for o in proposed if o.inst_id not in
                                (web_world.bank_a, web_world.bank_b)] +
                    [mine[web_world.bank_a], mine[web_world.bank_b]])  # fmt: skip
    return mine


def audit_entries(client: TestClient) -> list[dict[str, Any]]:
    """The whole audit log, oldest first."""
    cur = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    rows = cur.execute("select username, role, inst_id, action, target, outcome, detail "
                       "from audit_log order by seq").fetchall()  # fmt: skip
    keys = ("username", "role", "inst_id", "action", "target", "outcome", "detail")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def test_bank_asking_for_another_banks_order_gets_403_and_is_audited(
    client: TestClient, login: Login, web_world: Any, orders: dict[str, Order]
) -> None:
    theirs = orders[web_world.bank_a].order_id
    r = client.get(f"/api/v1/orders/{theirs}", headers=login("bank_b"))
    assert r.status_code == 403
    assert web_world.bank_a not in r.text  # the refusal does not say whose order it is
    denied = [e for e in audit_entries(client) if e["outcome"] == "denied"]
    assert len(denied) == 1
    entry = denied[0]
    assert (entry["username"], entry["role"], entry["inst_id"], entry["action"],
            entry["target"]) == ("bank_b", "bank", web_world.bank_b, "read.order", theirs)
    assert "not addressed to your institution" in json.loads(entry["detail"])["why"]
    assert verify_chain(client.app.state.ctx.cursor()).ok  # type: ignore[attr-defined]


def test_bank_asking_for_another_banks_order_list_gets_403_and_is_audited(
    client: TestClient, login: Login, web_world: Any, orders: dict[str, Order]
) -> None:
    r = client.get("/api/v1/orders", params={"inst": web_world.bank_a}, headers=login("bank_b"))
    assert r.status_code == 403
    denied = [e for e in audit_entries(client) if e["outcome"] == "denied"]
    assert [(e["username"], e["action"], e["target"]) for e in denied] == [
        ("bank_b", "read.orders", web_world.bank_a)]


def test_a_members_list_holds_only_its_own_orders(client: TestClient, login: Login,
                                                  web_world: Any, orders: dict[str, Order]
                                                  ) -> None:  # fmt: skip
    for user, inst in (("bank_a", web_world.bank_a), ("bank_b", web_world.bank_b)):
        listed = client.get("/api/v1/orders", headers=login(user)).json()
        assert listed and {o["inst_id"] for o in listed} == {inst}
    assert client.get("/api/v1/orders", headers=login("operator")).json() == []
    total = client.get("/api/v1/orders", headers=login("analyst")).json()
    assert {o["inst_id"] for o in total} >= {web_world.bank_a, web_world.bank_b}


def test_bank_cannot_answer_another_banks_order(client: TestClient, login: Login,
                                                web_world: Any, orders: dict[str, Order]
                                                ) -> None:  # fmt: skip
    theirs = orders[web_world.bank_a].order_id
    r = client.post(f"/api/v1/orders/{theirs}/answer", json={"answer": "acknowledged"},
                    headers=login("bank_b"))  # fmt: skip
    assert r.status_code == 403
    state = client.get(f"/api/v1/orders/{theirs}", headers=login("bank_a")).json()["state"]
    assert state == "requested"
    denied = [e for e in audit_entries(client) if e["outcome"] == "denied"]
    assert [(e["username"], e["action"], e["target"]) for e in denied] == [
        ("bank_b", "order.answer", theirs)]


def test_unknown_order_is_404_not_403(client: TestClient, login: Login,
                                      orders: dict[str, Order]) -> None:  # fmt: skip
    assert client.get("/api/v1/orders/SP-NOPE", headers=login("bank_b")).status_code == 404


def test_members_lookup_never_shows_hits_or_other_members(client: TestClient, login: Login,
                                                         web_world: Any) -> None:  # fmt: skip
    cur = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    flagged = cur.execute("select kind, value, inst_id from member_flags "
                          "where inst_id <> ? order by flag_id limit 5",
                          [web_world.operator]).fetchall()  # fmt: skip
    assert flagged
    for kind, value, inst in flagged:
        r = client.get("/api/v1/lookup", params={"q": value, "kind": kind},
                       headers=login("operator"))  # fmt: skip
        out = r.json()
        assert out["known"] and out["hits"] == []
        assert inst not in json.dumps(out)
        assert all(s["source"] in ("member", f"member:{web_world.operator}")
                   or not s["source"].startswith("member") for s in out["sources"])  # fmt: skip


def test_every_read_of_personal_data_is_audited(client: TestClient, login: Login,
                                                web_world: Any, orders: dict[str, Order]
                                                ) -> None:  # fmt: skip
    mine = orders[web_world.bank_b].order_id
    who = login("bank_b")
    client.get("/api/v1/orders", headers=who)
    client.get(f"/api/v1/orders/{mine}", headers=who)
    client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who)
    reads = [(e["action"], e["target"]) for e in audit_entries(client)
             if e["username"] == "bank_b" and e["action"].startswith("read.")]  # fmt: skip
    assert reads == [("read.orders", web_world.bank_b), ("read.order", mine),
                     ("read.lookup", "tel:+8613800138000")]  # fmt: skip
