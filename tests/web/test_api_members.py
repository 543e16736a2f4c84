"""The member API: feed pushes, suspects, rapid comparison, and orders received and answered."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fraudlink.trace.engine import trace_all
from fraudlink.trace.order_rules import STOP_HOLD, Order
from fraudlink.trace.order_store import update_order
from fraudlink.trace.orders import propose_stop_payments, save_orders
from fraudlink.web.audit import AuditLog, verify_chain
from fraudlink.web.users import Principal

Login = Callable[[str], dict[str, str]]

ROUTES = [
    ("post", "/api/v1/feeds/transactions", {"rows": [{"txn_id": 1}]}),
    ("post", "/api/v1/suspects",
     {"kind": "phone", "value": "13800138000", "confidence": 0.5, "reason": "x"}),
    ("get", "/api/v1/lookup?q=13800138000", None),
    ("get", "/api/v1/orders", None),
    ("get", "/api/v1/orders/SP-1", None),
    ("post", "/api/v1/orders/SP-1/answer", {"answer": "acknowledged"}),
]


def hand_order(client: TestClient, inst: str, now: dt.datetime) -> Order:
    """A stop-payment order for an account of `inst`, built by hand (no trace lands there)."""
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    account, name = con.execute(
        "select account, owner_name from bank_accounts where inst_id = ? order by account limit 1",
        [inst],
    ).fetchall()[0]
    return Order(order_id=f"SP-TEST-{inst}", kind="stop_payment", account=account, inst_id=inst,
                 addressee=inst, account_name=name, amount_fen=50_000, report_ids=("R-TEST",),
                 legal_basis="test", evidence={"victims": []},
                 checks={"account_name": name, "account_number": account, "amount_fen": 50_000},
                 requested_at=now, priority=1.0)  # fmt: skip


def seed_orders(client: TestClient, insts: tuple[str, ...]) -> dict[str, Order]:
    """One saved order per institution: traced where tracing reaches it, else built by hand."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    now = dt.datetime.now(dt.UTC)
    with ctx.write_lock:
        proposed = propose_stop_payments(ctx.store, trace_all(ctx.store).positions, now)
        picked = {}
        for inst in insts:
            mine = [o for o in proposed if o.inst_id == inst]
            picked[inst] = mine[0] if mine else hand_order(client, inst, now)
        save_orders(ctx.store, list(picked.values()))
    return picked


def audit_rows(client: TestClient, action: str) -> list[tuple[Any, ...]]:
    """(username, target, outcome, detail) of the audit entries of one action."""
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return con.execute("select username, target, outcome, detail from audit_log "
                       "where action = ? order by seq", [action]).fetchall()  # fmt: skip


def loc_of(r: Any) -> list[list[Any]]:
    """The places a 422 names."""
    assert r.status_code == 422, r.text
    return [e["loc"] for e in r.json()["detail"]]


@pytest.fixture
def orders(client: TestClient, web_world: Any) -> dict[str, Order]:
    """An order addressed to bank_a's institution and one to bank_b's."""
    return seed_orders(client, (web_world.bank_a, web_world.bank_b))


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_needs_a_valid_token(client: TestClient, method: str, path: str,
                                         body: Any) -> None:  # fmt: skip
    assert client.request(method, path, json=body).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.request(method, path, json=body, headers=bad).status_code == 401


# -- rapid comparison ---------------------------------------------------------------------------


def known_account(client: TestClient) -> str:
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return str(con.execute("select min(value) from case_confirmations "
                           "where kind = 'account'").fetchall()[0][0])  # fmt: skip


def test_lookup_gives_centre_the_hits_and_members_counts(client: TestClient, login: Login,
                                                         web_world: Any) -> None:  # fmt: skip
    account = known_account(client)
    centre = client.get("/api/v1/lookup", params={"q": account}, headers=login("analyst")).json()
    assert centre["known"] and centre["kind"] == "account"
    assert centre["node_id"] == f"card:{account}"
    assert centre["risk"] == "high"  # confirmed in a case
    assert centre["hits"] and all(h["value"] == account for h in centre["hits"])
    bank = client.get("/api/v1/lookup", params={"q": account}, headers=login("bank_a")).json()
    assert bank["hits"] == [] and bank["risk"] == "high"
    # A member sees which kinds of source know it; another member's name is withheld.
    assert all(s["source"] != "member:" + web_world.bank_b for s in bank["sources"])
    assert sum(s["count"] for s in bank["sources"]) == len(centre["hits"])
    assert [r[:3] for r in audit_rows(client, "read.lookup")] == [
        ("analyst", f"card:{account}", "ok"), ("bank_a", f"card:{account}", "ok")]


