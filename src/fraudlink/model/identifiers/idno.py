"""PRC resident identity numbers (GB 11643-1999, 18 characters).

Layout: 6-digit administrative district, 8-digit birth date YYYYMMDD, 3-digit sequence (odd
for men, even for women), check character 0-9 or X (ISO 7064 MOD 11-2). The old 15-digit
numbers (before 1999, two-digit year, no check character) cannot be checked and are rejected;
every living holder has long since been reissued an 18-character number.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers._vector import IDNO_CHECK, IDNO_WEIGHTS, idno_check_char
from fraudlink.model.identifiers.base import (
    IdentifierType,
    compact_match,
    fixed_width_bytes,
    keep,
    mask_of,
    scatter,
)

# Province-level codes (first two digits): 11-15 north, 21-23 north-east, 31-37 east,
# 41-46 centre-south, 50-54 south-west, 61-65 north-west, 71 Taiwan, 81 Hong Kong, 82 Macau.
_PROVINCE = r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])"
_SHAPE = _PROVINCE + r"[0-9]{15}[0-9Xx]"
_SEPARATORS = r"[ \t\r\n]"

# Birth dates must be real days from 1900 up to this fixed bound. A fixed date (not today)
# keeps the rule deterministic; raise it well before the calendar gets close.
EARLIEST_BIRTH = dt.date(1900, 1, 1)
LATEST_BIRTH = dt.date(2039, 12, 31)

_SEP_PY = re.compile(_SEPARATORS)
_SHAPE_PY = re.compile(_SHAPE)
_WEIGHTS = [int(w) for w in IDNO_WEIGHTS]
_CHECK = bytes(IDNO_CHECK).decode("ascii")
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_LATEST_INT = int(LATEST_BIRTH.strftime("%Y%m%d"))


class Idno(IdentifierType):
    """An 18-character resident ID number with a valid district, birth date and check character."""

    kind: ClassVar[str] = "idno"
    prefix: ClassVar[str] = "idno:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The ID number with an upper-case X, or None if district, birth date or check is wrong."""
        s = compact_match(value, _SEP_PY, _SHAPE_PY)
        if s is None:
            return None
        s = s.upper()
        if _CHECK[sum(int(c) * w for c, w in zip(s, _WEIGHTS, strict=False)) % 11] != s[17]:
            return None
        try:
            born = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
        except ValueError:
            return None
        return s if EARLIEST_BIRTH <= born <= LATEST_BIRTH else None

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.replace_substring_regex(arr, _SEPARATORS, "")
        shaped = mask_of(pc.match_substring_regex(s, f"^{_SHAPE}$"))
        s = pc.ascii_upper(s)
        raw = fixed_width_bytes(s.filter(pa.array(shaped)), 18)
        digits = raw[:, :17] - np.uint8(48)
        ok = (idno_check_char(digits) == raw[:, 17]) & _real_birth_dates(digits[:, 6:14])
        return keep(s, scatter(len(s), shaped, ok))

    @staticmethod
    def birth_date(idno: str) -> dt.date:
        """The holder's date of birth."""
        return dt.date(int(idno[6:10]), int(idno[10:12]), int(idno[12:14]))

    @staticmethod
    def sex(idno: str) -> str:
        """The holder's sex: 'M' when the sequence code is odd, 'F' when even."""
        return "M" if int(idno[16]) % 2 else "F"

    @staticmethod
    def district(idno: str) -> str:
        """The 6-digit administrative district where the number was first issued."""
        return idno[:6]


def _real_birth_dates(ymd: np.ndarray) -> np.ndarray:
    """Whether each row of 8 digits YYYYMMDD is a real day between the two birth bounds."""
    d = ymd.astype(np.int64)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days = _MONTH_DAYS[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    stamp = year * 10000 + month * 100 + day
    return (
        month_ok
        & (day >= 1)
        & (day <= days)
        & (year >= EARLIEST_BIRTH.year)
        & (stamp <= _LATEST_INT)
    )
