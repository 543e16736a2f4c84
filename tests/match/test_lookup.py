"""Kind detection, value matching and report matching on the tiny world."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fraudlink.match.index import IndicatorIndex
from fraudlink.match.lookup import (
    QueryError,
    identifiers_of_report,
    match_report,
    match_values,
    normalise_query,
    query_nodes,
)
from fraudlink.store import Store


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+86 138-1234-5678", ("phone", "tel:+8613812345678")),
        ("tel:13812345678", ("phone", "tel:+8613812345678")),
        ("tel:+8613812345678", ("phone", "tel:+8613812345678")),
        ("11010519491231002X", ("idno", "idno:11010519491231002X")),
        ("6222020939431209955", ("account", "card:6222020939431209955")),
        ("490154203237518", ("imei", "imei:490154203237518")),
        ("1.2.3.4", ("ip", "ip:1.2.3.4")),
        ("http://evil.cn/pay", ("url", "url:http://evil.cn/pay")),
        ("com.evil.app", ("app", "app:com.evil.app")),
        ("wx_abcdef", ("social", "social:wx_abcdef")),
        ("hello world", None),
        ("1234", None),
        ("12345", ("phone", "tel:12345")),  # the government service line
        ("0771-5851234", ("phone", "tel:+867715851234")),
    ],
)
def test_detects_the_kind(raw: str, expected: tuple[str, str] | None) -> None:
    assert normalise_query(raw) == expected


def test_explicit_kind_overrides_detection() -> None:
    # A Luhn-valid 15-digit number is an IMEI by default, a card when asked.
    assert normalise_query("490154203237518", "account") == ("account", "card:490154203237518")
    assert normalise_query("13812345678", "phone") == ("phone", "tel:+8613812345678")
    assert normalise_query("13812345678", "idno") is None


def test_urls_and_hosts_also_ask_for_their_domain() -> None:
    assert query_nodes("url", "url:http://evil.cn/pay") == [
        "url:http://evil.cn/pay",
        "domain:evil.cn",
    ]
    assert query_nodes("phone", "tel:+8613812345678") == ["tel:+8613812345678"]
    # A port or a user part does not hide the site (as a reported URL's site is indexed).
    for url in ("url:https://evil.cn:8080/other", "url:http://user@evil.cn/other",
                "url:http://user:pw@evil.cn:81?x=1"):  # fmt: skip
        assert query_nodes("url", url) == [url, "domain:evil.cn"]


def test_a_report_is_looked_up_by_what_its_case_confirmed_too(tiny_store: Store) -> None:
    rows = tiny_store.arrow(
        """select c.report_id, c.kind, c.value from case_confirmations c
           where c.report_id is not null and not exists (
             select 1 from report_indicators i where i.report_id = c.report_id
             and i.kind = c.kind and i.value = c.value)
           and not (c.kind = 'account' and exists (select 1 from report_payments p
             where p.report_id = c.report_id and p.to_account = c.value))
           order by 1, 2, 3 limit 1"""
    ).to_pylist()
    assert rows, "the tiny world has a case confirming more than its report named"
    r = rows[0]
    nodes = [n for _, n in identifiers_of_report(tiny_store, r["report_id"])]
    assert any(n.endswith(r["value"]) for n in nodes), (r, nodes)


def _reported_fraud_phone(store: Store) -> tuple[str, str]:
    rows = store.arrow(
        """select i.value, i.report_id from report_indicators i join case_confirmations c
           on c.report_id = i.report_id and c.kind = i.kind and c.value = i.value
           where i.kind = 'phone' order by 2 limit 1"""
    ).to_pylist()
    assert rows, "the tiny world has a confirmed reported phone"
    return rows[0]["value"], rows[0]["report_id"]


def test_a_reported_fraud_number_finds_its_report_and_case(tiny_store: Store) -> None:
    phone, report_id = _reported_fraud_phone(tiny_store)
    index = IndicatorIndex.from_store(tiny_store)
    out = match_values(index, [phone, "13800000000"])
    assert set(out["query_row"].to_pylist()) == {0}
    sources = dict(zip(out["source"].to_pylist(), out["report_id"].to_pylist(), strict=True))
    assert sources["report"] == report_id and sources["case"] == report_id


def test_an_unparseable_value_is_named(tiny_store: Store) -> None:
    index = IndicatorIndex.from_store(tiny_store)
    with pytest.raises(QueryError, match="'not a number'"):
        match_values(index, ["13812345678", "not a number"])


def test_a_reports_own_hits_are_left_out(tiny_store: Store) -> None:
    index = IndicatorIndex.from_store(tiny_store)
    report_ids = tiny_store.arrow("select report_id from victim_reports")["report_id"].to_pylist()
    for report_id in report_ids:
        result = match_report(tiny_store, index, report_id)
        assert result.identifiers
        assert report_id not in result.hits["report_id"].to_pylist()
        # Every hit is on one of the report's identifiers, and every other record is there.
        nodes = [n for _, n in result.identifiers]
        assert set(result.hits["node_id"].to_pylist()) <= set(nodes)
        all_hits = index.lookup_many(nodes)
        others = pc.sum(pc.fill_null(pc.not_equal(all_hits["report_id"], report_id), True))
        assert result.hits.num_rows == others.as_py()


def test_a_shared_identifier_names_the_other_report(tiny_store: Store) -> None:
    report_id = tiny_store.arrow("select min(report_id) as r from victim_reports")["r"][0].as_py()
    index = IndicatorIndex.from_store(tiny_store)
    _, node = match_report(tiny_store, index, report_id).identifiers[0]
    # A later report naming the same identifier arrives while the index is live.
    later = index.lookup_many([node]).slice(0, 1).drop_columns(["query_row"])
    later = later.set_column(4, "ref", pa.array(["R-later"])).set_column(
        5, "report_id", pa.array(["R-later"])
    )
    index.add(later)
    assert "R-later" in match_report(tiny_store, index, report_id).other_reports


def test_an_unknown_report_is_refused(tiny_store: Store) -> None:
    with pytest.raises(LookupError, match="R-nope"):
        match_report(tiny_store, IndicatorIndex(), "R-nope")
