"""Dense ids for strings: digit keys and the dict beside them, against a plain dict numbering."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.store import string_ids
from fraudlink.store.arrays import NO_ID
from fraudlink.store.string_ids import (
    MAX_KEY_DIGITS,
    MAX_LENGTH_KEY_DIGITS,
    StringIds,
    digit_keys,
    digits_of_key,
)

# Digit strings that are keys, and strings next to them that are not: a leading zero spells the
# same number, 20 digits do not fit, full-width digits are digits to Unicode only.
digits = st.text("0123456789", min_size=1, max_size=MAX_KEY_DIGITS + 1)
odd = st.sampled_from(["", "0", "00", "007", "7", "+86138", "6222 0200", "１３８", "acct-1", "é"])
strings = st.one_of(digits, odd, st.none(), st.text(max_size=4))
batches = st.lists(st.lists(strings, max_size=30), min_size=1, max_size=12)


def numbered_by_hand(batches: list[list[str | None]]) -> tuple[list[list[int]], list[str]]:
    """Ids by a dict, in order of first sight, batch after batch."""
    seen: dict[str, int] = {}
    out = []
    for batch in batches:
        for s in batch:
            if s is not None:
                seen.setdefault(s, len(seen))
        out.append([NO_ID if s is None else seen[s] for s in batch])
    return out, list(seen)


# With the real tail share, and with a tail merged into the main part every few keys.
@pytest.mark.parametrize("tiny_tail", [False, True])
@settings(max_examples=150, deadline=None)
@given(batches=batches, probe=st.lists(strings, max_size=20))
def test_ids_count_up_in_order_of_first_sight(
    tiny_tail: bool, batches: list[list[str | None]], probe: list[str | None]
) -> None:
    want, names = numbered_by_hand(batches)
    book = StringIds()
    with pytest.MonkeyPatch.context() as m:
        if tiny_tail:
            m.setattr(string_ids, "_MIN_TAIL", 2)
            m.setattr(string_ids, "_TAIL_SHARE", 1)
        for batch, ids in zip(batches, want, strict=True):
            assert book.ids(pa.array(batch, pa.string())).tolist() == ids
    assert book.values().to_pylist() == names
    assert len(book) == len(names)
    # Asked without adding: the known ones' ids, NO_ID for the rest, and nothing numbered.
    known = {s: i for i, s in enumerate(names)}
    got = book.ids(pa.chunked_array([pa.array(probe, pa.string())]), add=False)
    assert got.tolist() == [known.get(s, NO_ID) if s is not None else NO_ID for s in probe]
    assert len(book) == len(names)


@given(st.lists(st.one_of(digits, odd, st.none()), max_size=40))
def test_digit_keys_are_distinct_for_distinct_strings(values: list[str | None]) -> None:
    keyable, keys = digit_keys(pa.array(values, pa.string()))
    by_key: dict[int, str] = {}
    for s, ok, k in zip(values, keyable.tolist(), keys.tolist(), strict=True):
        if ok:
            assert s is not None and int(s) == k
            assert by_key.setdefault(k, s) == s


@pytest.mark.parametrize(
    ("value", "keyable"),
    [("0", True), ("7", True), ("9" * MAX_KEY_DIGITS, True), ("6222021234567890123", True),
     ("1" + "0" * MAX_KEY_DIGITS, False), ("007", False), ("", False), ("１３８", False),
     ("+86138", False), (None, False)],
)  # fmt: skip
def test_which_strings_are_their_own_key(value: str | None, keyable: bool) -> None:
    assert digit_keys(pa.array([value], pa.string()))[0].tolist() == [keyable]


@given(st.lists(st.one_of(digits, odd, st.none()), max_size=40))
def test_keys_with_length_keep_leading_zeros_apart(values: list[str | None]) -> None:
    keyable, keys = digit_keys(pa.array(values, pa.string()), with_length=True)
    for s, ok, k in zip(values, keyable.tolist(), keys.tolist(), strict=True):
        plain = s is not None and s.isascii() and s.isdigit()
        assert ok == (plain and len(s or "") <= MAX_LENGTH_KEY_DIGITS)
        if ok:
            assert digits_of_key(k) == s and k < 2**62
