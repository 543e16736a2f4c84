"""Dense integer ids for strings (account numbers, phone numbers, cells), kept across batches.

Arrow's kernels build their hash table afresh at every call, and a Python dict costs a lookup
per value. Most identifiers the feeds carry are plain digit strings (bank cards, phone numbers),
and such a string is its own integer key: those are found by binary search in sorted arrays of
keys. Any other string (letters, a leading zero, a number too long for 64 bits) goes through a
dict. Ids count up from 0 in the order the strings are first seen, whichever way they are found.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.arrays import NO_ID, IntArray

KeyArray = npt.NDArray[np.uint64]
BoolArray = npt.NDArray[np.bool_]

MAX_KEY_DIGITS = 19  # 10**19 - 1 < 2**64
MAX_LENGTH_KEY_DIGITS = 17  # (10**17 - 1) * 32 + 17 < 2**62
LENGTH_BITS = 5
_TAIL_SHARE = 16  # the sorted tail is merged into the main part once it passes 1/16 of it
_MIN_TAIL = 65_536
_SORT_FIRST = 256  # more keys than this are sorted before their binary search


def digit_keys(values: pa.Array, with_length: bool = False) -> tuple[BoolArray, KeyArray]:
    """Which strings are plain ASCII digits, each one's integer key (0 for the others): no two
    strings share a key. A key is the value, for 1 to 19 digits with no leading zero (but "0");
    or, `with_length`, the value times 32 plus the length, for any 1 to 17 digits."""
    arr = values.cast(pa.string())
    n = pc.binary_length(arr)
    longest = MAX_LENGTH_KEY_DIGITS if with_length else MAX_KEY_DIGITS
    ok = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(n, longest))  # "" is not decimal
    if not with_length:
        ok = pc.and_(ok, pc.or_(pc.invert(pc.starts_with(arr, "0")), pc.equal(n, 1)))
    ok = pc.fill_null(ok, False)
    keyable = np.asarray(ok.to_numpy(zero_copy_only=False), bool)
    keys = np.zeros(len(arr), np.uint64)
    keys[keyable] = pc.cast(arr.filter(ok), pa.uint64()).to_numpy(zero_copy_only=False)
    if with_length:
        length = np.asarray(pc.filter(n, ok).to_numpy(zero_copy_only=False), np.uint64)
        keys[keyable] = (keys[keyable] << np.uint64(LENGTH_BITS)) | length
    return keyable, keys


def digits_of_key(key: int) -> str:
    """The string a `digit_keys(..., with_length=True)` key was made from."""
    return f"{key >> LENGTH_BITS:0{key & ((1 << LENGTH_BITS) - 1)}d}"


class SortedKeys:
    """64-bit keys, each with an integer, kept sorted for binary search: a main part, and a
    sorted tail of recent keys merged into it once it passes a share of it (an insert copies the
    tail, a merge the whole)."""

    def __init__(self, tail_share: int = _TAIL_SHARE, min_tail: int = _MIN_TAIL) -> None:
        empty_keys, empty_values = np.empty(0, np.uint64), np.empty(0, np.int64)
        self._parts = [(empty_keys, empty_values), (empty_keys, empty_values)]  # main, tail
        self._tail_share, self._min_tail = tail_share, min_tail

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self._parts)

    def get(self, keys: KeyArray, missing: int) -> IntArray:
        """Each key's integer; `missing` for a key not held."""
        out = np.full(len(keys), missing, np.int64)
        for part_k, part_v in self._parts:
            pos, hit = _find(part_k, keys)
            out[hit] = part_v[pos[hit]]
        return out

    def update(self, keys: KeyArray, values: IntArray) -> BoolArray:
        """Set the integer of each of `keys` already held; which of them were."""
        held = np.zeros(len(keys), bool)
        for part_k, part_v in self._parts:
            pos, hit = _find(part_k, keys)
            part_v[pos[hit]] = values[hit]
            held |= hit
        return held

    def add(self, keys: KeyArray, values: IntArray) -> None:
        """Hold new keys (distinct, none held yet) with their integers."""
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        (main_k, main_v), (tail_k, tail_v) = self._parts
        pos = np.searchsorted(tail_k, keys)
        tail_k, tail_v = np.insert(tail_k, pos, keys), np.insert(tail_v, pos, values)
        if len(tail_k) > max(self._min_tail, len(main_k) // self._tail_share):
            pos = np.searchsorted(main_k, tail_k)
            main_k, main_v = np.insert(main_k, pos, tail_k), np.insert(main_v, pos, tail_v)
            tail_k, tail_v = tail_k[:0], tail_v[:0]
        self._parts = [(main_k, main_v), (tail_k, tail_v)]


def _find(sorted_keys: KeyArray, keys: KeyArray) -> tuple[IntArray, BoolArray]:
    """Where each of `keys` is in `sorted_keys`, and whether it is there at all."""
    if not len(sorted_keys) or not len(keys):
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
    if len(keys) > _SORT_FIRST:
        # Keys in order walk the sorted array forward: far fewer cache misses on a big one.
        order = np.argsort(keys, kind="stable")
        pos = np.empty(len(keys), np.int64)
        pos[order] = sorted_keys.searchsorted(keys[order])
    else:
        pos = sorted_keys.searchsorted(keys)
    return pos, sorted_keys.take(pos, mode="clip") == keys


class StringIds:
    """Dense ids for strings, numbered in the order they are first seen."""

    def __init__(self) -> None:
        self._keys = SortedKeys()  # plain digit strings' keys and their ids
        self._other: dict[str, int] = {}  # strings that are not plain digits
        self._names: list[pa.Array] = []  # the strings, in id order, a piece per call
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def values(self) -> pa.Array:
        """Every string seen, in id order."""
        if len(self._names) != 1:
            self._names = [pa.concat_arrays([pa.array([], pa.string()), *self._names])]
        return self._names[0]

    def ids(self, values: pa.Array | pa.ChunkedArray, add: bool = True) -> IntArray:
        """Each string's id (NO_ID for a null); a string not seen before gets the next free id
        if `add`, else NO_ID."""
        arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        arr = arr.cast(pa.string())
        out = np.full(len(arr), NO_ID, np.int64)
        if not len(arr):
            return out
        keyable, keys = digit_keys(arr)
        at_d = np.flatnonzero(keyable)
        uniq, got_d, each_d, first_d = self._find_digits(keys[at_d])
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), bool)
        at_o = np.flatnonzero(valid & ~keyable)
        names, got_o, each_o, first_o = self._find_others(arr.take(at_o))
        if add:
            new_d, new_o = got_d == NO_ID, got_o == NO_ID
            first = np.concatenate([at_d[first_d[new_d]], at_o[first_o[new_o]]])
            if len(first):
                # Numbered in the order they first appear here, digits or not.
                order = np.argsort(first)
                fresh = np.empty(len(first), np.int64)
                fresh[order] = np.arange(self._n, self._n + len(first), dtype=np.int64)
                self._n += len(first)
                self._names.append(arr.take(pa.array(first[order])))
                got_d[new_d], got_o[new_o] = fresh[: new_d.sum()], fresh[new_d.sum() :]
                self._keys.add(uniq[new_d], got_d[new_d])
                self._other.update(zip([names[i] for i in np.flatnonzero(new_o).tolist()],
                                       got_o[new_o].tolist(), strict=True))  # fmt: skip
        out[at_d], out[at_o] = got_d[each_d], got_o[each_o]
        return out

    def _find_digits(self, k: KeyArray) -> tuple[KeyArray, IntArray, IntArray, IntArray]:
        """The distinct keys (sorted), their ids (NO_ID if unseen), which distinct key each of
        `k` is, and where each distinct key first appears in `k`."""
        order = np.argsort(k)
        sk = k[order]
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]]) if len(k) else order
        uniq = sk[starts]
        got = self._keys.get(uniq, NO_ID)
        each = np.empty(len(k), np.int64)
        each[order] = np.repeat(np.arange(len(uniq)), np.diff(np.r_[starts, len(k)]))
        first = np.minimum.reduceat(order, starts) if len(k) else order
        return uniq, got, each, first

    def _find_others(self, arr: pa.Array) -> tuple[list[str], IntArray, IntArray, IntArray]:
        """`_find_digits` for strings that are not plain digits: one dict lookup per distinct
        string, in order of first appearance."""
        enc = pc.dictionary_encode(arr)
        names = enc.dictionary.to_pylist()
        got = np.array([self._other.get(s, NO_ID) for s in names], np.int64)
        each = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
        # The dictionary lists strings as they first appear: where the running maximum rises.
        top = np.maximum.accumulate(each) if len(each) else each
        first = np.flatnonzero(np.r_[True, top[1:] > top[:-1]]) if len(each) else each
        return names, got, each, first
