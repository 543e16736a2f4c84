"""Hypothesis strategies and checks shared by the identifier tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import strategies as st

from fraudlink.model.identifiers import PREFIXES_BY_OPERATOR, IdentifierType
from fraudlink.model.identifiers.idno import LATEST_BIRTH
from fraudlink.model.identifiers.luhn import luhn_ok

# Province-level codes, written out independently of the module under test.
PROVINCES = [
    *map(str, range(11, 16)),
    *map(str, range(21, 24)),
    *map(str, range(31, 38)),
    *map(str, range(41, 47)),
    *map(str, range(50, 55)),
    *map(str, range(61, 66)),
    "71",
    "81",
    "82",
]
ALL_PREFIXES = sorted(p for ps in PREFIXES_BY_OPERATOR.values() for p in ps)
IDNO_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]

# Characters that turn up in member-sent identifiers, plus a few that must never pass.
JUNK_ALPHABET = "0123456789０１２３４５６７８９ 　+-()\t\nxX.:/?#@_%aZwq中Ｘ＋－"


def digit_strings(n: int) -> st.SearchStrategy[str]:
    """Strings of exactly n decimal digits."""
    return st.text("0123456789", min_size=n, max_size=n)


def with_luhn(payload: str) -> str:
    """The payload with its Luhn check digit appended."""
    return next(payload + c for c in "0123456789" if luhn_ok(payload + c))


def luhn_numbers(min_len: int, max_len: int) -> st.SearchStrategy[str]:
    """Valid Luhn numbers of min_len to max_len digits."""
    return st.integers(min_len - 1, max_len - 1).flatmap(digit_strings).map(with_luhn)


def idno_check(body: str) -> str:
    """The GB 11643 check character for 17 digits."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, IDNO_WEIGHTS, strict=True)) % 11]


@st.composite
def idnos(draw: st.DrawFn) -> str:
    """Valid 18-character ID numbers with a real province, birth date and check character."""
    district = draw(st.sampled_from(PROVINCES)) + draw(digit_strings(4))
    born = draw(st.dates(dt.date(1900, 1, 1), LATEST_BIRTH))
    body = district + born.strftime("%Y%m%d") + draw(digit_strings(3))
    return body + idno_check(body)


@st.composite
def phones(draw: st.DrawFn) -> str:
    """Valid 11-digit mobile numbers on a listed network prefix."""
    return draw(st.sampled_from(ALL_PREFIXES)) + draw(digit_strings(8))


def fullwidth(s: str, which: list[bool]) -> str:
    """s with the characters flagged in `which` turned into their full-width forms."""
    return "".join(
        chr(ord(c) + 0xFEE0) if flag and "!" <= c <= "~" else c
        for c, flag in zip(s, which + [False] * len(s), strict=False)
    )


def junk(max_size: int = 24) -> st.SearchStrategy[str]:
    """Random strings, mostly from identifier-like characters, mostly invalid."""
    return st.one_of(st.text(JUNK_ALPHABET, max_size=max_size), st.text(max_size=max_size // 2))


def assert_agrees(kind: type[IdentifierType], values: list[str | None]) -> None:
    """clean_array gives exactly what clean gives, value by value, for several input forms."""
    expected = [None if v is None else kind.clean(v) for v in values]
    for column in (values, pa.array(values, pa.string()), np.array(values, dtype=object)):
        out, ok = kind.clean_array(column)
        assert out.to_pylist() == expected
        assert ok.tolist() == [e is not None for e in expected]


# Five-digit service codes: banks and payment firms (95xxx, 96xxx), operators and government
# (10xxx, 12xxx).
SERVICE_HEADS = ("95", "96", "10", "12")
# Two-digit area codes (Beijing 010, Guangzhou 020 … Xi'an 029; 026 is kept for Taiwan, unused).
AREA2 = ("10", "20", "21", "22", "23", "24", "25", "27", "28", "29")


def service_codes() -> st.SearchStrategy[str]:
    """Valid five-digit service codes such as 95588 or 12381."""
    return st.tuples(st.sampled_from(SERVICE_HEADS), digit_strings(3)).map("".join)


def hotlines() -> st.SearchStrategy[str]:
    """Valid 400/800 numbers, ten digits."""
    return st.tuples(st.sampled_from(("400", "800")), digit_strings(7)).map("".join)


@st.composite
def landlines(draw: st.DrawFn) -> str:
    """Valid landlines with their trunk 0: 0 + area code + a subscriber number not led by 0/1."""
    subscriber_head = draw(st.sampled_from("23456789"))
    if draw(st.booleans()):
        return "0" + draw(st.sampled_from(AREA2)) + subscriber_head + draw(digit_strings(7))
    area = draw(st.integers(300, 999).filter(lambda a: a % 100 != 0))
    return f"0{area}" + subscriber_head + draw(digit_strings(draw(st.sampled_from((6, 7)))))
