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


# -- pushes: a member sends only rows about what it issued ---------------------------------------

T0 = "2026-03-05T10:00:00+08:00"


def _issued(client: TestClient, sql: str, params: list[Any]) -> list[str]:
    cur = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return [r[0] for r in cur.execute(sql, params).fetchall()]


def _accounts(client: TestClient, inst: str, other: bool = False) -> list[str]:
    """Two accounts `inst` issued, or (other) two a bank other than `inst` issued."""
    return _issued(client, "select account from bank_accounts where (inst_id = ?) <> ? "
                   "and inst_id in (select inst_id from institutions where kind = 'bank') "
                   "order by account limit 2", [inst, other])  # fmt: skip


def _numbers(client: TestClient, inst: str, other: bool = False) -> list[str]:
    """Two numbers operator `inst` issued, or (other) two another operator issued."""
    return _issued(client, "select msisdn from sim_cards where (inst_id = ?) <> ? "
                   "order by msisdn limit 2", [inst, other])  # fmt: skip


def _push(client: TestClient, who: dict[str, str], feed: str, rows: list[dict[str, Any]]) -> Any:
    return client.post(f"/api/v1/feeds/{feed}", json={"rows": rows}, headers=who)


def _count(client: TestClient, sql: str) -> int:
    cur = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return int(cur.execute(sql).fetchall()[0][0])


def _txn(txn_id: int, src: str | None, dst: str | None) -> dict[str, Any]:
    return {"txn_id": txn_id, "time": T0, "from_account": src, "to_account": dst,
            "amount_fen": 10_000, "channel": "transfer"}  # fmt: skip


def test_a_bank_pushes_its_outgoing_and_incoming_payments(client: TestClient, login: Login,
                                                          web_world: Any) -> None:  # fmt: skip
    mine, theirs = _accounts(client, web_world.bank_b), _accounts(client, web_world.bank_b, True)
    rows = [_txn(9_100_001, mine[0], theirs[0]), _txn(9_100_002, theirs[1], mine[1]),
            _txn(9_100_003, mine[0], None)]  # fmt: skip
    r = _push(client, login("bank_b"), "transactions", rows)
    assert r.status_code == 200 and r.json()["accepted"] == 3, r.text


def test_a_bank_cannot_push_a_payment_between_other_banks_accounts(
    client: TestClient, login: Login, web_world: Any
) -> None:
    mine, theirs = _accounts(client, web_world.bank_b), _accounts(client, web_world.bank_b, True)
    rows = [_txn(9_100_011, mine[0], theirs[0]), _txn(9_100_012, theirs[0], theirs[1]),
            _txn(9_100_013, f"{theirs[0][:4]} {theirs[0][4:]}", None)]  # fmt: skip
    r = _push(client, login("bank_b"), "transactions", rows)
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert detail.startswith("row 1, from_account or to_account: neither is an account "
                             f"{web_world.bank_b} issues")  # fmt: skip
    assert "; row 2, from_account or to_account:" in detail and "row 0" not in detail
    # All or nothing: the push's own row is not stored either.
    assert _count(client, "select count(*) from transactions where txn_id > 9100010") == 0
    assert [(e["action"], e["target"], e["outcome"]) for e in audit_entries(client)
            if e["action"] == "feed.push"] == [("feed.push", "transactions", "denied")]  # fmt: skip


def test_an_operator_cannot_push_calls_between_other_operators_numbers(
    client: TestClient, login: Login, web_world: Any
) -> None:
    mine, theirs = _numbers(client, web_world.operator), _numbers(client, web_world.operator, True)
    call = {"time": T0, "kind": "call", "duration_s": 30, "cell_id": "C1"}
    rows = [{**call, "call_id": 9_100_021, "caller": theirs[0], "callee": mine[0]},
            {**call, "call_id": 9_100_022, "caller": theirs[0], "callee": theirs[1]}]  # fmt: skip
    who = login("operator")
    r = _push(client, who, "calls", rows)
    assert r.status_code == 403
    assert r.json()["detail"].startswith("row 1, caller or callee: neither is a number "
                                         f"{web_world.operator} issues")  # fmt: skip
    assert _count(client, "select count(*) from calls where call_id > 9100020") == 0
    r = _push(client, who, "calls", rows[:1])
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_a_registration_must_carry_the_members_prefix(client: TestClient, login: Login,
                                                      web_world: Any) -> None:  # fmt: skip
    bank, operator = web_world.bank_b, web_world.operator
    cur = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    account = cur.execute("select * from bank_accounts where inst_id = ? limit 1", [bank])
    names = [d[0] for d in account.description]
    row = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
           for k, v in zip(names, account.fetchall()[0], strict=True) if k != "ingest_id"}
    foreign = _accounts(client, bank, True)[0]
    r = _push(client, login("bank_b"), "bank_accounts", [{**row, "account": foreign}])
    assert r.status_code == 403
    assert r.json()["detail"].startswith(f"row 0, account: not an account {bank} issues")
    sim = {"msisdn": _numbers(client, operator, True)[0], "inst_id": operator,
           "owner_idno": row["owner_idno"], "registered_at": T0}  # fmt: skip
    r = _push(client, login("operator"), "sim_cards", [sim])
    assert r.status_code == 403
    assert r.json()["detail"].startswith(f"row 0, msisdn: not a number {operator} issues")
    assert _count(client, f"select count(*) from bank_accounts where account = '{foreign}' "
                          f"and inst_id = '{bank}'") == 0  # fmt: skip


def test_a_bank_pushes_logins_only_to_its_own_accounts(client: TestClient, login: Login,
                                                       web_world: Any) -> None:  # fmt: skip
    bank = web_world.bank_b
    base = {"time": T0, "device_imei": "490154203237518", "ip": "10.1.2.3"}
    rows = [{**base, "login_id": 9_100_031, "account": _accounts(client, bank)[0],
             "account_kind": "bank"},
            {**base, "login_id": 9_100_032, "account": _accounts(client, bank, True)[0],
             "account_kind": "bank"},
            {**base, "login_id": 9_100_033, "account": "wx_someone", "account_kind": "platform"},
            {**base, "login_id": 9_100_034, "account": "somewhere", "account_kind": "bank"}]
    r = _push(client, login("bank_b"), "logins", rows)
    assert r.status_code == 403
    assert [part.split(":")[0] for part in r.json()["detail"].split("; ")] == [
        "row 1, account", "row 2, account_kind", "row 3, account"]
    assert _push(client, login("bank_b"), "logins", rows[:1]).status_code == 200
