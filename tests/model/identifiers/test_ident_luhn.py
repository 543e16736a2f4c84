"""Bank cards and IMEIs: Luhn check digits, separators, single-digit errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ident_strategies import assert_agrees, digit_strings, junk, luhn_numbers, with_luhn

from fraudlink.model.identifiers import Card, Imei, get
from fraudlink.model.identifiers._vector import luhn_valid
from fraudlink.model.identifiers.luhn import luhn_ok, luhn_valid_rows


def test_textbook_luhn_number() -> None:
    assert luhn_ok("49927398716")
    assert not luhn_ok("49927398717")
    # Eleven digits is too short for an account number, though the check digit is right.
    assert Card.clean("49927398716") is None


@pytest.mark.parametrize(
    "number",
    [
        "6222020000000000018",  # ICBC debit BIN 622202
        "6217001234567890122",  # CCB debit BIN 621700
        "6228480402564890018",  # ABC debit BIN 622848
        "2088001234567898",  # Alipay-style 16-digit account
        "4111111111111111",
        "6212345678901265",
    ],
)
def test_real_looking_cards(number: str) -> None:
    assert Card.clean(number) == number
    assert Card.node_id(number) == f"card:{number}"
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    assert Card.clean(grouped) == number
    assert Card.clean(number.replace("0", "０")) == number


@pytest.mark.parametrize(
    "raw", ["", "6217001234567890123", "62220200000000000180000", "6222-0200-abcd", "62220200000"]
)
def test_bad_cards(raw: str) -> None:
    assert Card.clean(raw) is None


def test_imei_examples() -> None:
    assert Imei.clean("35-209900-176148-1") == "352099001761481"
    assert Imei.clean("490154203237518") == "490154203237518"
    assert Imei.clean("49015420323751") is None  # 14 digits, no check digit
    assert Imei.clean("4901542032375180") is None  # 16 digits (IMEISV)
    assert Imei.node_id("490154203237518") == "imei:490154203237518"


def test_account_is_an_alias_of_card() -> None:
    assert get("account") is Card
    assert get("card") is Card


@pytest.mark.parametrize(("kind", "lo", "hi"), [(Card, 12, 19), (Imei, 15, 15)])
@given(data=st.data())
def test_valid_numbers_are_fixed_points(
    kind: type[Card], lo: int, hi: int, data: st.DataObject
) -> None:
    number = data.draw(luhn_numbers(lo, hi))
    assert kind.clean(number) == number
    assert kind.validate(number)
    assert kind.from_node_id(kind.node_id(number)) == number


@pytest.mark.parametrize(("kind", "lo", "hi"), [(Card, 12, 19), (Imei, 15, 15)])
@given(data=st.data())
def test_any_single_digit_change_is_rejected(
    kind: type[Card], lo: int, hi: int, data: st.DataObject
) -> None:
    number = data.draw(luhn_numbers(lo, hi))
    i = data.draw(st.integers(0, len(number) - 1))
    d = data.draw(st.sampled_from([c for c in "0123456789" if c != number[i]]))
    assert kind.clean(number[:i] + d + number[i + 1 :]) is None


@given(st.lists(st.integers(2, 18).flatmap(digit_strings), min_size=1, max_size=20))
def test_fast_luhn_matches_vector_helper(payloads: list[str]) -> None:
    width = max(len(p) for p in payloads) + 1
    numbers = [with_luhn(p).zfill(width) for p in payloads] + [p.zfill(width) for p in payloads]
    digits = np.array([[int(c) for c in n] for n in numbers], dtype=np.uint8)
    assert luhn_valid_rows(digits).tolist() == luhn_valid(digits).tolist()
    assert luhn_valid_rows(digits).tolist() == [luhn_ok(n) for n in numbers]


@settings(max_examples=150, deadline=None)
@pytest.mark.parametrize("kind", [Card, Imei])
@given(
    values=st.lists(
        st.one_of(
            luhn_numbers(12, 19),
            luhn_numbers(15, 15).map(lambda n: f"{n[:2]}-{n[2:8]} {n[8:]}"),
            st.integers(10, 21).flatmap(digit_strings),
            junk(),
            st.none(),
        ),
        max_size=12,
    )
)
def test_clean_array_agrees_with_clean(kind: type[Card], values: list[str | None]) -> None:
    assert_agrees(kind, values)
