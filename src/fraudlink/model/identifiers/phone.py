"""Mainland Chinese mobile numbers (MSISDN without the +86), with their network operator.

Members send numbers in every shape: ``+86 138-1234-5678``, ``008613812345678``,
``86 13812345678``, ``138 1234 5678``, full-width digits. The clean form is the bare 11 digits;
the node id is the E.164 form ``tel:+8613812345678``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import (
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

# Separators people put inside numbers; removed before the shape check.
_SEPARATORS = r"[ \t\r\n\-()]"
# Optional country code in its three spellings, then the 11-digit national number.
_SHAPE = r"(?:\+86|0086|86)?1[0-9]{10}"
_PREFIX_RE = "^(?:" + "|".join(sorted(OPERATOR_BY_PREFIX)) + ")"

_SEP_PY = re.compile(_SEPARATORS)
_SHAPE_PY = re.compile(_SHAPE)


class Phone(IdentifierType):
    """A mainland mobile number, cleaned to its 11 national digits."""

    kind: ClassVar[str] = "phone"
    prefix: ClassVar[str] = "tel:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The bare 11-digit mobile number, or None if it is not a mainland mobile number."""
        s = compact_match(value, _SEP_PY, _SHAPE_PY)
        if s is None:
            return None
        msisdn = s[-11:]
        return msisdn if msisdn[:3] in OPERATOR_BY_PREFIX else None

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.replace_substring_regex(arr, _SEPARATORS, "")
        shaped = pc.match_substring_regex(s, f"^{_SHAPE}$")
        # After the shape check the national number is always the last 11 characters.
        msisdn = pc.utf8_slice_codeunits(s, start=-11)
        ok = mask_of(shaped) & mask_of(pc.match_substring_regex(msisdn, _PREFIX_RE))
        return keep(msisdn, ok)

    @classmethod
    def node_id(cls, value: str) -> str:
        """The E.164 node id, e.g. ``tel:+8613812345678``."""
        return f"tel:+86{value}"

    @classmethod
    def from_node_id(cls, node_id: str) -> str:
        """The 11-digit number a ``tel:+86`` node id names."""
        if not node_id.startswith("tel:+86"):
            raise ValueError(f"{node_id!r} is not a phone node id")
        return node_id[len("tel:+86") :]

    @classmethod
    def node_ids(cls, values: pa.Array) -> pa.Array:
        """E.164 node ids for a column of clean numbers."""
        return super().node_ids(pc.binary_join_element_wise("+86", as_string_array(values), ""))

    @staticmethod
    def operator(msisdn: str) -> str:
        """The operator (CMCC, CUCC, CTCC or VIRTUAL) that issued a clean mobile number."""
        try:
            return OPERATOR_BY_PREFIX[msisdn[:3]]
        except KeyError:
            raise ValueError(f"{msisdn!r} has no known network prefix") from None
