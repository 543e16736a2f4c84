"""Resident ID numbers: GB 11643 check character, birth date, province, sex."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import assert_agrees, digit_strings, idno_check, idnos, junk

from fraudlink.model.identifiers import Idno
from fraudlink.model.identifiers.idno import LATEST_BIRTH


def test_known_number() -> None:
    idno = "11010519491231002X"
    assert Idno.clean(idno) == idno
    assert Idno.clean(idno.lower()) == idno
    assert Idno.birth_date(idno) == dt.date(1949, 12, 31)
    assert Idno.sex(idno) == "F"
    assert Idno.district(idno) == "110105"
    assert Idno.node_id(idno) == "idno:11010519491231002X"
    assert not Idno.validate(idno.lower())


def _with_check(body: str) -> str:
    return body + idno_check(body)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "110105491231002",  # old 15-digit format
        "11010519491231002",  # check character missing
        "110105194912310021",  # wrong check character
        _with_check("11010519490230002"),  # 30 February
        _with_check("11010519000229002"),  # 1900 was not a leap year
        _with_check("11010518991231002"),  # before 1900
        _with_check("11010520400101002"),  # after the latest birth bound
        _with_check("99010519491231002"),  # no province 99
        _with_check("10010519491231002"),  # no province 10
        _with_check("11010519491301002"),  # month 13
        _with_check("11010519491200002"),  # day 0
        "11010519491231002Y",
    ],
)
def test_bad_numbers_are_rejected(raw: str) -> None:
    assert Idno.clean(raw) is None


def test_leap_day_and_bounds_accepted() -> None:
    for body in ("11010520000229002", "11010519000101002", "1101052039123100" + "2"):
        assert Idno.clean(_with_check(body)) == _with_check(body)
    assert dt.date(2039, 12, 31) == LATEST_BIRTH


@given(idnos())
def test_valid_numbers_are_fixed_points(idno: str) -> None:
    assert Idno.clean(idno) == idno
    assert Idno.validate(idno)
    assert Idno.clean(" " + idno.lower() + " ") == idno
    assert Idno.sex(idno) == ("M" if int(idno[16]) % 2 else "F")
    assert dt.date(1900, 1, 1) <= Idno.birth_date(idno) <= LATEST_BIRTH
    assert Idno.from_node_id(Idno.node_id(idno)) == idno


@given(idnos(), st.data())
def test_any_single_character_change_is_rejected(idno: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, 17))
    alphabet = "0123456789X" if i == 17 else "0123456789"
    c = data.draw(st.sampled_from([c for c in alphabet if c != idno[i]]))
    assert Idno.clean(idno[:i] + c + idno[i + 1 :]) is None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            idnos(),
            idnos().map(str.lower),
            idnos().map(lambda s: s[:6] + " " + s[6:]),
            digit_strings(17).map(_with_check),  # right check, often a bad date or province
            digit_strings(18),
            junk(),
            st.none(),
        ),
        max_size=12,
    )
)
def test_clean_array_agrees_with_clean(values: list[str | None]) -> None:
    assert_agrees(Idno, values)
