"""Identifier columns whose kind is named row by row (`kind`, `item_kind`) are cleaned at ingest.

`report_indicators`, `case_confirmations` and `member_flags` hold their identifier in `value`,
`seized_evidence` in `identifier`; each row is checked and normalised by the rule its kind
names, as every fixed identifier column is.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudlink.ingest import ingest_paths
from fraudlink.model import identifiers
from fraudlink.model.enums import INDICATOR_KINDS
from fraudlink.model.identifiers.luhn import luhn_ok
from fraudlink.model.identifiers.phone import OPERATOR_BY_PREFIX
from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
AT = "2026-03-01T08:00:00Z"
PHONE = "15094858694"
CARD = "6216611874133418900"
FULLWIDTH_CARD = "".join(chr(ord(c) + 0xFEE0) for c in CARD)  # ６２１６…９００
IMEI = "862978069365967"
# The kind column and the identifier column of each table whose kind is named row by row.
KIND_COLUMNS = {
    "report_indicators": ("kind", "value"),
    "case_confirmations": ("kind", "value"),
    "member_flags": ("kind", "value"),
    "seized_evidence": ("item_kind", "identifier"),
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def csv_file(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows), "utf-8")
    return path


def indicators(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    return csv_file(
        tmp_path / "report_indicators.csv", "report_id,kind,value", [f"R1,{k},{v}" for k, v in rows]
    )


def flags(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    return csv_file(
        tmp_path / "member_flags.csv",
        "flag_id,flagged_at,inst_id,kind,value,confidence,reason",
        [f"{i},{AT},CMCC,{k},{v},0.8,test" for i, (k, v) in enumerate(rows, start=1)],
    )


def seized(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    return csv_file(
        tmp_path / "seized_evidence.csv",
        "operation_id,item_no,seized_at,district,item_kind,identifier",
        [f"OP1,{i},{AT},450107,{k},{v}" for i, (k, v) in enumerate(rows, start=1)],
    )


# The record id of each table, to read rows back in the order they were sent.
ROW_ID = {"report_indicators": "report_id", "case_confirmations": "case_id",
          "member_flags": "flag_id", "seized_evidence": "item_no"}  # fmt: skip


def stored(store: Store, table: str) -> list[tuple[str, str | None]]:
    """(kind, identifier) of every stored row, in the order of the record ids (then rowid)."""
    kind, value = KIND_COLUMNS[table]
    rows = store.arrow(
        f'select "{kind}" as k, "{value}" as v from {table} order by "{ROW_ID[table]}", rowid'
    )
    return [(r["k"], r["v"]) for r in rows.to_pylist()]


def quarantine(store: Store) -> list[dict[str, Any]]:
    return store.arrow(
        "select feed, file, row_number, field, value, reason from quarantine "
        "order by feed, row_number, field"
    ).to_pylist()


def test_the_reported_values_are_normalised(store: Store, tmp_path: Path) -> None:
    path = indicators(
        tmp_path,
        [("phone", "+86 150-9485-8694"), ("account", FULLWIDTH_CARD), ("url", "EVIL.cn/Pay")],
    )
    s = ingest_paths(store, [path], now=NOW).feeds["report_indicators"]
    assert (s.read, s.loaded, s.duplicate, s.quarantined) == (3, 3, 0, 0)
    assert sorted(stored(store, "report_indicators")) == [
        ("account", CARD),
        ("phone", PHONE),
        ("url", "http://evil.cn/Pay"),
    ]
    assert not quarantine(store)


def test_normal_values_pass_as_they_are(store: Store, tmp_path: Path) -> None:
    normal = [
        ("phone", PHONE),
        ("account", CARD),
        ("idno", "11010519491231002X"),
        ("imei", IMEI),
        ("ip", "1.2.3.4"),
        ("url", "https://evil.cn/pay?x=1"),
        ("app", "com.evil.app"),
        ("social", "wx_abcdef"),
    ]
    assert {k for k, _ in normal} == set(INDICATOR_KINDS)
    ingest_paths(store, [indicators(tmp_path, normal)], now=NOW)
    assert sorted(stored(store, "report_indicators")) == sorted(normal)


def test_member_flags_and_case_confirmations_are_normalised(store: Store, tmp_path: Path) -> None:
    cases = csv_file(
        tmp_path / "case_confirmations.csv",
        "case_id,report_id,confirmed_at,kind,value",
        [f"C1,R1,{AT},phone,+86 150 9485 8694", f"C1,R1,{AT},social,WX_Gang01"],
    )
    report = ingest_paths(
        store, [flags(tmp_path, [("phone", "+86 150-9485-8694")]), cases], now=NOW
    )
    assert not report.errors
    assert stored(store, "member_flags") == [("phone", PHONE)]
    assert sorted(stored(store, "case_confirmations")) == [
        ("phone", PHONE),
        ("social", "wx_gang01"),
    ]


def test_seized_numbers_are_cleaned_by_item_kind_and_free_text_is_kept(
    store: Store, tmp_path: Path
) -> None:
    path = seized(
        tmp_path,
        [
            ("sim", "+86 150 9485 8694"),
            ("bank_card", FULLWIDTH_CARD),
            ("usb_key", CARD[:4] + " " + CARD[4:]),
            ("corporate_kit", CARD[:6] + "-" + CARD[6:]),
            ("phone", IMEI[:8] + " " + IMEI[8:]),
            ("pos", " T-0001 a "),
            ("computer", ""),
            ("seal", ""),
        ],
    )
    s = ingest_paths(store, [path], now=NOW).feeds["seized_evidence"]
    assert (s.loaded, s.quarantined) == (8, 0)
    assert stored(store, "seized_evidence") == [
        ("sim", PHONE),
        ("bank_card", CARD),
        ("usb_key", CARD),
        ("corporate_kit", CARD),
        ("phone", IMEI),
        ("pos", " T-0001 a "),  # a terminal id has no identifier rule: kept as sent
        ("computer", None),
        ("seal", None),
    ]


def test_invalid_values_are_quarantined_with_file_row_field_and_reason(
    store: Store, tmp_path: Path
) -> None:
    reports = indicators(tmp_path, [("phone", PHONE), ("phone", "+86 150 0000 0000x")])
    flagged = flags(tmp_path, [("phone", "+86 150-9485-8694"), ("phone", "hello")])
    items = seized(tmp_path, [("sim", PHONE), ("phone", "12345"), ("bank_card", CARD[:-1] + "1")])
    report = ingest_paths(store, [reports, flagged, items], now=NOW)
    for feed in ("report_indicators", "member_flags"):
        s = report.feeds[feed]
        assert (s.read, s.loaded, s.duplicate, s.quarantined) == (2, 1, 0, 1), feed
    assert report.feeds["seized_evidence"].quarantined == 2
    assert quarantine(store) == [
        {"feed": "member_flags", "file": str(flagged), "row_number": 2, "field": "value",
         "value": "hello", "reason": "not a valid phone"},
        {"feed": "report_indicators", "file": str(reports), "row_number": 2, "field": "value",
         "value": "+86 150 0000 0000x", "reason": "not a valid phone"},
        {"feed": "seized_evidence", "file": str(items), "row_number": 2, "field": "identifier",
         "value": "12345", "reason": "not a valid imei"},
        {"feed": "seized_evidence", "file": str(items), "row_number": 3, "field": "identifier",
         "value": CARD[:-1] + "1", "reason": "not a valid account"},
    ]  # fmt: skip
    assert stored(store, "member_flags") == [("phone", PHONE)]
    assert stored(store, "report_indicators") == [("phone", PHONE)]


def test_a_seized_sim_carries_a_mobile_not_a_service_code(store: Store, tmp_path: Path) -> None:
    # A SIM card's number is a mobile: 95588 or a landline on a seized SIM is a misread label,
    # which must not link a den to a bank's service line.
    items = seized(tmp_path, [("sim", PHONE), ("sim", "95588"), ("sim", "0755-8376-5566")])
    report = ingest_paths(store, [items], now=NOW)
    assert report.feeds["seized_evidence"].quarantined == 2
    assert [(q["row_number"], q["value"], q["reason"]) for q in quarantine(store)] == [
        (2, "95588", "not a valid mobile"),
        (3, "0755-8376-5566", "not a valid mobile"),
    ]
    assert stored(store, "seized_evidence") == [("sim", PHONE)]


def test_an_unknown_kind_is_quarantined_on_the_kind_alone(store: Store, tmp_path: Path) -> None:
    path = indicators(tmp_path, [("fax", "+86 150-9485-8694")])
    assert ingest_paths(store, [path], now=NOW).feeds["report_indicators"].quarantined == 1
    [q] = quarantine(store)
    assert (q["row_number"], q["field"], q["value"]) == (1, "kind", "fax")


def test_an_empty_required_value_is_missing_not_invalid(store: Store, tmp_path: Path) -> None:
    ingest_paths(store, [indicators(tmp_path, [("phone", "")])], now=NOW)
    [q] = quarantine(store)
    assert (q["field"], q["reason"]) == ("value", "missing required field")


def test_spellings_of_one_key_are_duplicates(store: Store, tmp_path: Path) -> None:
    # In one file: the later spelling of the same (report_id, kind, value) is a duplicate.
    first = indicators(tmp_path, [("phone", PHONE), ("phone", "+86 150-9485-8694")])
    s = ingest_paths(store, [first], now=NOW).feeds["report_indicators"]
    assert (s.loaded, s.duplicate) == (1, 1)
    # Against the store: another spelling in a later file adds nothing.
    later = tmp_path / "later"
    later.mkdir()
    again = indicators(later, [("phone", "+86１５０ 9485 8694")])
    s = ingest_paths(store, [again], now=NOW).feeds["report_indicators"]
    assert (s.loaded, s.duplicate, s.quarantined) == (0, 1, 0)
    assert stored(store, "report_indicators") == [("phone", PHONE)]


def test_large_columns_are_cleaned_the_same_way(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Columns of 50,000 rows and more are judged on their distinct values: force that path.
    monkeypatch.setattr("fraudlink.ingest.convert.DICTIONARY_FROM", 1)
    rows = [("phone", "+86 150-9485-8694"), ("account", FULLWIDTH_CARD), ("phone", "hello"),
            ("social", "QQ_Abcdef")]  # fmt: skip
    ingest_paths(store, [flags(tmp_path, rows)], now=NOW)
    assert stored(store, "member_flags") == [("phone", PHONE), ("account", CARD),
                                             ("social", "qq_abcdef")]  # fmt: skip
    assert [(q["row_number"], q["value"]) for q in quarantine(store)] == [(3, "hello")]


# --- property: any valid identifier, spelt any accepted way, is stored in its normal form ---

SEPARATORS = [" ", "-", "  ", "\u3000"]


def _fullwidth(s: str, which: list[bool]) -> str:
    return "".join(
        chr(ord(c) + 0xFEE0) if flag and "!" <= c <= "~" else c
        for c, flag in zip(s, which + [False] * len(s), strict=False)
    )


@st.composite
def digits_respelt(draw: st.DrawFn, digits: str, separators: str) -> str:
    """Digits with separators between some of them, some full-width, padded with spaces."""
    out = ""
    for c in digits:
        if out and draw(st.booleans()):
            out += draw(st.sampled_from([s for s in SEPARATORS if s.strip() in separators]))
        out += c
    out = _fullwidth(out, draw(st.lists(st.booleans(), max_size=len(out))))
    return draw(st.sampled_from(["", " ", "\t"])) + out + draw(st.sampled_from(["", " "]))


def with_luhn(payload: str) -> str:
    return next(payload + c for c in "0123456789" if luhn_ok(payload + c))


@st.composite
def spelt(draw: st.DrawFn, ident: str) -> str:
    """A valid identifier of the kind, written in a random accepted spelling."""
    rule = identifiers.get(ident)
    digits = st.text("0123456789", min_size=1, max_size=1)
    if rule in (identifiers.Phone, identifiers.Mobile):  # a mobile, which both take
        number = draw(st.sampled_from(sorted(OPERATOR_BY_PREFIX))) + "".join(
            draw(st.lists(digits, min_size=8, max_size=8))
        )
        cc = draw(st.sampled_from(["", "+86", "0086", "86", "+86 ", "(+86)"]))
        return cc + draw(digits_respelt(number, "-() "))
    if rule in (identifiers.Card, identifiers.Imei):
        lo, hi = (12, 19) if rule is identifiers.Card else (15, 15)
        n = draw(st.integers(lo, hi))
        number = with_luhn("".join(draw(st.lists(digits, min_size=n - 1, max_size=n - 1))))
        return draw(digits_respelt(number, "- "))
    if rule is identifiers.Idno:
        body = (
            "110105"
            + draw(st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31))).strftime("%Y%m%d")
            + "".join(draw(st.lists(digits, min_size=3, max_size=3)))
        )
        weights = [pow(2, 17 - i, 11) for i in range(17)]
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
        number = body + (check.lower() if draw(st.booleans()) else check)
        return draw(digits_respelt(number, " "))
    if rule is identifiers.Ip:
        if draw(st.booleans()):
            v4 = str(draw(st.ip_addresses(v=4)))
            return " " + _fullwidth(v4, draw(st.lists(st.booleans(), max_size=len(v4)))) + " "
        v6 = draw(st.ip_addresses(v=6))
        assert isinstance(v6, ipaddress.IPv6Address)
        return draw(st.sampled_from([v6.exploded, v6.exploded.upper(), " " + str(v6)]))
    word = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
    if rule is identifiers.Url:
        host = f"{draw(word)}.{draw(st.sampled_from(['cn', 'com', 'top']))}"
        path = "/" + draw(st.text("abcXYZ019-_", max_size=8))
        scheme = draw(st.sampled_from(["", "http://", "HTTP://", "https://", "//"]))
        port = draw(st.sampled_from(["", ":80" if scheme in ("", "http://", "HTTP://", "//")
                                     else ":443", ":8080"]))  # fmt: skip
        url = scheme + host.upper() if draw(st.booleans()) else scheme + host
        return url + port + path + draw(st.sampled_from(["", "#top"]))
    if rule is identifiers.App:
        app = f"com.{draw(word)}.{draw(word)}1"
        return _fullwidth(app.upper() if draw(st.booleans()) else app, [draw(st.booleans())])
    assert rule is identifiers.Social
    acct = draw(st.sampled_from(["wx", "qq", "dy"])) + "_" + draw(word) + "0000"
    return " " + (acct.upper() if draw(st.booleans()) else acct)


@st.composite
def feed_rows(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str]]]:
    """A table, and rows of (row kind, value as sent, value expected in the store)."""
    table = draw(st.sampled_from(sorted(KIND_COLUMNS)))
    kinds = FEED_TABLES[table].column(KIND_COLUMNS[table][1]).identifier_of
    rows = []
    for row_kind in draw(st.lists(st.sampled_from(sorted(kinds)), min_size=1, max_size=8)):
        sent = draw(spelt(kinds[row_kind]))
        expected = identifiers.get(kinds[row_kind]).clean(sent)
        assert expected is not None, (row_kind, sent)  # the spelling is a valid identifier
        rows.append((row_kind, sent, expected))
    return table, rows


def _record(table: str, i: int, row_kind: str, sent: str) -> dict[str, Any]:
    if table == "report_indicators":
        return {"report_id": f"R{i}", "kind": row_kind, "value": sent}
    if table == "case_confirmations":
        return {"case_id": f"C{i}", "report_id": f"R{i}", "confirmed_at": AT, "kind": row_kind,
                "value": sent}  # fmt: skip
    if table == "member_flags":
        return {"flag_id": i, "flagged_at": AT, "inst_id": "CMCC", "kind": row_kind,
                "value": sent, "confidence": 0.5, "reason": "test"}  # fmt: skip
    return {"operation_id": "OP1", "item_no": i, "seized_at": AT, "district": "450107",
            "item_kind": row_kind, "identifier": sent}  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed_rows())
def test_any_spelling_of_a_valid_identifier_is_stored_normalised(
    case: tuple[str, list[tuple[str, str, str]]],
) -> None:
    table, rows = case
    kind_col, value_col = KIND_COLUMNS[table]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{table}.jsonl"
        path.write_text(
            "".join(json.dumps(_record(table, i, k, v), ensure_ascii=False) + "\n"
                    for i, (k, v, _) in enumerate(rows, start=1)),
            "utf-8",
        )  # fmt: skip
        with Store(Path(tmp) / "store.duckdb") as store:
            s = ingest_paths(store, [path], now=NOW).feeds[table]
            assert (s.loaded, s.quarantined) == (len(rows), 0), quarantine(store)
            got = store.arrow(
                f'select cast("{ROW_ID[table]}" as varchar) as id, "{kind_col}" as k, '
                f'"{value_col}" as v from {table}'
            ).to_pylist()
    ids = [str(_record(table, i, "", "")[ROW_ID[table]]) for i in range(1, len(rows) + 1)]
    want = {i: (k, expected) for i, (k, _, expected) in zip(ids, rows, strict=True)}
    assert {r["id"]: (r["k"], r["v"]) for r in got} == want
