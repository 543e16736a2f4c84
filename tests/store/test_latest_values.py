"""The latest value per string, set and read a column at a time, against a plain dict."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from call_count import calls_made
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store.latest_values import LatestValues, _keys
from fraudlink.store.string_ids import MAX_KEY_DIGITS, digit_keys

MISSING = -7
# Digit strings that are keys, and strings next to them that are not: a leading zero spells the
# same number, 20 digits do not fit, full-width digits are digits to Unicode only, and Arrow's
# cast to an integer reads "0x" strings as hexadecimal (0xFFFFFFFF has as many characters as
# 4294967295 has digits).
digits = st.text("0123456789", min_size=1, max_size=MAX_KEY_DIGITS + 1)
odd = st.sampled_from(
    [
        "",
        "0",
        "00",
        "007",
        "7",
        "+86138",
        "6222 0200",
        "１３８",
        "acct-1",
        "0x10",
        "0xFFFFFFFF",
        "4294967295",
        "18446744073709551615",
        "é",
    ]
)
strings = st.one_of(digits, odd, st.none())
column = st.lists(strings, max_size=30)
batches = st.lists(st.tuples(column, st.integers(-3, 10**12)), min_size=1, max_size=10)


def by_dict(batches: list[tuple[list[str | None], int]]) -> dict[str, int]:
    """The definition: each string's value from the last row that set it."""
    seen: dict[str, int] = {}
    for b, (batch, base) in enumerate(batches):
        for i, s in enumerate(batch):
            if s is not None:
                seen[s] = base + b * 100 + i
    return seen


@pytest.mark.parametrize("tiny_tail", [False, True])
@settings(max_examples=150, deadline=None)
@given(batches=batches, probe=column, digits_only=st.booleans())
def test_a_column_reads_the_value_its_strings_were_last_set_to(
    tiny_tail: bool,
    batches: list[tuple[list[str | None], int]],
    probe: list[str | None],
    digits_only: bool,
) -> None:
    if digits_only:  # every string a plain number: the quick path of a whole column
        batches = [([s for s in b if s and s.isdigit() and s[0] != "0"], v) for b, v in batches]
    book = LatestValues(tail_share=1, min_tail=2) if tiny_tail else LatestValues()
    for b, (batch, base) in enumerate(batches):
        values = np.arange(len(batch), dtype=np.int64) + base + b * 100
        book.set(pa.chunked_array([pa.array(batch, pa.string())]), values)
    want = by_dict(batches)
    assert len(book) == len(want)
    asked = list(want) + probe
    got = book.get(pa.array(asked, pa.string()), MISSING)
    assert got.tolist() == [want.get(s, MISSING) if s is not None else MISSING for s in asked]


same_width = st.lists(st.text("0123456789", min_size=11, max_size=11), max_size=40)


@given(st.one_of(st.lists(st.one_of(digits, odd), max_size=40), same_width),
       st.booleans(), st.integers(0, 3))  # fmt: skip
def test_the_quick_keys_are_the_keys_of_string_ids(
    values: list[str], with_null: bool, cut: int
) -> None:
    # A slice of a longer column, as a table's column often is: its buffers start elsewhere.
    pad = ["4" * 11] * cut
    padded = pa.array(pad + values + ([None] if with_null else []) + pad)
    arr = padded.slice(cut, len(values) + with_null)
    at, keys, rest = _keys(arr)
    keyable, want = digit_keys(arr)
    where = np.arange(len(arr)) if at is None else at
    assert where.tolist() == np.flatnonzero(keyable).tolist()
    assert keys.tolist() == want[keyable].tolist()
    assert sorted([*where.tolist(), *rest.tolist()]) == list(range(len(values)))


def test_reading_a_column_costs_no_step_a_row() -> None:
    book = LatestValues()
    numbers = [str(13900000000 + i) for i in range(5000)]
    book.set(pa.array(numbers, pa.string()), np.arange(5000, dtype=np.int64))
    odd = ["0x10", "+86", None]  # through the dict, once per distinct string
    for extra in ([], odd):
        few = pa.array(numbers[:10] + extra, pa.string())
        many = pa.array(numbers[::2] + extra * 100, pa.string())
        small = calls_made(lambda: book.get(few, MISSING))  # noqa: B023
        big = calls_made(lambda: book.get(many, MISSING))  # noqa: B023
        assert big - small < 20, (small, big)
