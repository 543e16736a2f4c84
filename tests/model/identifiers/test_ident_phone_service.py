"""Service codes, 400/800 numbers and landlines are phone numbers; mobiles keep their old ids.

Fraud gangs spoof bank and operator service numbers (95588, 10086) and call from 400/800
numbers and landlines; victims report them, so they must clean, get node ids and be found.
"""

from __future__ import annotations

import re

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

from fraudlink.model.identifiers import PREFIXES_BY_OPERATOR, Phone, get, parse_node_id
from fraudlink.model.identifiers.base import compact_match
from fraudlink.model.identifiers.phone import OPERATOR_BY_PREFIX

# A copy of the mobile-only rule as it was before service numbers and landlines were taken:
# every value it accepted must clean, and get its node id and operator, exactly as before.
_OLD_SEP = re.compile(r"[ \t\r\n\-()]")
_OLD_SHAPE = re.compile(r"(?:\+86|0086|86)?1[0-9]{10}")


def old_clean(value: str) -> str | None:
    s = compact_match(value, _OLD_SEP, _OLD_SHAPE)
    if s is None:
        return None
    msisdn = s[-11:]
    return msisdn if msisdn[:3] in OPERATOR_BY_PREFIX else None


def old_node_id(value: str) -> str:
    return f"tel:+86{value}"


@pytest.mark.parametrize(
    ("raw", "clean", "node"),
    [
        ("95588", "95588", "tel:95588"),
        ("95555", "95555", "tel:95555"),
        ("96110", "96110", "tel:96110"),
        ("10086", "10086", "tel:10086"),
        ("12381", "12381", "tel:12381"),
        ("12345", "12345", "tel:12345"),
        ("９５５８８", "95588", "tel:95588"),
        ("+86 95588", "95588", "tel:95588"),
        ("400-820-8820", "4008208820", "tel:+864008208820"),
        ("4008208820", "4008208820", "tel:+864008208820"),
        ("800 820 8820", "8008208820", "tel:+868008208820"),
        ("+86 400 820 8820", "4008208820", "tel:+864008208820"),
        ("0755-83765566", "075583765566", "tel:+8675583765566"),
        ("075583765566", "075583765566", "tel:+8675583765566"),
        ("+86 755 8376 5566", "075583765566", "tel:+8675583765566"),
        ("0086 755 83765566", "075583765566", "tel:+8675583765566"),
        ("+86 (0)755 8376 5566", "075583765566", "tel:+8675583765566"),
        ("(0755) 8376-5566", "075583765566", "tel:+8675583765566"),
        ("０７５５－８３７６５５６６", "075583765566", "tel:+8675583765566"),
        ("0771-5851234", "07715851234", "tel:+867715851234"),  # Nanning, seven digits
        ("010-6234 5678", "01062345678", "tel:+861062345678"),  # Beijing
        ("+86 21 6234 5678", "02162345678", "tel:+862162345678"),  # Shanghai
    ],
)
def test_service_hotline_and_landline_spellings(raw: str, clean: str, node: str) -> None:
    assert Phone.clean(raw) == clean
    assert Phone.node_id(clean) == node
    assert Phone.from_node_id(node) == clean
    assert parse_node_id(node) == (Phone, clean)
    assert Phone.clean_array([raw])[0].to_pylist() == [clean]


@pytest.mark.parametrize(
    "raw",
    [
        "9558",  # four digits
        "955888",  # six digits
        "95588x",
        "11086",  # 11xxx is no service range
        "86 95588",  # a bare 86 is taken only before a mobile
        "0123",
        "138123456789",  # a twelve-digit mobile
        "40082088201",  # eleven digits
        "400820882",  # nine digits
        "04008208820",  # 400 numbers take no trunk 0
        "500-820-8820",
        "02612345678",  # 026 is unused
        "01012345678",  # a subscriber number never starts with 1
        "01002345678",  # … nor with 0
        "0106234567",  # Beijing numbers have eight digits
        "07001234567",  # no area code ends in 00
        "075583765566789",
        "8675583765566",  # a bare 86 is taken only before a mobile
        "+86 0 13812345678",  # a mobile takes no trunk 0
        "013812345678",
        "+85275583765566",
        "0755.83765566",
        "tel:95588",  # the node id prefix is the lookup's business, not the cleaner's
    ],
)
def test_refusals(raw: str) -> None:
    assert Phone.clean(raw) is None
    assert Phone.clean_array([raw])[0].to_pylist() == [None]


@pytest.mark.parametrize(
    ("number", "line"),
    [("13812345678", "mobile"), ("95588", "service"), ("4008208820", "hotline"),
     ("075583765566", "landline"), ("01062345678", "landline")],
)  # fmt: skip
def test_line_kind(number: str, line: str) -> None:
    assert Phone.line_kind(number) == line