def test_lookup_of_an_unknown_number(client: TestClient, login: Login) -> None:
    r = client.get("/api/v1/lookup", params={"q": "+86 138-0013-8000"}, headers=login("bank_b"))
    assert r.status_code == 200
    out = r.json()
    assert (out["kind"], out["node_id"], out["known"], out["risk"]) == (
        "phone", "tel:+8613800138000", False, "none")
    assert out["sources"] == [] and out["hits"] == []


def test_lookup_refuses_what_is_not_an_identifier(client: TestClient, login: Login) -> None:
    who = login("bank_a")
    assert loc_of(client.get("/api/v1/lookup", params={"q": "hello there"}, headers=who)) == [
        ["query", "q"]]
    r = client.get("/api/v1/lookup", params={"q": "13800138000", "kind": "idno"}, headers=who)
    assert loc_of(r) == [["query", "q"]]
    r = client.get("/api/v1/lookup", params={"q": "13800138000", "kind": "car"}, headers=who)
    assert loc_of(r) == [["query", "kind"]]
    assert loc_of(client.get("/api/v1/lookup", headers=who)) == [["query", "q"]]


# -- suspects -----------------------------------------------------------------------------------


def test_member_submits_a_suspect_and_lookup_sees_it(client: TestClient, login: Login,
                                                     web_world: Any) -> None:  # fmt: skip
    who = login("bank_a")
    body = {"kind": "phone", "value": "+86 138 0013 8000", "confidence": 0.95,
            "reason": "many small transfers in"}  # fmt: skip
    r = client.post("/api/v1/suspects", json=body, headers=who)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] and out["value"] == "13800138000"
    assert out["node_id"] == "tel:+8613800138000"
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select inst_id, kind, value, confidence from member_flags "
                       "where flag_id = ?", [out["flag_id"]]).fetchall() == [
        (web_world.bank_a, "phone", "13800138000", 0.95)]  # fmt: skip
    seen = client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who).json()
    assert seen["known"] and seen["risk"] == "high"
    assert seen["sources"] == [{"source": f"member:{web_world.bank_a}", "count": 1}]
    # Another member learns that a member flagged it, not which one.
    other = client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=login("bank_b"))
    assert other.json()["sources"] == [{"source": "member", "count": 1}]
    assert [r[:3] for r in audit_rows(client, "suspect.submit")] == [
        ("bank_a", "tel:+8613800138000", "ok")]


def test_suspect_refusals(client: TestClient, login: Login) -> None:
    who = login("operator")
    good = {"kind": "account", "value": "6222020939431209955", "confidence": 0.5, "reason": "r"}
    assert loc_of(client.post("/api/v1/suspects", json={**good, "value": "12345"},
                              headers=who)) == [["body", "value"]]  # fmt: skip
    assert loc_of(client.post("/api/v1/suspects", json={**good, "confidence": 1.5},
                              headers=who)) == [["body", "confidence"]]  # fmt: skip
    assert loc_of(client.post("/api/v1/suspects", json={**good, "kind": "email"},
                              headers=who)) == [["body", "kind"]]  # fmt: skip
    r = client.post("/api/v1/suspects", json=good, headers=login("analyst"))
    assert r.status_code == 403
    assert audit_rows(client, "POST /api/v1/suspects")[0][:3] == (
        "analyst", "/api/v1/suspects", "denied")
    assert client.post("/api/v1/suspects", json=good, headers=who).status_code == 200


# -- feed pushes --------------------------------------------------------------------------------


def own_account(client: TestClient, inst: str) -> str:
    """An account the institution issued: a member pushes only rows of its own."""
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    return str(con.execute("select min(account) from bank_accounts where inst_id = ?",
                           [inst]).fetchall()[0][0])  # fmt: skip


