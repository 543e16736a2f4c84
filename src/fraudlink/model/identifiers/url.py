"""Web addresses of phishing pages, fake shops and app download links."""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import TRIM, IdentifierType, fold_width, keep, mask_of
from fraudlink.model.identifiers.domain import DOMAIN_RE, MAX_LENGTH, Domain
from fraudlink.model.identifiers.ip import Ip

_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Spaces and control characters never belong inside a URL; a value holding them is free text.
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f]")
# A URL already in clean form: lower-case http(s), a domain host, no port, no user info, a path,
# a non-empty query if any, no fragment. Such rows are passed through without parsing; the
# length bound keeps the host within the domain length limit.
_CANONICAL = rf"^https?://{DOMAIN_RE}/[!-\x22\x24-\x3e\x40-\x7e]*(?:\?[!-\x22\x24-\x7e]+)?$"


class Url(IdentifierType):
    """An http(s) URL with lower-case scheme and host, no default port and no fragment.

    A bare ``example.com/pay`` gets ``http://``; an empty path becomes ``/``. Path and query are
    kept as sent (case and escapes matter to the server). User info before an ``@`` is kept
    too, since ``http://bank.com@evil.cn`` is itself a phishing trick worth recording. Hosts
    are normalised like domains (IDNA) or must be IPv4 addresses; IPv6 hosts are rejected.
    """

    kind: ClassVar[str] = "url"
    prefix: ClassVar[str] = "url:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The normalised URL, or None if it is not an http(s) URL with a dotted host."""
        if not isinstance(value, str):
            return None
        s = fold_width(value).strip(TRIM)
        if _BAD_CHARS.search(s):
            return None
        if "://" not in s:
            s = "http:" + s if s.startswith("//") else "http://" + s
        try:
            parts = urlsplit(s)
            port = parts.port
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES or "[" in parts.netloc:
            return None
        raw_host = parts.hostname or ""
        host = Ip.clean(raw_host) if _looks_numeric(raw_host) else Domain.clean(raw_host)
        if host is None:
            return None
        userinfo, at, _ = parts.netloc.rpartition("@")
        netloc = userinfo + at + host
        if port is not None and port != _DEFAULT_PORTS[scheme]:
            netloc += f":{port}"
        return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.utf8_trim(arr, characters=TRIM)
        canonical = mask_of(pc.match_substring_regex(s, _CANONICAL)) & mask_of(
            pc.less_equal(pc.binary_length(s), MAX_LENGTH)
        )
        # Everything else (no scheme, upper case, ports, fragments) is parsed once per value.
        return cls._fill_each(keep(s, canonical), s, ~canonical & mask_of(pc.is_valid(s)))


def _looks_numeric(host: str) -> bool:
    """Whether a host is written as digits and dots, so it must be an IPv4 address."""
    return bool(host) and all(c in "0123456789." for c in host)
