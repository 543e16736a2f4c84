"""Reported payments matched to ledger rows in whole columns: `match_payments._MATCH`'s steps
over the few rows a fund-control tick reads from the ledger book.

At every tick the engine matches two or three new reports against a handful of the book's rows.
The SQL itself costs little there; DuckDB's own cost of a query and of a registered table (1 to 3
ms each, five of them a tick) was most of the match. These steps give the same rows as the SQL,
and where they could not (a payment or own account twice, a time before 1970, an account number
that is not printable ASCII, a window counting months) they say so, and the SQL runs instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.arrays import (
    BoolArray,
    IntArray,
    column_us,
    int_column,
    run_positions,
    sorted_distinct,
    string_codes,
    valid_mask,
)
from fraudlink.store.compute import compute_connection
from fraudlink.trace.ledger_book import LedgerBook

# The window's length by the string given (None: it counts months, which vary), read by DuckDB
# once per string so that it means what it means in SQL.
_WINDOW_US: dict[str, int | None] = {}
_INTERVAL_SQL = """
select datepart('year', i) * 12 + datepart('month', i),
       datepart('day', i)::bigint * 86400000000 + datepart('hour', i)::bigint * 3600000000
       + datepart('minute', i)::bigint * 60000000 + datepart('microseconds', i)
from (select ?::interval as i)
"""


def window_us(window: str) -> int | None:
    """The interval `window` in microseconds, as a store (time zone UTC) adds it to a time;
    None for one that counts months."""
    if window not in _WINDOW_US:
        ((months, us),) = compute_connection().execute(_INTERVAL_SQL, [window]).fetchall()
        _WINDOW_US[window] = None if months else int(us)
    return _WINDOW_US[window]


def payment_of(payments: pa.Table, own: pa.Table) -> IntArray | None:
    """The payment (row of `payments`) each row of `own` is of, -1 for none; None unless each
    payment is one (report_id, seq) and each own row one (report_id, seq, account), as the
    columnar match needs (SQL would repeat a candidate per duplicate)."""
    seq_type = payments.schema.field("seq").type
    if not (pa.types.is_integer(seq_type) and seq_type.bit_width <= 32):
        return None
    keys = (payments.column("report_id"), payments.column("seq"))
    if any(c.null_count for c in keys):
        return None  # SQL sorts a null last, and a null key matches no own account
    report = string_codes(payments.column("report_id"), own.column("report_id"))
    p_key = _pair_key(report[0], payments.column("seq"))
    m_key = _pair_key(report[1], own.column("seq"))
    order = np.argsort(p_key, kind="stable")
    sorted_key = p_key[order]
    if len(sorted_key) and (sorted_key[1:] == sorted_key[:-1]).any():
        return None
    at = np.clip(np.searchsorted(sorted_key, m_key), 0, max(len(order) - 1, 0))
    found = (m_key >= 0) & (sorted_key[at] == m_key) if len(order) else np.zeros(len(m_key), bool)
    of = np.where(found, order[at] if len(order) else -1, -1).astype(np.int64)
    account = string_codes(own.column("account"))[0]
    mine = np.flatnonzero((of >= 0) & (account >= 0))
    pairs = np.sort(of[mine] * (int(account.max(initial=0)) + 1) + account[mine])
    if len(pairs) and (pairs[1:] == pairs[:-1]).any():
        return None
    return of


def book_windows(
    book: LedgerBook, payments: pa.Table, own: pa.Table, of: IntArray, span: int
) -> tuple[IntArray, ...]:
    """`_WINDOWS_SQL` as `LedgerBook.around` takes it: each payment's window on the account it
    names (payees), and on each of the victim's own accounts (payers)."""
    paid, timed = column_us(payments.column("paid_at"))
    named = timed & valid_mask(payments.column("to_account"))
    mine = np.flatnonzero(of >= 0)
    mine = mine[timed[of[mine]]]
    payees = payments.column("to_account").filter(pa.array(named)).to_pylist()
    payers = own.column("account").take(pa.array(mine, pa.int64())).to_pylist()
    ids = book.ids(payees + payers)  # one look-up for both sides
    to, frm = ids[: len(payees)], ids[len(payees) :]
    at = paid[named], paid[of[mine]]
    return to, at[0] - span, at[0] + span, frm, at[1] - span, at[1] + span


