"""Report intake: a new victim report through the ingest gate, then matches, trail and orders at
once; a report with any bad row is refused whole, naming the row and the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Login = Callable[[str], dict[str, str]]
C = "/api/v1/centre"
COUNTED = ("victim_reports", "report_payments", "report_indicators", "ingest_log", "quarantine",
           "orders")  # fmt: skip


def con_of(client: TestClient) -> Any:
    """The test thread's cursor on the served store."""
    return client.app.state.ctx.cursor()  # type: ignore[attr-defined]


def counts(client: TestClient) -> dict[str, int]:
    """Rows in the tables an intake may touch."""
    con = con_of(client)
    return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in COUNTED}


def unreported_payment(client: TestClient) -> dict[str, Any]:
    """A payment into a card an earlier victim reported, made by someone who did not report it,
    after which the card paid money on: the new victim the desk is about to hear from."""
    row = con_of(client).execute(
        """
        select t.txn_id, t.time, t.from_account, t.to_account, t.amount_fen, p.report_id
        from transactions t join report_payments p on p.to_account = t.to_account
        where t.from_account not in (select from_account from report_payments
                                     where from_account is not null)
          and exists (select 1 from transactions o where o.from_account = t.to_account
                      and o.time > t.time and o.to_account is not null)
        order by t.amount_fen desc, t.txn_id limit 1
        """
    ).fetchall()[0]
    keys = ("txn_id", "time", "from_account", "to_account", "amount_fen", "earlier_report")
    return dict(zip(keys, row, strict=True))


def a_person(client: TestClient) -> tuple[str, str]:
    """A resident's ID number and district."""
    return tuple(con_of(client).execute(  # type: ignore[return-value]
        "select idno, district from persons order by idno limit 1").fetchall()[0])


def report_body(client: TestClient, pay: dict[str, Any], **extra: Any) -> dict[str, Any]:
    idno, district = a_person(client)
    body = {
        "person_id": idno, "victim_msisdn": None, "district": district,
        "reported_at": (pay["time"].isoformat()), "fraud_type": "fake_investment",
        "contact_channel": "app", "narrative": "受害人在投资群内被诱导转账。",
        "payments": [{"paid_at": pay["time"].isoformat(), "from_account": pay["from_account"],
                      "to_account": pay["to_account"], "amount_fen": pay["amount_fen"]}],
        "indicators": [{"kind": "url", "value": "http://invest-gain.example.cn/app"}],
    }  # fmt: skip
    body.update(extra)
    return body


def test_intake_stores_the_report_and_answers_with_matches_trail_and_orders(
    client: TestClient, login: Login
) -> None:
    pay = unreported_payment(client)
    before = counts(client)
    r = client.post(f"{C}/reports", json=report_body(client, pay), headers=login("analyst"))
    assert r.status_code == 201, r.text
    out = r.json()
    rid = out["report_id"]
    assert rid.startswith("R") and len(rid) == 14
    after = counts(client)
    assert (after["victim_reports"], after["report_payments"], after["report_indicators"]) == (
        before["victim_reports"] + 1, before["report_payments"] + 1,
        before["report_indicators"] + 1)  # fmt: skip
    assert after["quarantine"] == before["quarantine"]
    stored = con_of(client).execute(
        "select victim_idno, claimed_loss_fen from victim_reports where report_id = ?", [rid]
    ).fetchall()  # fmt: skip
    assert stored == [(a_person(client)[0], pay["amount_fen"])]  # loss defaults to the payments
    # Matches: the card was named by an earlier victim, so that report is linked.
    card = f"card:{pay['to_account']}"
    assert card in out["identifiers"]
    assert any(m["node_id"] == card and m["report_id"] == pay["earlier_report"]
               for m in out["matches"])  # fmt: skip
    linked = {x["report_id"]: x for x in out["linked_reports"]}
    assert pay["earlier_report"] in linked
    assert card in linked[pay["earlier_report"]]["shared"]
    # The trail starts at the victim's account with the payment itself, and goes on.
    trail = out["trail"]
    nodes = {n["id"]: n for n in trail["nodes"]}
    assert nodes[pay["from_account"]]["hop"] == 0 and nodes[pay["from_account"]]["kind"] == "victim"
    assert nodes[pay["to_account"]]["hop"] == 1
    first = [e for e in trail["edges"] if e["hop"] == 1]
    assert [(e["source"], e["target"], e["amount_fen"]) for e in first] == [
        (pay["from_account"], pay["to_account"], pay["amount_fen"])]
    onward = [e for e in trail["edges"] if e["hop"] == 2]
    assert onward and all(e["source"] == pay["to_account"] and e["amount_fen"] > 0
                          for e in onward)  # fmt: skip
    assert all(e["source"] in nodes and e["target"] in nodes for e in trail["edges"])
    totals = trail["totals"]
    assert totals["paid_fen"] == pay["amount_fen"]
    assert totals["held_fen"] == sum(n["held_fen"] for n in trail["nodes"])
    assert totals["held_fen"] + totals["cashed_out_fen"] + totals["beyond_depth_fen"] <= (
        pay["amount_fen"])
    # Orders proposed for every account still holding the money, none stored yet.
    proposed = out["proposed_orders"]
    assert proposed and after["orders"] == 0
    held = {n["id"]: n["held_fen"] for n in trail["nodes"] if n["held_fen"] > 0}
    stops = {o["account"]: o["amount_fen"] for o in proposed if o["kind"] == "stop_payment"}
    assert stops and set(stops) <= set(held)
    assert all(stops[a] == held[a] for a in stops)
    assert all(o["state"] == "requested" and o["report_ids"] == [rid] for o in proposed)
    (entry,) = con_of(client).execute(
        "select username, target, outcome from audit_log where action = 'report.create'"
    ).fetchall()  # fmt: skip
    assert entry == ("analyst", rid, "ok")
    # The case page of the new report agrees.
    page = client.get(f"{C}/cases/{rid}", headers=login("analyst")).json()
    assert page["trail"]["edges"] == trail["edges"]
    # Issuing the proposed stops stores exactly those.
    issued = client.post(f"{C}/orders", json={"report_id": rid, "kind": "stop_payment"},
                         headers=login("analyst")).json()  # fmt: skip
    assert {o["account"]: o["amount_fen"] for o in issued} == stops


