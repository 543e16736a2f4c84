"""The centre API: who may use it, issuing orders, the case page, identifiers, the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fraudlink.trace.engine import trace_report
from fraudlink.web.centre.clock import latest_event

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
REPORT = "R2026030200001"  # the tiny world's first report: its first-level card is case-confirmed

ROUTES: list[tuple[str, str, Any]] = [
    ("get", f"{C}/dashboard", None),
    ("post", f"{C}/reports", {"reported_at": "2026-03-02T00:00:00Z", "district": "450103",
                              "fraud_type": "other", "contact_channel": "call",
                              "narrative": "x"}),
    ("get", f"{C}/cases/{REPORT}", None),
    ("post", f"{C}/orders", {"report_id": REPORT, "kind": "stop_payment"}),
    ("get", f"{C}/identifiers/13800138000", None),
    ("get", f"{C}/rings", None),
    ("get", f"{C}/rings/1", None),
    ("get", f"{C}/rings/1/package", None),
    ("get", f"{C}/queues/warnings", None),
    ("get", f"{C}/queues/warnings/W-1", None),
    ("post", f"{C}/queues/warnings/W-1", {"to": "dispatched"}),
    ("get", f"{C}/queues/orders", None),
    ("get", f"{C}/audit", None),
]  # fmt: skip


def con_of(client: TestClient) -> Any:
    """The test thread's cursor on the served store."""
    return client.app.state.ctx.cursor()  # type: ignore[attr-defined]


def audit_rows(client: TestClient, action: str) -> list[tuple[Any, ...]]:
    """(username, target, outcome, detail) of the audit entries of one action."""
    return con_of(client).execute("select username, target, outcome, detail from audit_log "
                                  "where action = ? order by seq", [action]).fetchall()  # fmt: skip


def test_every_centre_route_needs_a_valid_token(client: TestClient) -> None:
    for method, path, body in ROUTES:
        assert client.request(method, path, json=body).status_code == 401, path
        bad = {"Authorization": "Bearer not-a-token"}
        assert client.request(method, path, json=body, headers=bad).status_code == 401, path


def test_members_are_refused_every_centre_route_and_each_refusal_is_audited(
    client: TestClient, login: Login
) -> None:
    members = {"bank_a": login("bank_a"), "operator": login("operator"),
               "platform": login("platform")}  # fmt: skip
    for method, path, body in ROUTES:
        for who in members.values():
            r = client.request(method, path, json=body, headers=who)
            assert r.status_code == 403, (path, r.text)
    denied = con_of(client).execute(
        "select username, target from audit_log where outcome = 'denied' order by seq").fetchall()
    assert len(denied) == len(ROUTES) * len(members)
    assert {u for u, _ in denied} == set(members)
    assert {t for _, t in denied} == {p for _, p, _ in ROUTES}
    # Nothing happened on their behalf.
    assert con_of(client).execute("select count(*) from orders").fetchall()[0][0] == 0


