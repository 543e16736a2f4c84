"""Mobile numbers: formatting noise removed, prefixes checked, operators named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import ALL_PREFIXES, assert_agrees, fullwidth, junk, phones

from fraudlink.model.identifiers import PREFIXES_BY_OPERATOR, Phone


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138-1234-5678",
        "008613812345678",
        "86 13812345678",
        "138 1234 5678",
        "１３８１２３４５６７８",
        "(+86) 138 1234 5678",
        " 13812345678\n",
        "＋８６　１３８－１２３４－５６７８",
    ],
)
def test_member_spellings_clean_to_national_number(raw: str) -> None:
    assert Phone.clean(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "12012345678",  # no such network
        "14612345678",  # IoT range, not in the operator table
        "19212345678",  # China Broadnet, not in the operator table
        "+85213812345678",  # another country code
        "+86+8613812345678",
        "138.1234.5678",
        "1381234567８x",
        "١٣٨١٢٣٤٥٦٧٨",  # Arabic-Indic digits are not folded
    ],
)
def test_non_numbers_are_rejected(raw: str) -> None:
    assert Phone.clean(raw) is None


def test_operator_table_is_consistent() -> None:
    prefixes = [p for ps in PREFIXES_BY_OPERATOR.values() for p in ps]
    assert len(prefixes) == len(set(prefixes))
    assert set(PREFIXES_BY_OPERATOR) == {"CMCC", "CUCC", "CTCC", "VIRTUAL"}
    assert set(PREFIXES_BY_OPERATOR["VIRTUAL"]) == {"162", "165", "167", "170", "171"}
    assert all(len(p) == 3 and p[0] == "1" for p in prefixes)


@pytest.mark.parametrize(
    ("msisdn", "operator"),
    [
        ("13812345678", "CMCC"),
        ("18612345678", "CUCC"),
        ("18912345678", "CTCC"),
        ("17012345678", "VIRTUAL"),
        ("16512345678", "VIRTUAL"),
        ("19812345678", "CMCC"),
    ],
)
def test_operator(msisdn: str, operator: str) -> None:
    assert Phone.operator(msisdn) == operator


def test_operator_of_unknown_prefix_raises() -> None:
    with pytest.raises(ValueError):
        Phone.operator("12012345678")


@given(phones())
def test_valid_numbers_are_fixed_points(msisdn: str) -> None:
    assert Phone.clean(msisdn) == msisdn
    assert Phone.validate(msisdn)
    assert Phone.operator(msisdn) in PREFIXES_BY_OPERATOR


@given(
    phones(),
    st.sampled_from(["", "+86", "0086", "86", "+86 ", "(+86)", "86-"]),
    st.lists(st.sampled_from(["", "", "", " ", "-", "\t"]), min_size=11, max_size=11),
    st.lists(st.booleans(), max_size=30),
)
def test_formatting_noise_is_removed(
    msisdn: str, country: str, seps: list[str], wide: list[bool]
) -> None:
    noisy = country + "".join(d + s for d, s in zip(msisdn, seps, strict=True))
    noisy = fullwidth(noisy, wide)
    assert Phone.clean(noisy) == msisdn
    assert not Phone.validate(noisy) or noisy == msisdn


@given(st.sampled_from([p for p in (f"1{i:02d}" for i in range(100)) if p not in ALL_PREFIXES]))
def test_unlisted_prefixes_are_rejected(prefix: str) -> None:
    assert Phone.clean(prefix + "12345678") is None


@settings(deadline=None)
@given(phones())
def test_node_id_round_trip(msisdn: str) -> None:
    node = Phone.node_id(msisdn)
    assert node == f"tel:+86{msisdn}"
    assert Phone.from_node_id(node) == msisdn
    assert Phone.node_ids([msisdn, None]).to_pylist() == [node, None]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            phones(),
            phones().map(lambda p: "+86 " + p[:3] + "-" + p[3:]),
            phones().map(lambda p: fullwidth(p, [True, False] * 6)),
            junk(),
            st.none(),
        ),
        max_size=12,
    )
)
def test_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    assert_agrees(Phone, values)
