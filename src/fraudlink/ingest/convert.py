"""Turning a column as a member sent it into the model's type, marking the rows that cannot be.

Every function works on a whole column and returns (converted array, failing-row mask, reason);
the converted array is null where the row failed, so one bad cell never stops the file.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model import identifiers
from fraudlink.model.schema import Column
from fraudlink.store.compute import compute_connection, registered

BoolArray = npt.NDArray[np.bool_]
Result = tuple[pa.Array | pa.ChunkedArray, BoolArray, str]

INT_RE = r"^[+-]?\d+$"
FLOAT_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
TS_RE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([+-]\d{2}:\d{2})$"
DICTIONARY_FROM = 50_000
TRUE_WORDS = ("true", "1", "yes", "t", "y")
FALSE_WORDS = ("false", "0", "no", "f", "n")


def flat(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def mask(condition: pa.Array) -> BoolArray:
    """A NumPy mask from an Arrow boolean array, null counting as false."""
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def present(values: pa.Array) -> BoolArray:
    """Rows that hold a value."""
    return mask(pc.is_valid(values))


def as_text(values: pa.Array) -> pa.Array:
    """Values as trimmed strings (dictionary columns decoded)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def convert(
    values: pa.Array | pa.ChunkedArray, col: Column, local_offset: str = "+00:00"
) -> Result:
    """Convert one column to its model type; identifiers are cleaned, enums checked."""
    if col.identifier is not None:
        out, bad, reason = convert_identifier(values, col.identifier)
        if not col.strict:
            decoded = flat(pc.cast(out, pa.string()))
            return pc.coalesce(decoded, as_text(flat(values))), np.zeros(len(out), bool), ""
        return out, bad, reason
    kind = col.type
    if values.type == col.arrow_type and not col.enum:
        return values, np.zeros(len(values), bool), ""  # already as the model has it
    if kind == "string" and pa.types.is_string(values.type):
        out = values
        if col.enum:
            bad = present(out) & ~mask(pc.is_in(out, pa.array(col.enum, pa.string())))
            return (
                _null_where(flat(out), bad) if bad.any() else out,
                bad,
                f"not one of {', '.join(col.enum)}",
            )
    arr = flat(values)
    if kind == "string":
        out = as_text(arr) if not pa.types.is_string(arr.type) else arr
        if col.enum:
            bad = present(out) & ~mask(pc.is_in(out, pa.array(col.enum, pa.string())))
            return _null_where(out, bad), bad, f"not one of {', '.join(col.enum)}"
        return out, np.zeros(len(out), bool), ""
    if kind.startswith("int"):
        return convert_int(arr, col.arrow_type)
    if kind == "float64":
        return convert_float(arr)
    if kind == "bool":
        return convert_bool(arr)
    if kind == "date":
        return convert_date(arr)
    return convert_timestamp(arr, local_offset)


def _null_where(values: pa.Array, bad: BoolArray) -> pa.Array:
    if not bad.any():
        return values
    return pc.if_else(pa.array(bad), pa.scalar(None, values.type), values)


def _by_text(arr: pa.Array, pattern: str, target: pa.DataType, reason: str) -> Result:
    text = as_text(arr)
    ok = mask(pc.match_substring_regex(text, pattern))
    bad = present(text) & ~ok
    out = _safe_cast(_null_where(text, bad), target)
    failed = present(text) & ~bad & ~present(out)
    return out, bad | failed, reason


def _safe_cast(values: pa.Array, target: pa.DataType) -> pa.Array:
    """Cast; where the whole-column cast fails, cast value by value and null the failures."""
    try:
        return pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        enc = values.dictionary_encode()
        fixed = []
        for v in enc.dictionary:
            try:
                fixed.append(pc.cast(pa.array([v.as_py()], values.type), target)[0].as_py())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                fixed.append(None)
        return pc.take(pa.array(fixed, target), enc.indices)


def convert_int(arr: pa.Array, target: pa.DataType) -> Result:
    """Whole numbers; text must be digits, floats must have no fraction, and must fit the type."""
    reason = f"not a whole number that fits {target}"
    if pa.types.is_integer(arr.type):
        out = _safe_cast(arr, target)
        return out, present(arr) & ~present(out), reason
    if pa.types.is_floating(arr.type):
        whole = mask(pc.equal(pc.floor(arr), arr))
        bad = present(arr) & ~whole
        out = _safe_cast(_null_where(arr, bad), target)
        return out, bad | (present(arr) & ~bad & ~present(out)), reason
    return _by_text(arr, INT_RE, target, reason)


def convert_float(arr: pa.Array) -> Result:
    """Decimal numbers."""
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return pc.cast(arr, pa.float64()), np.zeros(len(arr), bool), ""
    return _by_text(arr, FLOAT_RE, pa.float64(), "not a number")


def convert_bool(arr: pa.Array) -> Result:
    """true/false, 1/0, yes/no."""
    if pa.types.is_boolean(arr.type):
        return arr, np.zeros(len(arr), bool), ""
    text = pc.utf8_lower(as_text(arr))
    t = mask(pc.is_in(text, pa.array(TRUE_WORDS)))
    f = mask(pc.is_in(text, pa.array(FALSE_WORDS)))
    bad = present(text) & ~t & ~f
    out = pa.array(np.where(t, True, False), mask=~(t | f))
    return out, bad, "not true or false"