def txn(txn_id: int, amount: int, from_account: str) -> dict[str, Any]:
    return {"txn_id": txn_id, "time": "2026-03-05T10:00:00+08:00", "from_account": from_account,
            "to_account": None, "amount_fen": amount, "channel": "atm_cash_out"}  # fmt: skip


def test_push_goes_through_ingest_with_quarantine(client: TestClient, login: Login,
                                                 web_world: Any) -> None:  # fmt: skip
    who = login("bank_b")
    account = own_account(client, web_world.bank_b)
    rows = [txn(9_000_001, 120_000, account), txn(9_000_002, -5, account),
            txn(9_000_003, 100, "not-a-card")]  # fmt: skip
    r = client.post("/api/v1/feeds/transactions", json={"rows": rows}, headers=who)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["received"], out["accepted"], out["duplicate"], out["quarantined"]) == (3, 1, 0, 2)
    assert [(p["row"], p["field"]) for p in out["problems"]] == [
        (1, "amount_fen"), (2, "from_account")]
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select amount_fen, time from transactions where txn_id = 9000001"
                       ).fetchall()[0] == (120_000, dt.datetime(2026, 3, 5, 2, tzinfo=dt.UTC))
    assert con.execute("select count(*) from quarantine q join ingest_log l using (ingest_id) "
                       "where l.feed = 'transactions' and q.row_number in (2, 3) "
                       "and l.rows_loaded = 1").fetchall()[0][0] == 2  # fmt: skip
    again = client.post("/api/v1/feeds/transactions", json={"rows": rows[:1]}, headers=who)
    assert (again.json()["accepted"], again.json()["duplicate"]) == (0, 1)
    assert [a[:3] for a in audit_rows(client, "feed.push")] == [
        ("bank_b", "transactions", "ok"), ("bank_b", "transactions", "ok")]


def test_push_missing_a_column_is_refused_naming_it(client: TestClient, login: Login,
                                                   web_world: Any) -> None:  # fmt: skip
    account = own_account(client, web_world.bank_a)
    rows = [{k: v for k, v in txn(9_000_010, 5, account).items() if k != "time"}]
    r = client.post("/api/v1/feeds/transactions", json={"rows": rows}, headers=login("bank_a"))
    assert loc_of(r) == [["body", "rows", 0, "time"]]
    assert loc_of(client.post("/api/v1/feeds/transactions", json={"rows": []},
                              headers=login("bank_a"))) == [["body", "rows"]]  # fmt: skip


def test_push_fills_and_checks_the_institution(client: TestClient, login: Login,
                                               web_world: Any) -> None:  # fmt: skip
    who = login("bank_a")
    flag = {"flagged_at": "2026-03-05T10:00:00Z", "kind": "phone", "value": "13800138000",
            "confidence": 0.7, "reason": "r"}  # fmt: skip
    r = client.post("/api/v1/feeds/member_flags", json={"rows": [flag]}, headers=who)
    assert r.status_code == 200 and r.json()["accepted"] == 1
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    before = con.execute("select count(*) from member_flags").fetchall()[0][0]
    foreign = [flag, {**flag, "inst_id": web_world.bank_b}]
    r = client.post("/api/v1/feeds/member_flags", json={"rows": foreign}, headers=who)
    assert r.status_code == 403 and r.json()["detail"].startswith("row 1, inst_id:")
    assert con.execute("select count(*) from member_flags").fetchall()[0][0] == before
    assert audit_rows(client, "feed.push")[-1][:3] == ("bank_a", "member_flags", "denied")
    r = client.post("/api/v1/feeds/member_flags", json={"rows": [{**flag, "flag_id": 7}]},
                    headers=who)  # fmt: skip
    assert loc_of(r) == [["body", "rows", 0, "flag_id"]]


def test_push_of_a_feed_the_role_does_not_send(client: TestClient, login: Login) -> None:
    rows = {"rows": [{"call_id": 1}]}
    r = client.post("/api/v1/feeds/calls", json=rows, headers=login("bank_a"))
    assert r.status_code == 403
    assert audit_rows(client, "feed.push") == [
        ("bank_a", "calls", "denied", '{"why": "a bank member may not push calls"}')]
    assert client.post("/api/v1/feeds/victim_reports", json=rows,
                       headers=login("operator")).status_code == 403  # fmt: skip
    assert client.post("/api/v1/feeds/nope", json=rows, headers=login("bank_a")).status_code == 404
    assert client.post("/api/v1/feeds/calls", json=rows,
                       headers=login("analyst")).status_code == 403  # fmt: skip


