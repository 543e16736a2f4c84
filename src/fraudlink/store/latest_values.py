"""The latest integer per string, set and read a whole Arrow column at a time.

The warning desk keeps two such indexes over the event streams' numbers and accounts: each
number's and account's holder (`engine.people.People`), and when each number was last called by a
suspected one (`warn.noise.ShortContacts`). Evidence rows come from the event streams, so they are
looked up as whole columns, not one dictionary probe a row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.arrays import IntArray
from fraudlink.store.string_ids import MAX_KEY_DIGITS, KeyArray, SortedKeys, digit_keys

_TAIL_SHARE = 64  # the sorted tail is merged into the main part once it passes 1/64 of it
_MIN_TAIL = 4_096
# 10**18, ..., 10, 1: the place of each digit of a number of up to 19 digits.
_PLACES = np.array([10**k for k in range(MAX_KEY_DIGITS - 1, -1, -1)], np.uint64)


class LatestValues:
    """The latest integer set for each string (a number's holder, when a number was last
    called), set and read a whole Arrow column at a time.

    Strings are keyed as `StringIds` keys them (`digit_keys`): a string of 1 to 19 ASCII digits
    with no leading zero is its own 64-bit key, kept in a sorted array beside its value and found
    by binary search; any other string goes through a dict, one look-up per distinct string of a
    call. New keys go to a sorted tail, merged into the main part once it passes 1/64 of it (or
    4,096 keys): a batch's insert copies the tail, a merge the whole. A read of a column of plain
    digit strings, as nearly all the feeds' numbers and accounts are, reads their digits off the
    Arrow buffers with NumPy and takes two binary searches, where `StringIds.ids` takes a dozen
    Arrow kernels and sorts: that fixed cost is what counts for the tens to hundreds of rows of a
    batch's evidence.
    """

    def __init__(self, tail_share: int = _TAIL_SHARE, min_tail: int = _MIN_TAIL) -> None:
        self._keys = SortedKeys(tail_share, min_tail)  # digit keys and their values
        self._other: dict[str, int] = {}  # strings that are not plain digits

    def __len__(self) -> int:
        return len(self._keys) + len(self._other)

    def set(self, strings: pa.Array | pa.ChunkedArray, values: IntArray) -> None:
        """strings[i] -> values[i], the last row of a string winning; nulls are skipped."""
        arr, values = _strings(strings), np.asarray(values, np.int64)
        at, keys, rest = _keys(arr)
        order = np.argsort(keys, kind="stable")
        k = keys[order]
        last = order[np.append(k[1:] != k[:-1], True)] if len(k) else order
        k, v = keys[last], (values if at is None else values[at])[last]  # sorted, distinct
        new = ~self._keys.update(k, v)
        self._keys.add(k[new], v[new])
        if len(rest):  # strings that are not plain digits: rare, a dict entry each
            self._other.update(zip(arr.take(rest).to_pylist(), values[rest].tolist(), strict=True))

    def get(self, strings: pa.Array | pa.ChunkedArray, missing: int) -> IntArray:
        """Each string's latest value; `missing` for a string never set, or a null."""
        arr = _strings(strings)
        at, keys, rest = _keys(arr)
        found = self._keys.get(keys, missing)
        if at is None:
            out = found
        else:
            out = np.full(len(arr), missing, np.int64)
            out[at] = found
        if len(rest) and self._other:
            enc = pc.dictionary_encode(arr.take(rest))
            each = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
            values = [self._other.get(s, missing) for s in enc.dictionary.to_pylist()]
            out[rest] = np.array(values, np.int64)[each]
        return out


def _strings(strings: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = strings
    if isinstance(strings, pa.ChunkedArray):
        arr = strings.chunk(0) if strings.num_chunks == 1 else strings.combine_chunks()
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def _keys(arr: pa.Array) -> tuple[IntArray | None, KeyArray, IntArray]:
    """Where the strings with a digit key are (None: every row), their keys (`digit_keys`), and
    where the other strings that are not null are."""
    none = np.empty(0, np.int64)
    at = None if not arr.null_count else np.flatnonzero(_valid(arr))
    keys = _plain_keys(arr if at is None else arr.take(at))
    if keys is not None:
        return at, keys, none
    keyable, keys = digit_keys(arr)
    return np.flatnonzero(keyable), keys[keyable], np.flatnonzero(_valid(arr) & ~keyable)


def _plain_keys(arr: pa.Array) -> KeyArray | None:
    """The keys of strings that are all plain digits; None when any is not. Read off the
    string buffers with NumPy, in as few steps as it takes: on a batch's few hundred rows each
    call's fixed cost outweighs the work, and a cold one more so."""
    n = len(arr)
    if not n:
        return np.empty(0, np.uint64)
    _, offsets_buf, data = arr.buffers()
    offsets = np.frombuffer(offsets_buf, np.int32, n + 1, arr.offset * 4)
    lo, hi = int(offsets[0]), int(offsets[-1])
    width = (hi - lo) // n
    if data is None or not 0 < width <= MAX_KEY_DIGITS:
        return None
    digits = np.frombuffer(data, np.uint8, hi - lo, lo) - np.uint8(48)
    if width * n == hi - lo and (offsets[1:] - offsets[:-1] == width).all():
        # Numbers of one length, as a feed's usually are: a matrix of digits.
        matrix = digits.reshape(n, width)
        # Not a digit, or a leading zero ("0138" is not 138).
        if (matrix > 9).any() or (width > 1 and not matrix[:, 0].all()):
            return None
        return matrix.astype(np.uint64) @ _PLACES[-width:]
    length = offsets[1:] - offsets[:-1]
    if (digits > 9).any() or length.min() < 1 or length.max() > MAX_KEY_DIGITS:
        return None
    if ((digits[offsets[:-1] - lo] == 0) & (length > 1)).any():
        return None
    return np.asarray(pc.cast(arr, pa.uint64()).to_numpy(zero_copy_only=False), np.uint64)


def _valid(arr: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), bool)