def convert_date(arr: pa.Array) -> Result:
    """Calendar dates, YYYY-MM-DD."""
    if pa.types.is_date(arr.type):
        return pc.cast(arr, pa.date32()), np.zeros(len(arr), bool), ""
    if pa.types.is_timestamp(arr.type):
        return pc.cast(arr, pa.date32()), np.zeros(len(arr), bool), ""
    return _by_text(arr, DATE_RE, pa.date32(), "not a date (YYYY-MM-DD)")


def convert_timestamp(arr: pa.Array, local_offset: str = "+00:00") -> Result:
    """Instants: ISO 8601 with an offset, or without one in the feed's own zone (UTC by default)."""
    target = pa.timestamp("us", tz="UTC")
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:
            arr = pc.assume_timezone(arr, local_offset)
        return pc.cast(arr, target), np.zeros(len(arr), bool), ""
    if pa.types.is_date(arr.type):
        return (
            pc.assume_timezone(pc.cast(arr, pa.timestamp("us")), local_offset).cast(target),
            np.zeros(len(arr), bool),
            "",
        )
    text = as_text(arr)
    text = pc.replace_substring_regex(text, r"^(\d{4}-\d{2}-\d{2})T", r"\1 ")
    text = pc.replace_substring_regex(text, r"(Z|z|UTC)$", "+00:00")
    text = pc.replace_substring_regex(text, r"([+-]\d{2})(\d{2})$", r"\1:\2")
    has_zone = mask(pc.match_substring_regex(text, r"[+-]\d{2}:\d{2}$"))
    text = pc.if_else(pa.array(has_zone), text, pc.binary_join_element_wise(text, local_offset, ""))
    return _by_text(text, TS_RE, target, "not a timestamp (ISO 8601)")


def convert_identifier(values: pa.Array | pa.ChunkedArray, kind: str) -> Result:
    """Clean identifiers by the model's rules, each distinct value once.

    Identifiers repeat (a card appears in many transactions), so a large column is judged on its
    distinct values; when they are all valid and already normal, the column passes untouched.
    """
    rule = identifiers.get(kind)
    reason = f"not a valid {kind}"
    if len(values) < DICTIONARY_FROM:
        arr = flat(values)
        text = as_text(arr) if not pa.types.is_string(arr.type) else arr
        cleaned, ok = rule.clean_array(text)
        return flat(cleaned), present(text) & ~np.asarray(ok, dtype=bool), reason
    column = values if pa.types.is_string(values.type) else as_text(flat(values))
    uniques = distinct(column).drop_null()  # a missing value is not an invalid one
    cleaned, ok = rule.clean_array(uniques)
    cleaned = flat(cleaned)
    ok = np.asarray(ok, dtype=bool)
    bad_values = uniques.filter(pa.array(~ok))
    changed = ok & ~mask(pc.equal(cleaned, uniques))
    bad = (
        mask(pc.is_in(column, value_set=bad_values))
        if len(bad_values)
        else np.zeros(len(column), dtype=bool)
    )
    if changed.any():
        # Some values are valid but not normal (spaces, +86, full-width digits): map them.
        keys, fixed = uniques.filter(pa.array(changed)), cleaned.filter(pa.array(changed))
        mapped = pc.take(fixed, pc.index_in(column, value_set=keys))
        column = pc.coalesce(mapped, column)
    if bad.any():
        column = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), flat(column))
    return column, bad, reason


def convert_identifier_by_kind(
    values: pa.Array | pa.ChunkedArray, kinds: pa.Array | pa.ChunkedArray, col: Column
) -> tuple[pa.Array, list[tuple[BoolArray, str]]]:
    """Clean a column whose identifier kind is named row by row in another column.

    `values` are the column as text, `kinds` the (checked) kind column. The rows of each kind
    go together through `convert_identifier` under the identifier kind the column declares for
    it; rows of a kind with no identifier (and rows with no valid kind) are kept as they are.
    Returns the cleaned column and, per kind, the rows that failed and the reason.
    """
    out = flat(values)
    row_kinds = flat(kinds)
    if pa.types.is_dictionary(row_kinds.type):
        row_kinds = row_kinds.dictionary_decode()
    failures: list[tuple[BoolArray, str]] = []
    seen = set(pc.unique(row_kinds).drop_null().to_pylist())
    for row_kind, ident in col.identifier_of.items():
        if row_kind not in seen:
            continue
        rows = mask(pc.equal(row_kinds, row_kind))
        where = pa.array(rows)
        cleaned, bad, reason = convert_identifier(out.filter(where), ident)
        if not col.strict:
            # As for a lenient identifier column: invalid values are kept as given.
            cleaned = pc.coalesce(flat(pc.cast(cleaned, pa.string())), out.filter(where))
            bad = np.zeros(len(bad), dtype=bool)
        out = pc.replace_with_mask(out, where, flat(pc.cast(cleaned, pa.string())))
        if bad.any():
            failing = np.zeros(len(out), dtype=bool)
            failing[rows] = bad
            failures.append((failing, reason))
    return out, failures


def distinct(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The distinct values of a large string column (DuckDB's parallel hash, not a Python set)."""
    con = compute_connection()
    with registered(con, pa.table({"v": column}), "distinct") as name:
        return flat(con.sql(f"select distinct v from {name}").to_arrow_table().column(0))
