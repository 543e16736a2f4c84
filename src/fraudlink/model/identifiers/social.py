"""Social and messaging platform accounts (WeChat, Douyin, QQ, Xianyu ...) used to groom victims."""

from __future__ import annotations

import re
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import TRIM, IdentifierType, keep, lower_match, mask_of

# A platform tag of 2-3 letters (wx WeChat, dy Douyin, qq QQ, xy Xianyu), an underscore, then
# the platform's own account id of 4-32 letters, digits or underscores. Platform ids are
# case-insensitive, so the clean form is lower case.
_SOCIAL = r"[a-z]{2,3}_[a-z0-9_]{4,32}"

_SOCIAL_PY = re.compile(_SOCIAL)


class Social(IdentifierType):
    """A platform-tagged account id such as ``wx_abc123``, in lower case."""

    kind: ClassVar[str] = "social"
    prefix: ClassVar[str] = "social:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The lower-case tagged account id, or None if it is not one."""
        return lower_match(value, _SOCIAL_PY)

    @staticmethod
    def platform(value: str) -> str:
        """The platform tag of a clean account id (``wx`` for ``wx_abc123``)."""
        return value.partition("_")[0]

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.ascii_lower(pc.utf8_trim(arr, characters=TRIM))
        return keep(s, mask_of(pc.match_substring_regex(s, f"^{_SOCIAL}$")))
