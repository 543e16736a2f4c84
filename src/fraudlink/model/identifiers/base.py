"""The common shape of an identifier rule: clean one value, clean a whole column, make node ids.

Every kind follows the same contract so ingest, the graph and the docs can treat them alike:

* ``clean(value)`` returns the normalised value or None when it is not a valid identifier.
* ``clean_array(values)`` does the same for a whole column and must agree with ``clean`` exactly.
  Rows that are pure ASCII go through a vectorised path (Arrow compute plus NumPy check digits);
  other rows (full-width digits, Chinese text, IDN hosts) are rare and go through ``clean`` once
  per distinct value.
* Full-width forms (U+FF01-U+FF5E and the ideographic space U+3000) are folded to ASCII first,
  because members key numbers in on Chinese input methods.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

BoolArray = npt.NDArray[np.bool_]

# Full-width ASCII forms sit exactly 0xFEE0 above their ASCII twins; U+3000 is the full-width space.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# Whitespace trimmed from both ends of every value; spelt out so Python and Arrow agree exactly.
TRIM = " \t\r\n"

_NULL = pa.scalar(None, pa.string())


def fold_width(value: str) -> str:
    """The value with full-width letters, digits and punctuation turned into plain ASCII."""
    # Nearly every value is ASCII already, and the test is much cheaper than a translate.
    return value if value.isascii() else value.translate(_FULLWIDTH)


def lower_match(value: object, pattern: re.Pattern[str], max_length: int = 255) -> str | None:
    """A raw value in lower case when, folded and trimmed, it matches `pattern` whole."""
    s = ascii_text(value)
    if s is None:
        return None
    s = s.lower()
    return s if len(s) <= max_length and pattern.fullmatch(s) else None


def compact_match(value: object, separators: re.Pattern[str], shape: re.Pattern[str]) -> str | None:
    """A raw value with its grouping separators removed, when it then has the expected shape."""
    if not isinstance(value, str):
        return None
    s = separators.sub("", fold_width(value))
    return s if s.isascii() and shape.fullmatch(s) is not None else None


def ascii_text(value: object) -> str | None:
    """A raw value folded to ASCII and trimmed, or None when it is not text or not ASCII."""
    if not isinstance(value, str):
        return None
    s = fold_width(value).strip(TRIM)
    return s if s.isascii() else None


def as_string_array(values: object) -> pa.StringArray:
    """A column of raw values as one Arrow string array (nulls kept)."""
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        raw = np.asarray(values)
        # NumPy str arrays convert directly; object arrays may hold None for missing values.
        values = (
            pa.array(raw, type=pa.string())
            if raw.dtype.kind == "U"
            else pa.array(raw.astype(object), type=pa.string(), from_pandas=True)
        )
    # Large NumPy columns come back from Arrow in chunks.
    arr: pa.Array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def fixed_width_bytes(arr: pa.StringArray, width: int) -> npt.NDArray[np.uint8]:
    """The (n, width) byte matrix of a null-free string array whose values are `width` bytes."""
    n = len(arr)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    # Read the Arrow buffers directly: no Python strings are made for a million rows.
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if len(data) != n * width:
        raise ValueError(f"expected {n} values of {width} bytes")
    return data.reshape(n, width)


def mask_of(condition: pa.Array) -> BoolArray:
    """A boolean Arrow array as a NumPy mask, null counted as False."""
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def keep(values: pa.Array, valid: BoolArray) -> pa.Array:
    """The values where valid, null elsewhere."""
    return pc.if_else(pa.array(valid, pa.bool_()), values, _NULL)


def scatter(n: int, where: BoolArray, ok: BoolArray) -> BoolArray:
    """A mask of length n: `ok` placed at the rows selected by `where`, False elsewhere."""
    out = np.zeros(n, dtype=bool)
    out[where] = ok
    return out


class IdentifierType(ABC):
    """One kind of identifier: how to clean it, validate it and name its node in the graph."""

    kind: ClassVar[str]
    prefix: ClassVar[str]

    @classmethod
    @abstractmethod
    def clean(cls, value: str) -> str | None:
        """The normalised identifier, or None when the value is not one."""

    @classmethod
    def validate(cls, value: str) -> bool:
        """Whether the value is a valid identifier already in its normal form."""
        return isinstance(value, str) and cls.clean(value) == value

    @classmethod
    def node_id(cls, value: str) -> str:
        """The graph node id of a clean value."""
        return cls.prefix + value

    @classmethod
    def from_node_id(cls, node_id: str) -> str:
        """The clean value a node id of this kind names."""
        if not node_id.startswith(cls.prefix):
            raise ValueError(f"{node_id!r} is not a {cls.kind} node id")
        return node_id[len(cls.prefix) :]

    @classmethod
    def node_ids(cls, values: pa.Array) -> pa.Array:
        """Node ids for a column of clean values (null stays null)."""
        return pc.binary_join_element_wise(cls.prefix, as_string_array(values), "")

    @classmethod
    def clean_array(cls, values: object) -> tuple[pa.Array, BoolArray]:
        """Clean a column: normalised values (null where invalid or missing) and the valid mask.

        Missing input (null) gives null and False, like an invalid value; callers that need to
        tell the two apart check the input's own nulls.
        """
        arr = as_string_array(values)
        ascii_rows = mask_of(pc.string_is_ascii(arr))
        if ascii_rows.all():
            out = cls._clean_ascii(arr)
        else:
            # Null out the non-ASCII rows for the fast path, then fill them in one by one.
            out = cls._clean_ascii(keep(arr, ascii_rows))
            out = cls._fill_each(out, arr, ~ascii_rows & mask_of(pc.is_valid(arr)))
        return out, mask_of(pc.is_valid(out))

    @classmethod
    def _clean_ascii(cls, arr: pa.StringArray) -> pa.Array:
        """Clean ASCII-only rows; kinds with a vector path override this."""
        return cls._clean_each(arr)

    @classmethod
    def _fill_each(cls, out: pa.Array, arr: pa.StringArray, rows: BoolArray) -> pa.Array:
        """`out` with the selected rows replaced by the scalar rule applied to `arr`."""
        if not rows.any():
            return out
        where = pa.array(rows)
        return pc.replace_with_mask(out, where, cls._clean_each(arr.filter(where)))

    @classmethod
    def _clean_each(cls, arr: pa.StringArray) -> pa.Array:
        """Clean with the scalar rule, once per distinct value."""
        enc = arr.dictionary_encode()
        cleaned = pa.array([cls.clean(v) for v in enc.dictionary.to_pylist()], type=pa.string())
        return cleaned.take(enc.indices)