def test_no_operator_for_service_hotline_or_landline() -> None:
    for number in ("95588", "10086", "4008208820", "075583765566", "01062345678"):
        assert Phone.operator(number) is None
    for bad in ("12012345678", "9558", "0755", ""):
        with pytest.raises(ValueError):
            Phone.operator(bad)
        with pytest.raises(ValueError):
            Phone.line_kind(bad)


@pytest.mark.parametrize("node", ["tel:9558", "tel:11086", "tel:+", "tel:955880", "card:95588"])
def test_from_node_id_refuses_what_is_no_phone_node(node: str) -> None:
    with pytest.raises(ValueError):
        Phone.from_node_id(node)


def test_from_node_id_reads_any_e164_tail_as_before() -> None:
    # A `tel:+86` id is read back without judging what follows, as it always was.
    assert Phone.from_node_id("tel:+8695588x") == "95588x"


def others() -> st.SearchStrategy[str]:
    """Clean service codes, 400/800 numbers and landlines."""
    return st.one_of(service_codes(), hotlines(), landlines())


@given(others())
def test_new_kinds_are_fixed_points_and_round_trip(number: str) -> None:
    assert Phone.clean(number) == number
    assert Phone.validate(number)
    assert Phone.operator(number) is None
    node = Phone.node_id(number)
    assert Phone.from_node_id(node) == number
    assert get("phone").node_ids([number, None]).to_pylist() == [node, None]


def spelled(number: str, country: str, seps: list[str], wide: list[bool]) -> str:
    """A number as a member might send it: country code, separators, full-width characters."""
    if country and number.startswith("0"):
        number = number[1:]
    noisy = country + "".join(d + s for d, s in zip(number, seps, strict=False))
    return fullwidth(noisy, wide)


SPELLING = (
    st.sampled_from(["", "+86", "0086", "+86 ", "(+86)", "0086-"]),
    st.lists(st.sampled_from(["", "", "", " ", "-", "\t", "(", ")"]), min_size=12, max_size=12),
    st.lists(st.booleans(), max_size=20),
)


@given(others(), *SPELLING)
def test_new_kinds_in_member_spellings(
    number: str, country: str, seps: list[str], wide: list[bool]
) -> None:
    assert Phone.clean(spelled(number, country, seps, wide)) == number


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.builds(spelled, phones(), st.sampled_from(["", "86", "86 "]), *SPELLING[1:]),
        st.builds(spelled, phones(), *SPELLING),
        st.builds(spelled, others(), *SPELLING),
        junk(),
        st.text("0123456789+ -", max_size=18),
    )
)
def test_every_old_mobile_keeps_its_number_node_id_and_operator(raw: str) -> None:
    old, new = old_clean(raw), Phone.clean(raw)
    if old is not None:
        assert new == old
        assert Phone.node_id(new) == old_node_id(old)
        assert Phone.from_node_id(old_node_id(old)) == old
        assert Phone.operator(new) == OPERATOR_BY_PREFIX[old[:3]]
        assert Phone.line_kind(new) == "mobile"
    elif new is not None:
        # Whatever is newly taken is no mobile: it can never shadow an old number.
        assert Phone.line_kind(new) != "mobile"
        assert Phone.operator(new) is None
        assert Phone.node_id(new) not in {old_node_id(p + "0" * 8) for p in OPERATOR_BY_PREFIX}


@given(st.lists(st.one_of(phones(), others()), max_size=12))
def test_operators_are_unchanged_for_mobiles(numbers: list[str]) -> None:
    for n in numbers:
        op = Phone.operator(n)
        assert op is None if Phone.line_kind(n) != "mobile" else op in PREFIXES_BY_OPERATOR


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            phones(),
            others(),
            st.builds(spelled, others(), *SPELLING),
            st.builds(spelled, phones(), *SPELLING),
            junk(),
            st.none(),
        ),
        max_size=12,
    )
)
def test_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    assert_agrees(Phone, values)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(phones(), others(), st.none()), max_size=12))
def test_node_ids_and_node_id_sql_agree_with_node_id(numbers: list[str | None]) -> None:
    expected = [None if n is None else Phone.node_id(n) for n in numbers]
    assert Phone.node_ids(pa.array(numbers, pa.string())).to_pylist() == expected
    con = duckdb.connect()
    con.register("numbers", pa.table({"v": pa.array(numbers, pa.string())}))
    got = con.sql(f"select {Phone.node_id_sql('v')} as n from numbers").fetchall()
    assert [n for (n,) in got] == expected
