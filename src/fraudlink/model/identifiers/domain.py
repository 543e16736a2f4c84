"""Domain names of phishing sites, fake investment platforms and app download pages."""

from __future__ import annotations

import re
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import TRIM, IdentifierType, fold_width, keep, mask_of

# A host-name label: letters, digits and inner hyphens, 1-63 characters (RFC 1035/1123).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# The top-level label is letters (com, cn) or an IDN A-label (xn--fiqs8s for 中国); an
# all-digit last label would make 1.2.3.4 a domain.
_TLD = r"(?:[a-z]{2,63}|xn--[a-z0-9-]{0,58}[a-z0-9])"
DOMAIN_RE = rf"(?:{_LABEL}\.)+{_TLD}"
MAX_LENGTH = 253

_DOMAIN_PY = re.compile(DOMAIN_RE)


class Domain(IdentifierType):
    """A fully qualified host name in lower-case ASCII, Unicode labels IDNA-encoded (punycode).

    The registered domain (example.com for www.example.com) is not worked out: that needs the
    public suffix list, and the full host is what members report.
    """

    kind: ClassVar[str] = "domain"
    prefix: ClassVar[str] = "domain:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The lower-case ASCII host name, or None if it is not a valid domain name."""
        if not isinstance(value, str):
            return None
        s = fold_width(value).strip(TRIM).lower()
        try:
            # Python's idna codec (IDNA 2003) maps Unicode labels and 。 dots to ASCII.
            s = s.encode("idna").decode("ascii")
        except ValueError:
            return None
        s = s.removesuffix(".")  # the root dot of a fully qualified name
        return s if len(s) <= MAX_LENGTH and _DOMAIN_PY.fullmatch(s) else None

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        # ASCII names pass through the idna codec unchanged, so only the shape needs checking.
        s = pc.replace_substring_regex(
            pc.ascii_lower(pc.utf8_trim(arr, characters=TRIM)), r"\.$", ""
        )
        ok = mask_of(pc.match_substring_regex(s, f"^{DOMAIN_RE}$")) & mask_of(
            pc.less_equal(pc.binary_length(s), MAX_LENGTH)
        )
        return keep(s, ok)
