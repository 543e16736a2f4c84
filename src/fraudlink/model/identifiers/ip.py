"""IP addresses seen at logins, payments and phishing-site visits."""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import (
    TRIM,
    IdentifierType,
    ascii_text,
    keep,
    mask_of,
)

# One IPv4 octet 0-255 written without leading zeros: "010" is ambiguous (octal in some
# parsers, decimal in others), so such addresses are rejected rather than guessed at.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IPV4_PY = re.compile(_IPV4)


class Ip(IdentifierType):
    """An IPv4 dotted quad, or an IPv6 address in its compressed lower-case form (RFC 5952)."""

    kind: ClassVar[str] = "ip"
    prefix: ClassVar[str] = "ip:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The address in canonical text form, or None if it is not an IP address."""
        s = ascii_text(value)
        if s is None:
            return None
        if _IPV4_PY.fullmatch(s):
            return s
        # IPv6 only from here: zone ids (fe80::1%eth0) name a local link, not a host, so reject.
        if ":" not in s or "%" in s:
            return None
        try:
            addr = ipaddress.IPv6Address(s)
        except ValueError:
            return None
        # An IPv4-mapped address (::ffff:1.2.3.4) is an IPv4 host: name it the IPv4 way, which
        # also sidesteps Python versions printing these addresses differently.
        return str(addr.ipv4_mapped or addr)

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.utf8_trim(arr, characters=TRIM)
        v4 = mask_of(pc.match_substring_regex(s, f"^{_IPV4}$"))
        out = keep(s, v4)
        # IPv6 is rare in these feeds; parse those few rows one distinct value at a time.
        return cls._fill_each(out, s, mask_of(pc.match_substring(s, ":")) & ~v4)
