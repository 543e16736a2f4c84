"""Identifiers sent in any accepted spelling are found by rapid comparison and link their case.

The reproduced defect: a new report naming a known fraud number as `+86 150-9485-8694` and a
card in full-width digits was stored as sent, so `fraudlink match --report` showed
`tel:+86+86 150-9485-8694`, found nothing and left the report in a cluster of its own; a member's
flag on such a spelling never matched the number. Ingest now cleans each row's value by its kind.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fraudlink.cli.main import cli
from fraudlink.ingest import ingest_paths
from fraudlink.match.sources import SEIZED_KINDS
from fraudlink.model import identifiers
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
NEW_REPORT = "R2026059900001"
OPERATION = "OP-KINDID"


def spaced(phone: str) -> str:
    """A mobile number as victims and members write it: `+86 150-9485-8694`."""
    return f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"


def fullwidth(digits: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in digits)


@pytest.fixture(scope="module")
def known(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> dict[str, Any]:
    """The tiny world's store, plus a phone and an account a case confirmed, and its report."""
    db = ingested_file(tiny_world, "kind-identifiers")
    with Store(db) as store:
        phone = store.arrow(
            "select case_id, report_id, value from case_confirmations where kind = 'phone' "
            "order by case_id limit 1"
        ).to_pylist()[0]
        account = store.arrow(
            "select value from case_confirmations where case_id = ? and kind = 'account' "
            "order by value limit 1",
            [phone["case_id"]],
        ).to_pylist()[0]["value"]
    return {"db": db, "phone": phone["value"], "account": account, "case_id": phone["case_id"],
            "report_id": phone["report_id"]}  # fmt: skip


@pytest.fixture(scope="module")
def loaded(known: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A new report, member flags and a seizure naming the known identifiers in other spellings."""
    d = tmp_path_factory.mktemp("kind-identifier-feeds")
    phone, account = known["phone"], known["account"]
    (d / "victim_reports.csv").write_text(
        "report_id,reported_at,victim_idno,victim_msisdn,district,fraud_type,contact_channel,"
        "narrative,claimed_loss_fen\n"
        f"{NEW_REPORT},2026-05-30T08:00:00Z,11010519491231002X,,450107,fake_investment,call,"
        "被冒充客服诈骗,500000\n",
        "utf-8",
    )
    (d / "report_indicators.csv").write_text(
        "report_id,kind,value\n"
        f"{NEW_REPORT},phone,{spaced(phone)}\n"
        f"{NEW_REPORT},account,{fullwidth(account)}\n"
        f"{NEW_REPORT},phone,+86 150 0000 0000x\n",
        "utf-8",
    )
    (d / "member_flags.csv").write_text(
        "flag_id,flagged_at,inst_id,kind,value,confidence,reason\n"
        f"900001,2026-05-30T09:00:00Z,CMCC,phone,{spaced(phone)},0.9,异常呼叫行为\n"
        "900002,2026-05-30T09:00:01Z,CMCC,phone,hello,0.9,异常呼叫行为\n",
        "utf-8",
    )
    (d / "seized_evidence.csv").write_text(
        "operation_id,item_no,seized_at,district,item_kind,identifier\n"
        f"{OPERATION},1,2026-05-30T10:00:00Z,450107,sim,{spaced(phone)}\n"
        f"{OPERATION},2,2026-05-30T10:00:00Z,450107,bank_card,{account[:4]} {account[4:]}\n",
        "utf-8",
    )
    with Store(known["db"]) as store:
        report = ingest_paths(store, [d], now=NOW)
        assert not report.errors
        quarantine = store.arrow(
            "select feed, file, row_number, field, value, reason from quarantine order by feed"
        ).to_pylist()
        summary = {feed: s.loaded for feed, s in report.feeds.items()}
    return {**known, "dir": d, "quarantine": quarantine, "summary": summary}


def match(db: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["match", "--db", str(db), "--json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_spelt_values_are_stored_normalised(loaded: dict[str, Any]) -> None:
    assert loaded["summary"] == {"victim_reports": 1, "report_indicators": 2, "member_flags": 1,
                                 "seized_evidence": 2}  # fmt: skip
    with Store(loaded["db"]) as store:
        rows = store.arrow(
            "select kind, value from report_indicators where report_id = ? order by 1",
            [NEW_REPORT],
        ).to_pylist()
    assert rows == [{"kind": "account", "value": loaded["account"]},
                    {"kind": "phone", "value": loaded["phone"]}]  # fmt: skip


def test_invalid_values_are_quarantined_naming_row_and_field(loaded: dict[str, Any]) -> None:
    d = loaded["dir"]
    assert loaded["quarantine"] == [
        {"feed": "member_flags", "file": str(d / "member_flags.csv"), "row_number": 2,
         "field": "value", "value": "hello", "reason": "not a valid phone"},
        {"feed": "report_indicators", "file": str(d / "report_indicators.csv"), "row_number": 3,
         "field": "value", "value": "+86 150 0000 0000x", "reason": "not a valid phone"},
    ]  # fmt: skip


def test_the_report_is_matched_and_linked_to_the_known_case(loaded: dict[str, Any]) -> None:
    phone_node = identifiers.Phone.node_id(loaded["phone"])
    card_node = identifiers.Card.node_id(loaded["account"])
    out = match(loaded["db"], "--report", NEW_REPORT)
    assert sorted(out["identifiers"]) == sorted([phone_node, card_node])
    cases = {(h["node_id"], h["ref"]) for h in out["hits"] if h["source"] == "case"}
    assert {(phone_node, loaded["case_id"]), (card_node, loaded["case_id"])} <= cases
    assert loaded["report_id"] in out["other_reports"]
    # Linked: the new report joins the known case's cluster instead of forming its own.
    assert out["cluster"] is not None and loaded["report_id"] in out["members"]
    assert any(NEW_REPORT in e[:2] for e in out["evidence"])


def test_the_members_flag_is_found_by_the_bare_number(loaded: dict[str, Any]) -> None:
    out = match(loaded["db"], loaded["phone"])
    flags = [h for h in out["hits"] if h["source"] == "member:CMCC" and h["ref"] == "900001"]
    assert len(flags) == 1 and out["no_match"] == []


def test_seized_items_are_known_elsewhere(loaded: dict[str, Any]) -> None:
    out = match(loaded["db"], "--operation", OPERATION)
    assert out["kinds"]["phone"] == {"identifiers": 1, "known": 1}
    assert out["kinds"]["account"] == {"identifiers": 1, "known": 1}
    assert loaded["case_id"] in out["cases"]


def test_match_reads_seized_kinds_from_the_data_model() -> None:
    # One mapping: the kinds ingest cleans seized numbers by are the kinds the index files them
    # under, a narrower rule (a SIM's mobile) filed as the wider kind of node it makes.
    cleaned = FEED_TABLES["seized_evidence"].column("identifier").identifier_of
    assert {item: identifiers.node_kind(k) for item, k in cleaned.items()} == SEIZED_KINDS
    assert cleaned["sim"] == "mobile" and SEIZED_KINDS["sim"] == "phone"
    for kind in SEIZED_KINDS.values():
        assert kind in (*identifiers.KINDS, *identifiers.ALIASES)