def match_rows(
    payments: pa.Table, own: pa.Table, near: pa.Table, of: IntArray, span: int
) -> pa.Table | None:
    """`_MATCH` over the payments (`p`), the victims' own accounts (`mine`, `of` the payment of
    each row) and the ledger rows `near`, in whole columns: the same rows, or None where the
    columnar steps could differ from SQL (a transaction twice in `near`, a time before 1970, an
    account number compared for one digit that is not printable ASCII)."""
    txn = near.column("txn_id").to_numpy(zero_copy_only=False)
    if len(sorted_distinct(txn)) < len(txn) or near.column("txn_id").null_count:
        return None
    p_us, p_timed = column_us(payments.column("paid_at"))
    p_fen, p_valued = int_column(payments.column("amount_fen"))
    x_us, x_timed = column_us(near.column("time"))
    x_fen, x_valued = int_column(near.column("amount_fen"))
    if (p_us[p_timed] < 0).any() or (x_us[x_timed] < 0).any():
        return None
    to = string_codes(payments.column("to_account"), near.column("to_account"))
    # same_to: the account named; missing: the payments with no candidate there.
    p1, x1 = _equal_pairs(to[0], to[1])
    payments_left = np.ones(payments.num_rows, bool)
    keep = _fits(p1, x1, p_us, p_timed, p_fen, p_valued, x_us, x_timed, x_fen, x_valued, span)
    p1, x1 = p1[keep], x1[keep]
    payments_left[p1] = False
    # near_to: from the victim's own accounts, to an account one digit off the one named.
    account = string_codes(own.column("account"), near.column("from_account"))
    m2, x2 = _equal_pairs(account[0], account[1])
    p2 = of[m2]
    keep = (p2 >= 0) & (to[1][x2] >= 0)
    p2, x2 = p2[keep], x2[keep]
    keep = payments_left[p2] & (to[0][p2] >= 0)
    keep &= _fits(p2, x2, p_us, p_timed, p_fen, p_valued, x_us, x_timed, x_fen, x_valued, span)
    p2, x2 = p2[keep], x2[keep]
    one_off = _one_digit_off(payments.column("to_account"), p2, near.column("to_account"), x2)
    if one_off is None:
        return None
    p2, x2 = p2[one_off], x2[one_off]
    # cand: own when the payer is one of the victim's accounts for that payment.
    p, x = np.concatenate([p1, p2]), np.concatenate([x1, x2])
    near_flag = np.r_[np.zeros(len(p1), np.int64), np.ones(len(p2), np.int64)]
    width = int(max(account[0].max(initial=0), account[1].max(initial=0))) + 1
    m_ok = (of >= 0) & (account[0] >= 0)
    mine = np.sort(of[m_ok] * width + account[0][m_ok])
    key = np.where(account[1][x] >= 0, p * width + account[1][x], -1)
    at = np.clip(np.searchsorted(mine, key), 0, max(len(mine) - 1, 0))
    own_flag = (key >= 0) & (mine[at] == key) if len(mine) else np.zeros(len(key), bool)
    # ranked: own account first, then exact amount, then nearest in time (DuckDB's `epoch` of
    # a timestamptz: milliseconds / 1e3 plus the rest / 1e6, as a double).
    report = _ranks(payments.column("report_id"))
    seq = payments.column("seq").to_numpy(zero_copy_only=False).astype(np.int64)
    gap = np.abs(_epoch(x_us[x]) - _epoch(p_us[p]))
    score = np.empty(len(p), np.int64)
    score[np.lexsort((txn[x], seq[p], report[p], gap, np.abs(x_fen[x] - p_fen[p]), near_flag,
                      ~own_flag))] = np.arange(len(p))  # fmt: skip
    # best_per_payment, then one payment per transaction, each by the least score.
    best = _least_by(p, score, np.arange(len(p)))
    best = best[_least_by(txn[x[best]], score[best], np.arange(len(best)))]
    best = best[np.lexsort((seq[p[best]], report[p[best]]))]
    p, x, nf = p[best], x[best], near_flag[best]
    by = np.where(nf == 1, "near_account", np.where(x_fen[x] == p_fen[p], "exact", "rounded"))
    return pa.table({
        "report_id": payments.column("report_id").take(pa.array(p, pa.int64())),
        "seq": payments.column("seq").take(pa.array(p, pa.int64())),
        "txn_id": pa.array(txn[x], pa.int64()),
        "matched_by": pa.array(by.tolist(), pa.string()),
    })  # fmt: skip