# -- orders -------------------------------------------------------------------------------------


def test_member_lists_its_own_orders(client: TestClient, login: Login, web_world: Any,
                                     orders: dict[str, Order]) -> None:  # fmt: skip
    mine = client.get("/api/v1/orders", headers=login("bank_b")).json()
    assert [o["order_id"] for o in mine] == [orders[web_world.bank_b].order_id]
    assert mine[0]["history"] is None and isinstance(mine[0]["evidence"], dict)
    everything = client.get("/api/v1/orders", headers=login("analyst")).json()
    assert {o["order_id"] for o in everything} == {o.order_id for o in orders.values()}
    only_a = client.get("/api/v1/orders", params={"inst": web_world.bank_a},
                        headers=login("supervisor")).json()  # fmt: skip
    assert [o["inst_id"] for o in only_a] == [web_world.bank_a]
    none = client.get("/api/v1/orders", params={"state": "executed"}, headers=login("bank_b"))
    assert none.json() == []
    assert loc_of(client.get("/api/v1/orders", params={"state": "lost"},
                             headers=login("bank_b"))) == [["query", "state"]]  # fmt: skip
    assert audit_rows(client, "read.orders")[0][:3] == (
        "bank_b", web_world.bank_b, "ok")


def test_order_with_its_history(client: TestClient, login: Login, web_world: Any,
                                orders: dict[str, Order]) -> None:  # fmt: skip
    order = orders[web_world.bank_b]
    r = client.get(f"/api/v1/orders/{order.order_id}", headers=login("bank_b"))
    assert r.status_code == 200
    out = r.json()
    assert out["amount_fen"] == order.amount_fen and out["state"] == "requested"
    assert [(e["seq"], e["event"], e["state"]) for e in out["history"]] == [
        (1, "request", "requested")]
    assert out["requested_at"].endswith("Z")
    assert client.get("/api/v1/orders/SP-NONE", headers=login("bank_b")).status_code == 404
    assert audit_rows(client, "read.order")[0][:3] == ("bank_b", order.order_id, "ok")


def test_member_answers_acknowledged_then_executed(client: TestClient, login: Login,
                                                   web_world: Any,
                                                   orders: dict[str, Order]) -> None:  # fmt: skip
    who, order = login("bank_b"), orders[web_world.bank_b]
    url = f"/api/v1/orders/{order.order_id}/answer"
    early = client.post(url, json={"answer": "executed", "amount_fen": 1}, headers=who)
    assert early.status_code == 409 and "cannot go from requested to executed" in early.text
    ack = client.post(url, json={"answer": "acknowledged"}, headers=who)
    assert ack.status_code == 200, ack.text
    assert ack.json()["state"] == "acknowledged"
    # Acknowledged is not in effect: no timer runs until the bank executes the stop.
    assert (ack.json()["seconds_left"], ack.json()["expires_at"]) == (None, None)
    assert ack.json()["awaiting"] == "execution"
    too_much = client.post(url, json={"answer": "executed", "amount_fen": order.amount_fen + 1},
                           headers=who)  # fmt: skip
    assert too_much.status_code == 409 and "outside" in too_much.text
    held = order.amount_fen // 2
    done = client.post(url, json={"answer": "executed", "amount_fen": held,
                                  "reason": "balance was lower"}, headers=who)  # fmt: skip
    assert done.status_code == 200
    out = done.json()
    assert (out["state"], out["held_fen"]) == ("executed", held)
    assert out["awaiting"] is None and 47 * 3600 < out["seconds_left"] <= 48 * 3600
    assert [(e["event"], e["amount_fen"], e["note"]) for e in out["history"][1:]] == [
        ("acknowledge", None, ""), ("execute", held, "balance was lower")]
    assert [a[2] for a in audit_rows(client, "order.answer")] == [
        "refused", "ok", "refused", "ok"]
    assert verify_chain(client.app.state.ctx.cursor()).ok  # type: ignore[attr-defined]


