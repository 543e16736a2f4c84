"""Mobile app package ids: the fake loan, investment and remote-screen apps victims install."""

from __future__ import annotations

import re
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.identifiers.base import TRIM, IdentifierType, keep, lower_match, mask_of

# Android's rule for package names: at least two dot-separated segments, each a letter
# followed by letters, digits or underscores. Lower case only once cleaned.
_SEGMENT = r"[a-z][a-z0-9_]*"
_APP = rf"{_SEGMENT}(?:\.{_SEGMENT})+"
MAX_LENGTH = 255

_APP_PY = re.compile(_APP)


class App(IdentifierType):
    """A reverse-DNS app package id such as ``com.example.app``, in lower case."""

    kind: ClassVar[str] = "app"
    prefix: ClassVar[str] = "app:"

    @classmethod
    def clean(cls, value: str) -> str | None:
        """The lower-case package id, or None if it is not a reverse-DNS package id."""
        return lower_match(value, _APP_PY, MAX_LENGTH)

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        s = pc.ascii_lower(pc.utf8_trim(arr, characters=TRIM))
        ok = mask_of(pc.match_substring_regex(s, f"^{_APP}$")) & mask_of(
            pc.less_equal(pc.binary_length(s), MAX_LENGTH)
        )
        return keep(s, ok)