def _fits(
    p: IntArray,
    x: IntArray,
    p_us: IntArray,
    p_timed: BoolArray,
    p_fen: IntArray,
    p_valued: BoolArray,
    x_us: IntArray,
    x_timed: BoolArray,
    x_fen: IntArray,
    x_valued: BoolArray,
    span: int,
) -> BoolArray:
    """Which pairs (payment, ledger row) are within the window of the remembered time and the
    rounding of the remembered amount (`_MATCH`'s conditions, NULL failing them)."""
    said, fen = p_fen[p], x_fen[x]
    # The C remainder of SQL and NumPy's floored one agree on which amounts divide evenly.
    tol = np.where(said % 100_000 == 0, 50_000, np.where(said % 10_000 == 0, 5_000, 0))
    close = (np.abs(fen - said) <= tol) | ((said == 10_000) & (fen < 10_000))
    t, paid = x_us[x], p_us[p]
    timed = p_timed[p] & x_timed[x] & (t >= paid - span) & (t <= paid + span)
    return timed & p_valued[p] & x_valued[x] & close


def _one_digit_off(
    named: pa.ChunkedArray, p: IntArray, paid_to: pa.ChunkedArray, x: IntArray
) -> BoolArray | None:
    """Per pair, whether the payee paid differs from the account named in exactly one
    character (`length` equal, `hamming` 1); None if a string is not printable ASCII, where
    characters and bytes could differ."""
    a = named.take(pa.array(p, pa.int64())).combine_chunks().cast(pa.string())
    b = paid_to.take(pa.array(x, pa.int64())).combine_chunks().cast(pa.string())
    for s in (a, b):
        if pc.all(pc.match_substring_regex(s, "^[ -~]*$")).as_py() is False:
            return None
    la = pc.binary_length(a).to_numpy(zero_copy_only=False)
    lb = pc.binary_length(b).to_numpy(zero_copy_only=False)
    same = (la == lb) & (la > 0)
    out = np.zeros(len(p), bool)
    if not same.any():
        return out
    keep = pa.array(same)
    ba, bb = _bytes(a.filter(keep)), _bytes(b.filter(keep))
    starts = np.cumsum(np.r_[0, la[same][:-1]])
    out[same] = np.add.reduceat((ba != bb).astype(np.int64), starts) == 1
    return out


def _bytes(s: pa.Array) -> npt.NDArray[np.uint8]:
    """The characters of a string array (no nulls), one after another."""
    offsets = np.frombuffer(s.buffers()[1], np.int32)[s.offset : s.offset + len(s) + 1]
    data = np.frombuffer(s.buffers()[2], np.uint8)
    return data[offsets[0] : offsets[-1]]


def _epoch(us: IntArray) -> npt.NDArray[np.float64]:
    """DuckDB's `epoch` of timestamptz values at or after 1970, to the last bit."""
    return (us // 1000).astype(np.float64) / 1e3 + (us % 1000).astype(np.float64) / 1e6


def _least_by(group: IntArray, score: IntArray, rows: IntArray) -> IntArray:
    """Of `rows`, the one of least score in each group."""
    order = np.lexsort((score, group))
    g = group[order]
    return rows[order[np.r_[True, g[1:] != g[:-1]]]] if len(g) else rows[:0]


def _equal_pairs(left: IntArray, right: IntArray) -> tuple[IntArray, IntArray]:
    """Every (i, j) with left[i] == right[j] >= 0: an equi-join of two code columns."""
    order = np.argsort(right, kind="stable")
    r = right[order]
    lo = np.searchsorted(r, left, side="left")
    n = np.where(left >= 0, np.searchsorted(r, left, side="right") - lo, 0)
    return np.repeat(np.arange(len(left), dtype=np.int64), n), order[run_positions(lo, n)]


def _pair_key(report: IntArray, seq: pa.ChunkedArray) -> IntArray:
    """One integer per (report code, seq); -1 where either is null."""
    values, valid = int_column(seq)
    return np.where((report >= 0) & valid, (report << 33) + (values + (1 << 32)), -1)


def _ranks(column: pa.ChunkedArray) -> IntArray:
    """Each string's place in sorted order (equal strings, equal places)."""
    return pc.rank(column, tiebreaker="dense").to_numpy(zero_copy_only=False).astype(np.int64)