def test_a_stop_executed_later_than_acknowledged_runs_48_hours_from_execution(
    client: TestClient, login: Login, web_world: Any
) -> None:
    """The bank took the stop in nine hours ago and executes it now: its 48 h start now."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    start = dt.datetime.now(dt.UTC)
    order = hand_order(client, web_world.bank_b, start - dt.timedelta(hours=10))
    with ctx.write_lock:
        save_orders(ctx.store, [order])
        update_order(ctx.store, order.order_id, "acknowledged", start - dt.timedelta(hours=9))
    who = login("bank_b")
    url = f"/api/v1/orders/{order.order_id}"
    waiting = client.get(url, headers=who).json()
    assert (waiting["state"], waiting["awaiting"], waiting["expires_at"]) == (
        "acknowledged", "execution", None)  # fmt: skip
    # Renewal is the centre's, and only of an executed stop: the bank may not ask for one.
    assert client.post(f"{url}/answer", json={"answer": "renewed"}, headers=who).status_code == 422
    done = client.post(f"{url}/answer", json={"answer": "executed", "amount_fen": 1_000},
                       headers=who)  # fmt: skip
    end = dt.datetime.now(dt.UTC)
    assert done.status_code == 200, done.text
    for shown in (done.json(), client.get(url, headers=who).json()):
        took = dt.datetime.fromisoformat(shown["takes_effect_at"])
        expires = dt.datetime.fromisoformat(shown["expires_at"])
        assert start <= took <= end and expires == took + STOP_HOLD
        assert (STOP_HOLD - (end - start)).total_seconds() - 1 <= shown["seconds_left"] <= (
            STOP_HOLD.total_seconds())  # fmt: skip
        assert shown["history"][-1]["event"] == "execute"
        assert dt.datetime.fromisoformat(shown["history"][-1]["expires_at"]) == expires


def test_member_rejects_with_a_reason(client: TestClient, login: Login, web_world: Any,
                                      orders: dict[str, Order]) -> None:  # fmt: skip
    who, order = login("bank_a"), orders[web_world.bank_a]
    url = f"/api/v1/orders/{order.order_id}/answer"
    assert client.post(url, json={"answer": "acknowledged"}, headers=who).status_code == 200
    assert loc_of(client.post(url, json={"answer": "rejected"}, headers=who)) == [
        ["body", "reason"]]
    assert loc_of(client.post(url, json={"answer": "executed"}, headers=who)) == [
        ["body", "amount_fen"]]
    assert loc_of(client.post(url, json={"answer": "rejected", "amount_fen": 5, "reason": "x"},
                              headers=who)) == [["body", "amount_fen"]]  # fmt: skip
    assert loc_of(client.post(url, json={"answer": "renewed"}, headers=who)) == [
        ["body", "answer"]]
    r = client.post(url, json={"answer": "rejected", "reason": "name does not match"}, headers=who)
    assert r.status_code == 200
    assert r.json()["state"] == "rejected"
    assert r.json()["history"][-1]["note"] == "name does not match"
    again = client.post(url, json={"answer": "acknowledged"}, headers=who)
    assert again.status_code == 409 and "the order is closed" in again.json()["detail"]


def test_only_the_addressee_answers(client: TestClient, login: Login, web_world: Any,
                                    orders: dict[str, Order]) -> None:  # fmt: skip
    order = orders[web_world.bank_b]
    url = f"/api/v1/orders/{order.order_id}/answer"
    assert client.post(url, json={"answer": "acknowledged"},
                       headers=login("analyst")).status_code == 403  # fmt: skip
    assert client.post("/api/v1/orders/SP-NONE/answer", json={"answer": "acknowledged"},
                       headers=login("bank_b")).status_code == 404  # fmt: skip


# -- under load ---------------------------------------------------------------------------------


def test_concurrent_audit_appends_form_one_chain(client: TestClient) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    log: AuditLog = ctx.audit
    who = Principal("bank_a", "bank", "X")
    with ThreadPoolExecutor(16) as pool:
        seqs = list(pool.map(lambda i: log.append(who, "read.lookup", f"t{i}"), range(400)))
    assert sorted(seqs) == list(range(min(seqs), min(seqs) + 400))  # no gap, no repeat
    check = verify_chain(ctx.cursor())
    assert check.ok and check.entries >= 400


def test_async_appends_share_inserts_and_form_one_chain(client: TestClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    log: AuditLog = ctx.audit
    batches: list[int] = []
    insert = log._insert
    monkeypatch.setattr(log, "_insert", lambda rows: (batches.append(len(rows)), insert(rows)))
    who = Principal("bank_a", "bank", "X")

    async def burst() -> list[int]:
        return await asyncio.gather(*(log.append_async(who, "read.lookup", f"t{i}")
                                      for i in range(300)))  # fmt: skip

    seqs = asyncio.run(burst())
    assert seqs == list(range(seqs[0], seqs[0] + 300))
    assert sum(batches) == 300 and len(batches) <= 3  # the first alone, then the rest together
    assert verify_chain(ctx.cursor()).ok


def test_logout_revokes_a_remembered_token_at_once(client: TestClient, login: Login) -> None:
    who = login("bank_a")
    assert client.get("/api/v1/me", headers=who).status_code == 200  # now remembered
    assert client.post("/api/v1/logout", headers=who).status_code == 204
    assert client.get("/api/v1/me", headers=who).status_code == 401
    assert client.get("/api/v1/lookup", params={"q": "13800138000"}, headers=who
                      ).status_code == 401  # fmt: skip


def test_lookups_while_members_push_flags(client: TestClient, login: Login) -> None:
    """Each push makes the index rebuild while other pushes write: no request may fail."""
    bank, operator = login("bank_a"), login("operator")

    def push(i: int) -> int:
        flag = {"flagged_at": "2026-03-05T10:00:00Z", "kind": "phone",
                "value": f"1380013{i:04d}", "confidence": 0.7, "reason": "r"}  # fmt: skip
        return client.post("/api/v1/feeds/member_flags", json={"rows": [flag]},
                           headers=bank).status_code  # fmt: skip

    def look(i: int) -> int:
        return client.get("/api/v1/lookup", params={"q": f"1380013{i:04d}"},
                          headers=operator).status_code  # fmt: skip

    with ThreadPoolExecutor(6) as pool:
        pushes = [pool.submit(push, i) for i in range(24)]
        looks = [pool.submit(look, i) for i in range(48)]
        codes = [f.result() for f in pushes + looks]
    assert codes == [200] * 72
    seen = client.get("/api/v1/lookup", params={"q": "13800130023"}, headers=operator).json()
    assert seen["known"]


def test_pushed_flags_are_stored_normalised_or_refused(client: TestClient, login: Login) -> None:
    who = login("operator")
    flag = {"flagged_at": "2026-03-05T10:00:00Z", "kind": "phone", "value": "+86 138-0013-8000",
            "confidence": 0.7, "reason": "r"}  # fmt: skip
    r = client.post("/api/v1/feeds/member_flags", json={"rows": [flag]}, headers=who)
    assert r.status_code == 200 and r.json()["accepted"] == 1
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    assert con.execute("select value from member_flags where reason = 'r'").fetchall() == [
        ("13800138000",)]
    bad = [flag, {**flag, "value": "12"}]
    r = client.post("/api/v1/feeds/member_flags", json={"rows": bad}, headers=who)
    assert loc_of(r) == [["body", "rows", 1, "value"]]
    odd = client.post("/api/v1/feeds/member_flags", json={"rows": [{**flag, "kind": "email"}]},
                      headers=who).json()  # fmt: skip
    assert (odd["quarantined"], odd["problems"][0]["field"]) == (1, "kind")


@pytest.mark.parametrize("value", [12345, 13800138000, 1.5, True, ["13800138000"]])
def test_a_flag_value_that_is_not_text_is_refused(client: TestClient, login: Login,
                                                  value: Any) -> None:  # fmt: skip
    con = client.app.state.ctx.cursor()  # type: ignore[attr-defined]
    before = con.execute("select count(*) from member_flags").fetchall()[0][0]
    good = {"flagged_at": "2026-03-05T10:00:00+08:00", "kind": "phone", "value": "13800138000",
            "confidence": 0.95, "reason": "test"}  # fmt: skip
    r = client.post("/api/v1/feeds/member_flags", json={"rows": [good, {**good, "value": value}]},
                    headers=login("bank_a"))  # fmt: skip
    assert loc_of(r) == [["body", "rows", 1, "value"]]
    assert "as text" in r.json()["detail"][0]["msg"]
    assert con.execute("select count(*) from member_flags").fetchall()[0][0] == before
