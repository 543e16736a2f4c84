"""Mainland Chinese phone numbers: mobiles, service codes, 400/800 numbers and landlines.

Members send numbers in every shape: ``+86 138-1234-5678``, ``008613812345678``,
``86 13812345678``, ``138 1234 5678``, full-width digits, ``0755-8376 5566``, ``(010) 6234 5678``.
The clean form is the number as dialled at home: the bare 11 digits of a mobile, a service code
(``95588``), a 400/800 number (``4008208820``), a landline with its trunk 0 (``075583765566``).
The node id is the E.164 form, ``tel:+86`` and the number without the trunk 0
(``tel:+8613812345678``, ``tel:+864008208820``, ``tel:+8675583765566``), except for a service
code, which has no international form: ``tel:95588``.

Fraud gangs spoof bank and operator service numbers (95588, 10086) and call from 400/800
numbers and landlines, and victims report those; so they are phone numbers here too. A column
that can hold only a mobile (a SIM card's number) declares `Mobile` instead: the mobile part of
this rule alone, shared with it below.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import (
    BoolArray,
    IdentifierType,
    as_string_array,
    compact_match,
    keep,
    mask_of,
)

# Three-digit network prefixes by operator (MIIT number plan). The simulator draws numbers from
# this table too, so a number is valid exactly when its prefix is listed here. The looser
# third-digit ranges 14[5-9], 17[0-8], 19[0-35-9] also admit 146/148 (IoT data-only), 174
# (satellite) and 192 (China Broadnet); they are left out until an operator is named for them.
# fmt: off
PREFIXES_BY_OPERATOR: dict[str, tuple[str, ...]] = {
    # China Mobile.
    "CMCC": ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158",
             "159", "172", "178", "182", "183", "184", "187", "188", "195", "197", "198"),
    # China Unicom.
    "CUCC": ("130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196"),
    # China Telecom.
    "CTCC": ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"),
    # Virtual operators (MVNOs) rent the big three's networks; their numbers are a known fraud
    # favourite because real-name checks at resellers were weak.
    "VIRTUAL": ("162", "165", "167", "170", "171"),
}
# fmt: on

OPERATOR_BY_PREFIX: dict[str, str] = {
    p: op for op, prefixes in PREFIXES_BY_OPERATOR.items() for p in prefixes
}

LineKind = Literal["mobile", "service", "hotline", "landline"]

# Separators people put inside numbers; removed before the shape check.
_SEPARATORS = r"[ \t\r\n\-()]"
# The shapes below are written once and used by both Python's `re` (one value) and Arrow's RE2
# (a column), so the two paths cannot drift apart. They are disjoint: a separator-free string
# fits at most one, by its length and first digits.
_CC = r"(?:\+86|0086)"
# Optional country code in its three spellings, then the 11-digit national number. A bare `86`
# is taken only here: before a mobile it is unambiguous, before a short code it is not.
_SHAPE = r"(?:\+86|0086|86)?1[0-9]{10}"
# Bank and payment service codes (95xxx, 96xxx; 96110 is the police's own anti-fraud line) and
# operator and government codes (10086, 12345, 12381). The country code is allowed because a
# spoofed call from abroad shows as `+86 95588`. Five digits only: three-digit codes (110, 120)
# and longer ones (SMS ports such as 106…) are not taken yet.
SERVICE_SHAPE = _CC + r"?(?:95|96|10|12)[0-9]{3}"
# Nationwide 400 and 800 numbers: the prefix and seven digits, dialled without a trunk 0.
HOTLINE_SHAPE = _CC + r"?[48]00[0-9]{7}"
# A landline: the trunk 0 (or the country code, with the 0 people often leave in after it), an
# area code, then a subscriber number, which never starts with 0 or 1. The two-digit area codes
# are 10 and 20-29 (026, kept for Taiwan, is unused) with eight-digit subscribers; three-digit
# codes start with 3-9 and never end in 00 (so a 400/800 number cannot pass as one), with seven
# or eight digits after them.
LANDLINE_SHAPE = (
    r"(?:" + _CC + r"0?|0)(?P<nsn>(?:10|2[0-57-9])[2-9][0-9]{7}"
    r"|[3-9](?:0[1-9]|[1-9][0-9])[2-9][0-9]{6,7})"
)
_PREFIX_RE = "^(?:" + "|".join(sorted(OPERATOR_BY_PREFIX)) + ")"

_SEP_PY = re.compile(_SEPARATORS)
_ANY_PY = re.compile("|".join((_SHAPE, SERVICE_SHAPE, HOTLINE_SHAPE, LANDLINE_SHAPE)))
_SHAPE_PY = re.compile(_SHAPE)
_SERVICE_PY = re.compile(SERVICE_SHAPE)
_HOTLINE_PY = re.compile(HOTLINE_SHAPE)
_LANDLINE_PY = re.compile(LANDLINE_SHAPE)

SERVICE_LENGTH = 5
HOTLINE_LENGTH = 10
MOBILE_LENGTH = 11


def compact_mobile(value: object) -> str | None:
    """A raw value without its separators, when it then has a mobile's shape (any prefix)."""
    return compact_match(value, _SEP_PY, _SHAPE_PY)


def mobile_of(compact: str) -> str | None:
    """The 11-digit mobile of a separator-free value of a mobile's shape, None on an unlisted
    network prefix."""
    # After the shape check the national number is always the last 11 characters.
    msisdn = compact[-MOBILE_LENGTH:]
    return msisdn if msisdn[:3] in OPERATOR_BY_PREFIX else None


def compact_array(arr: pa.StringArray) -> pa.Array:
    """A column of ASCII values without the separators people put inside numbers."""
    return pc.replace_substring_regex(arr, _SEPARATORS, "")


