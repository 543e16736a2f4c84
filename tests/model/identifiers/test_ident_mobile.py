"""The `mobile` kind: the phone rule's mobiles alone, named exactly as `phone` names them.

A SIM card's number, a bank's reserved phone and a platform's bound number are mobiles by
nature; a service code or landline there is a feed error. Calls and reports keep `phone`.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import (
    assert_agrees,
    fullwidth,
    hotlines,
    junk,
    landlines,
    phones,
    service_codes,
)

from fraudlink.model import identifiers
from fraudlink.model.identifiers import KINDS, TYPES, Phone, get, parse_node_id
from fraudlink.model.tables import ALL_TABLES

# Every column that holds a phone number, by what it can hold. A SIM's number, a reserved phone,
# a bound account's number, a data user's number and a victim's contact number are mobiles; a
# call's two ends and a gang's first-contact number may be any phone (spoofed 95588 included).
MOBILE_COLUMNS = {
    ("bank_accounts", "phone"),
    ("sim_cards", "msisdn"),
    ("platform_accounts", "msisdn"),
    ("web_events", "msisdn"),
    ("victim_reports", "victim_msisdn"),
    ("sim_roles", "msisdn"),
}
PHONE_COLUMNS = {("calls", "caller"), ("calls", "callee"), ("episodes", "fraud_msisdn"),
                 ("pending_episodes", "fraud_msisdn")}  # fmt: skip


def mobile_rule() -> type[Phone]:
    """The rule a `mobile` column is judged by (looked up, as ingest does, by its kind name)."""
    rule = get("mobile")
    assert issubclass(rule, Phone)
    return rule


def declared(kind: str) -> set[tuple[str, str]]:
    tables = ALL_TABLES.values()
    return {(t.name, c.name) for t in tables for c in t.columns if c.identifier == kind}


def test_columns_that_are_mobiles_by_nature_declare_mobile() -> None:
    assert declared("mobile") == MOBILE_COLUMNS
    assert declared("phone") == PHONE_COLUMNS


def test_mobile_is_a_column_rule_not_a_node_kind() -> None:
    mobile = mobile_rule()
    assert mobile is identifiers.Mobile and mobile in identifiers.NARROWER
    # Node ids, indicator kinds and query kinds come from TYPES/KINDS, which stay as they were.
    assert "mobile" not in KINDS and mobile not in TYPES
    assert mobile.prefix == Phone.prefix == "tel:"


@pytest.mark.parametrize(
    "raw",
    ["95588", "+86 95588", "10086", "96110", "400-820-8820", "8008208820", "0755-83765566",
     "+86 755 8376 5566", "010-6234 5678", "０７５５－８３７６５５６６", "9558", "", "x"],
)  # fmt: skip
def test_other_phones_are_no_mobile(raw: str) -> None:
    mobile = mobile_rule()
    assert mobile.clean(raw) is None
    assert mobile.clean_array([raw])[1].tolist() == [False]


@pytest.mark.parametrize(
    "raw", ["13812345678", "+86 138-1234-5678", "008613812345678", "86 13812345678",
            "(138) 1234 5678", "１３８１２３４５６７８", "＋８６ １３８ １２３４ ５６７８"],
)  # fmt: skip
def test_member_spellings_of_a_mobile_clean_as_phone_cleans_them(raw: str) -> None:
    mobile = mobile_rule()
    assert mobile.clean(raw) == Phone.clean(raw) == "13812345678"


@settings(deadline=None)
@given(phones(), st.lists(st.booleans(), max_size=20), st.sampled_from(["", "+86", "0086", "86"]))
def test_a_mobile_has_the_same_clean_form_and_node_id_under_both_kinds(
    msisdn: str, wide: list[bool], cc: str
) -> None:
    mobile = mobile_rule()
    raw = fullwidth(f"{cc} {msisdn[:3]}-{msisdn[3:7]} {msisdn[7:]}", wide)
    assert mobile.clean(raw) == Phone.clean(raw) == msisdn
    node = Phone.node_id(msisdn)
    assert mobile.node_id(msisdn) == node == f"tel:+86{msisdn}"
    assert mobile.node_ids(pa.array([msisdn])).to_pylist() == [node]
    # The graph reads the node back as a phone's, and the mobile rule agrees on its value.
    assert parse_node_id(node) == (Phone, msisdn)
    assert mobile.from_node_id(node) == msisdn
    sql = mobile.node_id_sql("v")
    assert duckdb.sql(f"select {sql} from (select '{msisdn}' as v)").fetchall() == [(node,)]


@settings(deadline=None)
@given(st.one_of(junk(), phones(), service_codes(), hotlines(), landlines()))
def test_mobile_is_exactly_phone_restricted_to_mobiles(raw: str) -> None:
    mobile = mobile_rule()
    wide = Phone.clean(raw)
    expected = wide if wide is not None and Phone.line_kind(wide) == "mobile" else None
    assert mobile.clean(raw) == expected


@settings(deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), junk(), phones(), service_codes(), hotlines(), landlines()),
        max_size=30,
    )
)
def test_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    mobile = mobile_rule()
    assert_agrees(mobile, values)


@settings(deadline=None)
@given(st.one_of(service_codes(), hotlines(), landlines()))
def test_the_node_of_another_phone_names_no_mobile(number: str) -> None:
    mobile = mobile_rule()
    node = Phone.node_id(number)
    assert parse_node_id(node) == (Phone, number)
    with pytest.raises(ValueError, match="not a mobile node id"):
        mobile.from_node_id(node)
