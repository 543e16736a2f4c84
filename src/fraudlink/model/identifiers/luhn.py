"""Numbers protected by a Luhn check digit: bank cards and handset IMEIs share one rule."""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import (
    IdentifierType,
    fixed_width_bytes,
    fold_width,
    keep,
    mask_of,
    scatter,
)

# Spaces and dashes that group digits on cards, receipts and handset stickers.
SEPARATORS = r"[ \t\r\n\-]"
_SEP_PY = re.compile(SEPARATORS)
# A digit doubled and its digits summed: 5 -> 10 -> 1.
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check."""
    total = 0
    # Double every second digit counting from the check digit at the right.
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_valid_rows(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Whether each row of digits (check digit last) passes the Luhn check."""
    # Same result as _vector.luhn_valid, about fifty times faster: one small-integer pass per
    # column instead of int64 copies of the whole matrix.
    n, width = digits.shape
    total = np.zeros(n, dtype=np.uint16)
    for j in range(width):
        col = digits[:, j]
        total += _DOUBLED[col] if (width - 1 - j) % 2 else col
    return np.asarray(total % 10 == 0)


class LuhnNumber(IdentifierType):
    """A run of `min_len` to `max_len` digits whose last digit is a Luhn check digit."""

    min_len: ClassVar[int]
    max_len: ClassVar[int]

    @classmethod
    def _shape(cls) -> str:
        return f"[0-9]{{{cls.min_len},{cls.max_len}}}"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The bare digits, or None if the length or the Luhn check digit is wrong."""
        if not isinstance(value, str):
            return None
        s = _SEP_PY.sub("", fold_width(value))
        if not s.isascii() or re.fullmatch(cls._shape(), s) is None:
            return None
        return s if luhn_ok(s) else None

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.replace_substring_regex(arr, SEPARATORS, "")
        shaped = mask_of(pc.match_substring_regex(s, f"^{cls._shape()}$"))
        cand = s.filter(pa.array(shaped))
        # Leading zeros do not change a Luhn sum, so pad every number to one width and check
        # the whole column as a single digit matrix.
        padded = pc.utf8_lpad(cand, width=cls.max_len, padding="0")
        digits = fixed_width_bytes(padded, cls.max_len) - np.uint8(48)
        return keep(s, scatter(len(s), shaped, luhn_valid_rows(digits)))