def test_a_report_with_a_bad_row_is_refused_whole_naming_row_and_field(
    client: TestClient, login: Login
) -> None:
    pay = unreported_payment(client)
    body = report_body(client, pay)
    body["payments"].append({"paid_at": pay["time"].isoformat(), "to_account": pay["to_account"],
                             "amount_fen": -500})  # fmt: skip
    body["indicators"].append({"kind": "email", "value": "x@y.cn"})
    body["fraud_type"] = "lottery"
    before = counts(client)
    r = client.post(f"{C}/reports", json=body, headers=login("analyst"))
    assert r.status_code == 422, r.text
    problems = {(p["feed"], p["row"], p["field"]): p for p in r.json()["detail"]}
    assert set(problems) == {("report_payments", 2, "amount_fen"),
                             ("report_indicators", 2, "kind"),
                             ("victim_reports", 1, "fraud_type")}  # fmt: skip
    assert problems[("report_payments", 2, "amount_fen")]["loc"] == [
        "body", "payments", 1, "amount_fen"]
    assert problems[("report_payments", 2, "amount_fen")]["value"] == "-500"
    assert "positive" in problems[("report_payments", 2, "amount_fen")]["msg"]
    assert problems[("victim_reports", 1, "fraud_type")]["loc"] == ["body", "fraud_type"]
    assert counts(client) == before  # not the good rows either, nor the quarantine or the log
    (entry,) = con_of(client).execute(
        "select username, target, outcome, detail from audit_log where action = 'report.create'"
    ).fetchall()  # fmt: skip
    assert entry[:3] == ("analyst", "-", "refused")
    assert len(json.loads(entry[3])["problems"]) == 3


def test_refusals_before_ingest_name_the_field(client: TestClient, login: Login) -> None:
    pay = unreported_payment(client)
    who = login("supervisor")
    before = counts(client)
    body = report_body(client, pay)
    body["payments"] = body["payments"] * 2
    body["payments"][1] = {**body["payments"][1], "seq": 1}
    r = client.post(f"{C}/reports", json=body, headers=who)
    assert r.status_code == 422
    assert [(p["feed"], p["row"], p["field"]) for p in r.json()["detail"]] == [
        ("report_payments", 2, "seq")]
    r = client.post(f"{C}/reports", json=report_body(client, pay, victim_idno="11010119900307"
                                                     "7777"), headers=who)  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "victim_idno"
    bad_id = report_body(client, pay, person_id="12345")
    r = client.post(f"{C}/reports", json=bad_id, headers=who)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "person_id"]  # as the desk typed it
    no_time = report_body(client, pay)
    no_time["payments"][0]["paid_at"] = "yesterday"
    r = client.post(f"{C}/reports", json=no_time, headers=who)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "payments", 0, "paid_at"]
    assert counts(client) == before


def test_report_numbers_follow_the_desk_days_serials(client: TestClient, login: Login) -> None:
    pay = unreported_payment(client)
    who = login("analyst")
    body = report_body(client, pay, reported_at="2026-03-03T15:30:00Z",  # 23:30 in Beijing
                       payments=[], claimed_loss_fen=50_000)  # fmt: skip
    taken = con_of(client).execute("select count(*) from victim_reports where report_id like "
                                   "'R20260303%'").fetchall()[0][0]  # fmt: skip
    first = client.post(f"{C}/reports", json=body, headers=who).json()["report_id"]
    second = client.post(f"{C}/reports", json=body, headers=who).json()["report_id"]
    assert first == f"R20260303{taken + 1:05d}"
    assert second == f"R20260303{taken + 2:05d}"
    # One number in two spellings is one indicator: stored once, in the form the index uses.
    marks = [*body["indicators"], {"kind": "phone", "value": "138 0013 8000"},
             {"kind": "phone", "value": "+86 13800138000"}]  # fmt: skip
    late = client.post(f"{C}/reports", json={**body, "reported_at": "2026-03-03T16:30:00Z",
                                             "indicators": marks}, headers=who).json()
    assert late["report_id"].startswith("R20260304")
    # No payments: nothing to trace, nothing to propose, still matched by its indicators.
    assert late["trail"]["edges"] == [] and late["proposed_orders"] == []
    assert late["identifiers"] == ["tel:+8613800138000", "url:http://invest-gain.example.cn/app"]
    assert con_of(client).execute(
        "select kind, value from report_indicators where report_id = ? order by kind",
        [late["report_id"]]).fetchall() == [
        ("phone", "13800138000"), ("url", "http://invest-gain.example.cn/app")]  # fmt: skip
