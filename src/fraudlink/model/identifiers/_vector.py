"""Check digits and identifier generation over whole NumPy columns.

Digits travel as (n, width) uint8 matrices so one call handles a million identifiers; strings
are made only at the end, by viewing the digit bytes as fixed-width byte strings.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

# GB 11643-1999: weights 2^(17-i) mod 11 and the check character for each remainder.
IDNO_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
IDNO_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def digits_of(values: npt.ArrayLike, width: int) -> npt.NDArray[np.uint8]:
    """Split non-negative integers into an (n, width) matrix of decimal digits, highest first."""
    v = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v[:, None] // powers[None, :]) % 10).astype(np.uint8)


def digits_from_strings(strings: npt.ArrayLike, width: int) -> npt.NDArray[np.uint8]:
    """The digit matrix of fixed-width digit strings (no validation of the characters)."""
    b = np.asarray(strings).astype(f"S{width}")
    return (np.frombuffer(b.tobytes(), dtype=np.uint8).reshape(-1, width) - ord("0")).astype(
        np.uint8
    )


def strings_from_digits(digits: npt.NDArray[np.uint8]) -> StrArray:
    """Fixed-width strings from a digit matrix."""
    n, width = digits.shape
    raw = np.ascontiguousarray(digits + ord("0"), dtype=np.uint8)
    return raw.view(f"S{width}").reshape(n).astype(f"U{width}")


# A digit doubled and its digits summed: 5 -> 10 -> 1.
_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def luhn_check_digit(payload: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The Luhn check digit for each row of payload digits (the number without its last digit)."""
    n, width = payload.shape
    total = np.zeros(n, dtype=np.uint16)
    # One small-integer pass per column: the payload's rightmost digit is doubled, then every
    # second digit leftwards.
    for j in range(width):
        col = payload[:, j]
        total += _DOUBLED[col] if (width - 1 - j) % 2 == 0 else col
    return ((10 - total % 10) % 10).astype(np.uint8)


def luhn_valid(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Whether each row of full digits (check digit last) passes the Luhn test."""
    return luhn_check_digit(digits[:, :-1]) == digits[:, -1]


def idno_check_char(first17: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The GB 11643 check character (as an ASCII code) for each row of 17 digits."""
    s = (first17.astype(np.int64) * IDNO_WEIGHTS[None, :]).sum(axis=1) % 11
    return IDNO_CHECK[s]


def affine_serials(n: int, modulus: int, rng: np.random.Generator, offset: int = 0) -> IntArray:
    """n distinct pseudo-random serials below `modulus`, by an affine bijection (no collisions)."""
    if n > modulus:
        raise ValueError(f"cannot draw {n} distinct serials below {modulus}")
    # Keep a*i below 2**63 so the whole column is computed in int64 without overflow.
    if modulus == 1:
        return np.zeros(n, dtype=np.int64)
    a_max = max(2, min(modulus, (2**63 - 1) // max(offset + n, 1)))
    a = int(rng.integers(1, a_max))
    while np.gcd(a, modulus) != 1:
        a = a + 1 if a + 1 < a_max else 1
    b = int(rng.integers(0, modulus))
    i = np.arange(offset, offset + n, dtype=np.int64)
    return ((a * i) % modulus + b) % modulus


def make_idnos(district: StrArray, birth_days: IntArray, seq: IntArray) -> StrArray:
    """Resident ID numbers: district code, birth date, sequence (odd for men), check character."""
    births = np.asarray(birth_days, dtype="datetime64[D]")
    ymd = births.astype("datetime64[D]").astype(str)  # 'YYYY-MM-DD'
    ymd_int = np.char.replace(ymd, "-", "").astype(np.int64)
    body = np.concatenate(
        [
            digits_from_strings(district, 6),
            digits_of(ymd_int, 8),
            digits_of(np.asarray(seq, dtype=np.int64), 3),
        ],
        axis=1,
    )
    out = np.concatenate([body + ord("0"), idno_check_char(body)[:, None]], axis=1).astype(np.uint8)
    return np.ascontiguousarray(out).view("S18").reshape(len(body)).astype("U18")


def make_luhn_numbers(prefix: StrArray, serial: IntArray, width: int) -> StrArray:
    """Numbers of `width` digits: prefix, zero-padded serial, Luhn check digit (cards, IMEIs)."""
    prefix = np.asarray(prefix)
    lengths = np.char.str_len(prefix.astype(str))
    if lengths.size and lengths.min() != lengths.max():
        raise ValueError("make_luhn_numbers needs prefixes of one length per call")
    plen = int(lengths.flat[0]) if lengths.size else 0
    pre = digits_from_strings(np.broadcast_to(prefix, (len(serial),)), plen)
    body = np.concatenate([pre, digits_of(serial, width - plen - 1)], axis=1)
    full = np.concatenate([body, luhn_check_digit(body)[:, None]], axis=1)
    return strings_from_digits(full)


def make_phones(prefix3: StrArray, serial8: IntArray) -> StrArray:
    """11-digit mobile numbers from 3-digit network prefixes and 8-digit subscriber serials."""
    pre = digits_from_strings(np.asarray(prefix3), 3)
    return strings_from_digits(np.concatenate([pre, digits_of(serial8, 8)], axis=1))


def make_ipv4(addresses: npt.ArrayLike) -> StrArray:
    """Dotted-quad strings from 32-bit integers."""
    a = np.asarray(addresses, dtype=np.int64)
    parts = [((a >> s) & 255).astype(str) for s in (24, 16, 8, 0)]
    out = parts[0]
    for p in parts[1:]:
        out = np.char.add(np.char.add(out, "."), p)
    return out.astype("U15")