def mobiles_of(s: pa.Array) -> tuple[pa.Array, BoolArray]:
    """The 11-digit mobiles of a separator-free column (null elsewhere) and where they are.

    The mobile rule of `Phone` and `Mobile` alike, so the two cannot come to differ on a mobile.
    """
    shaped = pc.match_substring_regex(s, f"^{_SHAPE}$")
    msisdn = pc.utf8_slice_codeunits(s, start=-MOBILE_LENGTH)
    ok = mask_of(shaped) & mask_of(pc.match_substring_regex(msisdn, _PREFIX_RE))
    return keep(msisdn, ok), ok


class Phone(IdentifierType):
    """A mainland phone number: a mobile, a service code, a 400/800 number or a landline."""

    kind: ClassVar[str] = "phone"
    prefix: ClassVar[str] = "tel:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The number as dialled at home, or None if it is not a mainland phone number."""
        s = compact_match(value, _SEP_PY, _ANY_PY)
        if s is None:
            return None
        if _SHAPE_PY.fullmatch(s):
            return mobile_of(s)
        if _SERVICE_PY.fullmatch(s):
            return s[-SERVICE_LENGTH:]
        if _HOTLINE_PY.fullmatch(s):
            return s[-HOTLINE_LENGTH:]
        landline = _LANDLINE_PY.fullmatch(s)
        return "0" + landline["nsn"] if landline else None

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = compact_array(arr)
        out, ok = mobiles_of(s)
        # Nearly every number in a feed is a mobile: the other shapes are tried on the rest only.
        rest = ~ok & mask_of(pc.is_valid(s))
        if not rest.any():
            return out
        other = cls._clean_other(s.filter(pa.array(rest)))
        # Put the rest back in place by a take (Arrow's replace_with_mask is several times slower).
        at = pa.array(np.cumsum(rest) - 1, mask=~rest)
        return pc.coalesce(out, other.take(at))

    @staticmethod
    def _clean_other(s: pa.StringArray) -> pa.Array:
        """Service codes, 400/800 numbers and landlines of separator-free values; null otherwise."""
        service = mask_of(pc.match_substring_regex(s, f"^(?:{SERVICE_SHAPE})$"))
        hotline = mask_of(pc.match_substring_regex(s, f"^(?:{HOTLINE_SHAPE})$"))
        nsn = pc.struct_field(pc.extract_regex(s, f"^{LANDLINE_SHAPE}$"), [0])
        return pc.coalesce(
            keep(pc.utf8_slice_codeunits(s, start=-SERVICE_LENGTH), service),
            keep(pc.utf8_slice_codeunits(s, start=-HOTLINE_LENGTH), hotline),
            pc.binary_join_element_wise("0", nsn, ""),
        )

    @classmethod
    def node_id(cls, value: str) -> str:
        """The E.164 node id (``tel:+8613812345678``; a service code: ``tel:95588``)."""
        if len(value) == SERVICE_LENGTH:
            return f"tel:{value}"
        return f"tel:+86{value.removeprefix('0')}"

    @classmethod
    def from_node_id(cls, node_id: str) -> str:
        """The clean number a ``tel:`` node id names."""
        if node_id.startswith("tel:+86"):
            national = node_id[len("tel:+86") :]
            # Only a landline drops a trunk 0 in its node id; mobiles and 400/800 numbers never
            # look like a landline once it is put back.
            landline = "0" + national
            return landline if cls.clean(landline) == landline else national
        code = node_id.removeprefix(cls.prefix)
        if code != node_id and len(code) == SERVICE_LENGTH and cls.clean(code) == code:
            return code
        raise ValueError(f"{node_id!r} is not a phone node id")

    @classmethod
    def node_ids(cls, values: pa.Array) -> pa.Array:
        """E.164 node ids for a column of clean numbers."""
        v = as_string_array(values)
        national = pc.if_else(pc.starts_with(v, "0"), pc.utf8_slice_codeunits(v, start=1), v)
        e164 = pc.binary_join_element_wise("+86", national, "")
        service = pc.equal(pc.utf8_length(v), SERVICE_LENGTH)
        return super().node_ids(pc.if_else(service, v, e164))

    @staticmethod
    def node_id_sql(value: str) -> str:
        """SQL for the node id of a column (or expression) of clean numbers."""
        return (
            f"(case when length({value}) = {SERVICE_LENGTH} then 'tel:' || {value}"
            f" when {value} like '0%' then 'tel:+86' || substr({value}, 2)"
            f" else 'tel:+86' || {value} end)"
        )

    @staticmethod
    def operator(msisdn: str) -> str | None:
        """The operator (CMCC, CUCC, CTCC or VIRTUAL) that issued a clean mobile number.

        None for a service code, a 400/800 number or a landline: the number does not say who
        issued it. A value that is no clean phone number at all raises ValueError.
        """
        try:
            return OPERATOR_BY_PREFIX[msisdn[:3]]
        except KeyError:
            if Phone.validate(msisdn):
                return None
            raise ValueError(f"{msisdn!r} has no known network prefix") from None

    @staticmethod
    def line_kind(number: str) -> LineKind:
        """What a clean number is: a mobile, a service code, a 400/800 hotline or a landline."""
        if not Phone.validate(number):
            raise ValueError(f"{number!r} is not a clean phone number")
        if number.startswith("0"):
            return "landline"
        if len(number) == SERVICE_LENGTH:
            return "service"
        return "hotline" if len(number) == HOTLINE_LENGTH else "mobile"

    @staticmethod
    def is_service(value: str) -> bool:
        """Whether a stored value is a clean public service code (95588, 10086); False for
        anything else, including values an older store kept unread."""
        return Phone.validate(value) and Phone.line_kind(value) == "service"