def test_the_audit_log_is_for_supervisors(client: TestClient, login: Login) -> None:
    r = client.get(f"{C}/audit", headers=login("analyst"))
    assert r.status_code == 403
    assert audit_rows(client, f"GET {C}/audit")[0][:3] == ("analyst", f"{C}/audit", "denied")
    r = client.get(f"{C}/audit", params={"limit": 3}, headers=login("supervisor"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["chain"] == {"entries": out["total"], "ok": True, "first_bad_seq": None,
                            "reason": "every entry holds"}  # fmt: skip
    seqs = [e["seq"] for e in out["entries"]]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 3 and seqs[0] == out["total"]
    assert out["entries"][0]["action"] == "read.audit"
    assert out["entries"][1]["outcome"] == "ok" and out["entries"][1]["action"] == "login"
    page2 = client.get(f"{C}/audit", params={"limit": 3, "offset": 3},
                       headers=login("supervisor")).json()  # fmt: skip
    assert page2["entries"][0]["seq"] < seqs[-1] + 2
    bad = client.get(f"{C}/audit", params={"limit": 0}, headers=login("supervisor"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limit"]


# -- issuing orders ---------------------------------------------------------------------------


def traced_positions(client: TestClient, report_id: str) -> dict[str, int]:
    """account → the victim's money still there, by the trace engine itself."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.write_lock:
        result = trace_report(ctx.store, report_id, as_of=latest_event(ctx.store.con))
    held: dict[str, int] = {}
    for p in result.positions_of(report_id).to_pylist():
        held[p["account"]] = held.get(p["account"], 0) + p["amount_fen"]
    return {a: f for a, f in held.items() if f > 0}


def test_analyst_may_not_freeze_and_the_refusal_is_audited(client: TestClient,
                                                           login: Login) -> None:  # fmt: skip
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "freeze"},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 403
    assert "supervisor" in r.json()["detail"]
    (who, target, outcome, detail), = audit_rows(client, "order.issue")
    assert (who, target, outcome) == ("analyst", REPORT, "denied")
    assert "supervisor" in json.loads(detail)["why"]
    assert con_of(client).execute("select count(*) from orders").fetchall()[0][0] == 0


def test_supervisor_freezes_the_case_confirmed_card(client: TestClient, login: Login) -> None:
    confirmed = {r[0] for r in con_of(client).execute(
        "select value from case_confirmations where report_id = ? and kind = 'account'",
        [REPORT]).fetchall()}  # fmt: skip
    held = traced_positions(client, REPORT)
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "freeze"},
                    headers=login("supervisor"))  # fmt: skip
    assert r.status_code == 201, r.text
    orders = r.json()
    assert orders and {o["account"] for o in orders} == confirmed & set(held)
    for o in orders:
        assert (o["kind"], o["state"], o["created_by"]) == ("freeze", "requested", "supervisor")
        assert o["amount_fen"] == held[o["account"]]
        assert o["report_ids"] == [REPORT] and o["evidence"]["cases"]
    again = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "freeze",
                                             "accounts": [orders[0]["account"]]},
                        headers=login("supervisor"))  # fmt: skip
    assert again.status_code == 409 and "live order" in again.json()["detail"]
    (who, target, outcome, detail), = audit_rows(client, "order.issue")
    assert (who, target, outcome) == ("supervisor", REPORT, "ok")
    assert json.loads(detail)["orders"] == [o["order_id"] for o in orders]


def test_analyst_issues_stop_payments_on_every_account_holding_the_money(
    client: TestClient, login: Login
) -> None:
    held = traced_positions(client, REPORT)
    who = login("analyst")
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment"},
                    headers=who)  # fmt: skip
    assert r.status_code == 201, r.text
    orders = r.json()
    assert {o["account"]: o["amount_fen"] for o in orders} == held
    assert [o["priority"] for o in orders] == sorted((o["priority"] for o in orders), reverse=True)
    stored = con_of(client).execute(
        "select count(*), count(distinct account) from orders o join order_events e "
        "using (order_id) where o.state = 'requested' and e.event = 'request'").fetchall()[0]
    assert stored == (len(held), len(held))
    # Everything holding the money is stopped now: nothing is left, and one account is a duplicate.
    again = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment"},
                        headers=who)  # fmt: skip
    assert again.status_code == 409
    one = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment",
                                           "accounts": [orders[0]["account"]]}, headers=who)
    assert one.status_code == 409


def test_order_refusals(client: TestClient, login: Login) -> None:
    who = login("analyst")
    r = client.post(f"{C}/orders", json={"report_id": "R-NONE", "kind": "stop_payment"},
                    headers=who)  # fmt: skip
    assert r.status_code == 404
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment",
                                         "accounts": ["6222000000000000000"]}, headers=who)
    assert r.status_code == 422
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "accounts", 0] and "6222000000000000000" in problem["msg"]
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "seize"}, headers=who)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "kind"]
    r = client.post(f"{C}/orders", params={"now": "1900-01-01T00:00:00Z"},
                    json={"report_id": REPORT, "kind": "stop_payment"}, headers=who)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "now"]
    assert con_of(client).execute("select count(*) from orders").fetchall()[0][0] == 0


@pytest.mark.parametrize(("who", "kind"), [("analyst", "stop_payment"), ("supervisor", "freeze")])
def test_an_empty_account_list_is_invalid_input_not_a_crash(
    client: TestClient, login: Login, who: str, kind: str
) -> None:
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": kind, "accounts": []},
                    headers=login(who))  # fmt: skip
    assert r.status_code == 422, r.text
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "accounts"] and "empty" in problem["msg"]
    assert con_of(client).execute("select count(*) from orders").fetchall()[0][0] == 0


def test_degenerate_account_lists(client: TestClient, login: Login) -> None:
    who = login("analyst")
    held = sorted(traced_positions(client, REPORT))
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment",
                                         "accounts": [held[0], "  "]}, headers=who)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "accounts", 1]
    assert "blank" in r.json()["detail"][0]["msg"]
    # The same account twice is one order; padding around it does not matter.
    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment",
                                         "accounts": [held[0], f" {held[0]} "]}, headers=who)
    assert r.status_code == 201, r.text
    assert [o["account"] for o in r.json()] == [held[0]]
    again = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment",
                                             "accounts": [held[0]]}, headers=who)
    assert again.status_code == 409 and r.json()[0]["order_id"] in again.json()["detail"]


def test_issue_422_has_the_documented_shape(client: TestClient, login: Login) -> None:
    from fraudlink.web.api.centre import InvalidOut

    r = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment",
                                         "accounts": ["6222000000000000000"]},
                    headers=login("analyst"))  # fmt: skip
    assert r.status_code == 422
    out = InvalidOut.model_validate(r.json())
    assert out.detail[0].loc == ["body", "accounts", 0] and out.detail[0].type == "value_error"
    spec = client.get("/api/openapi.json").json()
    declared = spec["paths"][f"{C}/orders"]["post"]["responses"]["422"]
    assert declared["content"]["application/json"]["schema"]["$ref"].endswith("/InvalidOut")


# -- case page --------------------------------------------------------------------------------


def test_case_page(client: TestClient, login: Login) -> None:
    who = login("analyst")
    issued = client.post(f"{C}/orders", json={"report_id": REPORT, "kind": "stop_payment"},
                         headers=who).json()  # fmt: skip
    r = client.get(f"{C}/cases/{REPORT}", headers=who)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["report"]["report_id"] == REPORT
    assert page["report"]["payments"] and page["report"]["indicators"]
    times = [e["at"] for e in page["timeline"]]
    assert times == sorted(times)
    events = [e["event"] for e in page["timeline"]]
    for kind in ("payment", "report", "case_confirmed", "cash_out", "order_request"):
        assert kind in events
    assert events.count("order_request") == len(issued)
    trail = page["trail"]
    ids = {n["id"] for n in trail["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in trail["edges"])
    victim = [n for n in trail["nodes"] if n["hop"] == 0]
    assert [n["kind"] for n in victim] == ["victim"]
    assert victim[0]["id"] == page["report"]["payments"][0]["from_account"]
    first = [e for e in trail["edges"] if e["hop"] == 1]
    assert sum(e["amount_fen"] for e in first) == trail["totals"]["paid_fen"] > 0
    held = {n["id"]: n["held_fen"] for n in trail["nodes"] if n["held_fen"]}
    assert held == traced_positions(client, REPORT)
    assert {o["order_id"] for o in page["orders"]} == {o["order_id"] for o in issued}
    assert all(o["seconds_left"] is None for o in page["orders"])  # requested: no timer yet
    # Stops on everything: the freeze of the confirmed card is all that is left to propose.
    assert [o["kind"] for o in page["proposed_orders"]] in ([], ["freeze"])
    assert client.get(f"{C}/cases/R-NONE", headers=who).status_code == 404
    assert [r[:3] for r in audit_rows(client, "read.case")] == [("analyst", REPORT, "ok")]


# -- identifiers ------------------------------------------------------------------------------


def test_identifier_page_of_an_account_with_scores_and_reasons(client: TestClient,
                                                               login: Login) -> None:  # fmt: skip
    con = con_of(client)
    account = con.execute("select value from case_confirmations where report_id = ? "
                          "and kind = 'account'", [REPORT]).fetchall()[0][0]  # fmt: skip
    holder = con.execute("select owner_idno from bank_accounts where account = ?",
                         [account]).fetchall()[0][0]  # fmt: skip
    con.execute("insert into suspicions values ('2026-03-03 00:00:00+00', 'account', ?, 0.93, "
                "'accounts', 'fast in, fast out; many payers')", [account])  # fmt: skip
    con.execute("insert into member_flags values (777, '2026-03-04 00:00:00+00', 'BOC', "
                "'account', ?, 0.8, 'odd counterparties', 1)", [account])  # fmt: skip
    client.app.state.ctx.feeds_changed()  # type: ignore[attr-defined]
    r = client.get(f"{C}/identifiers/{account}", headers=login("analyst"))
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["kind"], page["node_id"], page["value"], page["known"]) == (
        "account", f"card:{account}", account, True)
    assert {h["source"] for h in page["hits"]} >= {"report", "case", "engine:accounts",
                                                   "member:BOC"}  # fmt: skip
    assert page["scores"] == [
        {"detector": "member:BOC", "score": 0.8, "reason": "odd counterparties",
         "detected_at": "2026-03-04T00:00:00Z"},
        {"detector": "accounts", "score": 0.93, "reason": "fast in, fast out; many payers",
         "detected_at": "2026-03-03T00:00:00Z"},
    ]  # fmt: skip
    assert page["entity"]["account"] == account and page["entity"]["owner_idno"] == holder
    related = {(x["kind"], x["value"], x["relation"]) for x in page["related"]}
    assert ("idno", holder, "holder") in related
    assert ("report", REPORT, "paid into by the victim of") in related
    assert [r[:3] for r in audit_rows(client, "read.identifier")] == [
        ("analyst", f"card:{account}", "ok")]
    # The holder's page leads back to the account.
    person = client.get(f"{C}/identifiers/{holder}", headers=login("supervisor")).json()
    assert person["kind"] == "idno" and person["entity"]["idno"] == holder
    assert ("account", account, "holds account") in {
        (x["kind"], x["value"], x["relation"]) for x in person["related"]}


@pytest.mark.parametrize(("value", "kind", "expect"), [
    ("+86 138-0013-8000", None, ("phone", "tel:+8613800138000", False)),
    ("13800138000", "idno", None),
    ("hello there", None, None),
])  # fmt: skip
def test_identifier_page_of_unknown_and_invalid_values(
    client: TestClient, login: Login, value: str, kind: str | None, expect: Any
) -> None:
    r = client.get(f"{C}/identifiers/{value}", params={"kind": kind} if kind else {},
                   headers=login("analyst"))  # fmt: skip
    if expect is None:
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "value"]
        return
    out = r.json()
    assert (out["kind"], out["node_id"], out["known"]) == expect
    assert out["hits"] == out["scores"] == out["related"] == [] and out["entity"] is None
