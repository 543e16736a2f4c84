"""Each account's own payment figures for the mule features, from the ledger as whole columns.

`accounts_features.LEDGER_SQL` computes these from the store. A caller that already holds the
payments in memory with integer account ids (the engine's ledger book) gets the same table here
in NumPy: counts and sums by `bincount`, the distinct payment pairs by one sort of integer
keys, each inflow's next outflow by a lookup among the sorted outflows. Only the hold time's
median runs in SQL, over the pairs found here, so that each hold time is the same double as the
store's query gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.accounts_features import CASH_OUT_CHANNELS, LARGE_INFLOW_FEN, ROUND_FEN
from fraudlink.store.arrays import NO_ID, TIME, epoch_us, sorted_distinct
from fraudlink.store.compute import compute_connection, registered

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
NO_ACCOUNT = NO_ID  # the payee of a payment that leaves the banking system (cash out)
_HOUR_US = 3_600_000_000
_CHINA_HOURS = 8  # China time is UTC+8; a night payment is one before 06:00 China time
_NIGHT_ENDS = 6


@dataclass(frozen=True)
class PaymentColumns:
    """The ledger as columns: one entry per payment, accounts as ids into `accounts`."""

    accounts: pa.Array  # the account number of each id
    payer: IntArray
    payee: IntArray  # NO_ACCOUNT where the money left the banking system
    time_us: IntArray  # epoch microseconds
    amount_fen: IntArray
    cash_out: BoolArray  # paid through a cash-out channel (ATM, POS, crypto)


def cash_out_mask(channel: pa.ChunkedArray | pa.Array) -> BoolArray:
    """Whether each payment went through a cash-out channel."""
    hit = pc.is_in(channel, value_set=pa.array(CASH_OUT_CHANNELS))
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


def payment_columns(transactions: pa.Table) -> PaymentColumns:
    """The columns of a transactions table, accounts numbered by first appearance."""
    n = transactions.num_rows
    both = pa.chunked_array(
        transactions.column("from_account").chunks + transactions.column("to_account").chunks,
        pa.string(),
    )
    enc = pc.dictionary_encode(both.combine_chunks())
    ids = pc.fill_null(enc.indices, NO_ACCOUNT).to_numpy(zero_copy_only=False).astype(np.int64)
    return PaymentColumns(
        accounts=enc.dictionary,
        payer=ids[:n],
        payee=ids[n:],
        time_us=pc.cast(transactions.column("time"), pa.int64()).to_numpy(),
        amount_fen=transactions.column("amount_fen").to_numpy().astype(np.int64),
        cash_out=cash_out_mask(transactions.column("channel")),
    )


def account_ledger_of(payments: PaymentColumns, as_of: datetime) -> pa.Table:
    """Each account's own payment figures up to `as_of`: `LEDGER_SQL`'s rows, from columns."""
    until = epoch_us(as_of)
    p = payments
    payer, payee, us, fen, cash = p.payer, p.payee, p.time_us, p.amount_fen, p.cash_out
    if len(us) and us.max() > until:  # the engine's book never holds later rows: no copies then
        keep = us <= until
        payer, payee, us, fen, cash = payer[keep], payee[keep], us[keep], fen[keep], cash[keep]
    n_acc = len(p.accounts)
    night = (us // _HOUR_US + _CHINA_HOURS) % 24 < _NIGHT_ENDS
    whole = fen % ROUND_FEN == 0
    paid_in = payee != NO_ACCOUNT
    to, t_in, fen_in = payee[paid_in], us[paid_in], fen[paid_in]
    large = fen_in >= LARGE_INFLOW_FEN
    cols: dict[str, pa.Array] = {}
    n_in = _count(to, n_acc)
    none_in = n_in == 0
    cols["n_in"] = _nullable(n_in, none_in)
    cols["in_fen"] = _nullable(_sum(to, fen_in, n_acc), none_in)
    first_large = _least(to[large], t_in[large], n_acc)
    cols["first_large_at"] = _times(first_large, first_large == _NEVER)
    cols["night_in"] = _nullable(_count(to[night[paid_in]], n_acc), none_in)
    cols["round_in"] = _nullable(_count(to[whole[paid_in]], n_acc), none_in)
    n_out = _count(payer, n_acc)
    none_out = n_out == 0
    cols["n_out"] = _nullable(n_out, none_out)
    cols["out_fen"] = _nullable(_sum(payer, fen, n_acc), none_out)
    by_cash = payer[cash]
    cols["cash_fen"] = _nullable(_sum(by_cash, fen[cash], n_acc), _count(by_cash, n_acc) == 0)
    cols["night_out"] = _nullable(_count(payer[night], n_acc), none_out)
    cols["round_out"] = _nullable(_count(payer[whole], n_acc), none_out)
    fan_in, fan_out = _fans(payer[paid_in], to, n_acc)
    cols["fan_in"] = _nullable(fan_in, fan_in == 0)
    cols["fan_out"] = _nullable(fan_out, fan_out == 0)
    cols["hold_s"] = _hold_seconds(payer, payee, us, paid_in, n_acc)
    named = np.flatnonzero(~(none_in & none_out))
    rows = pa.array(named)
    out = {"account": p.accounts.take(rows)}
    out |= {name: col.take(rows) for name, col in cols.items()}
    return pa.table(out)


# -- internals ----------------------------------------------------------------------------

_NEVER = np.iinfo(np.int64).max


def _count(ids: IntArray, n: int) -> IntArray:
    return np.bincount(ids, minlength=n).astype(np.int64)


def _sum(ids: IntArray, fen: IntArray, n: int) -> IntArray:
    # Integer sums: a float bincount would round sums past 2**53 fen.
    total = np.zeros(n, np.int64)
    np.add.at(total, ids, fen)
    return total


def _least(ids: IntArray, us: IntArray, n: int) -> IntArray:
    first = np.full(n, _NEVER, np.int64)
    np.minimum.at(first, ids, us)
    return first


def _nullable(values: IntArray, null: BoolArray) -> pa.Array:
    return pa.array(values, pa.int64(), mask=null)


def _times(us: IntArray, null: BoolArray) -> pa.Array:
    return pa.array(np.where(null, 0, us), pa.int64(), mask=null).cast(TIME)


def _fans(payer: IntArray, payee: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Distinct payers of each account and distinct payees of each (payments to an account)."""
    pair = sorted_distinct(payer * n + payee)
    return _count(pair % n, n), _count(pair // n, n)


def _hold_seconds(
    payer: IntArray, payee: IntArray, us: IntArray, paid_in: BoolArray, n: int
) -> pa.Array:
    """Per account, the median seconds from an inflow to the first outflow at or after it."""
    # Times enter as dense ranks so that an account and a time fit one int64. The engine's book
    # holds its rows in time order, and then the ranks are a running count, with no sort.
    in_order = len(us) < 2 or bool((us[1:] >= us[:-1]).all())
    if in_order:
        first = np.r_[True, us[1:] != us[:-1]] if len(us) else np.zeros(0, bool)
        times, rank = us[first], np.cumsum(first) - 1
    else:
        times = sorted_distinct(us)
        rank = np.searchsorted(times, us)
    rank_bits = max(len(times).bit_length(), 1)
    if int(n).bit_length() + rank_bits > 63:
        raise OverflowError("too many accounts and distinct times for one sort key")
    # Each inflow's (account, time) looked up among the sorted outflows finds the account's
    # first outflow at or after it (same microsecond included): a sort of the payments and one
    # of the inflows, where one sort of both together, a sort of the distinct times and two
    # binary searches for the ranks cost 1.75 times as much at city.
    out_key = np.sort((payer << rank_bits) | rank)
    in_key = np.sort((payee[paid_in] << rank_bits) | rank[paid_in])
    nxt = np.searchsorted(out_key, in_key)
    account = in_key >> rank_bits
    found = nxt < len(out_key)
    found[found] = (out_key[nxt[found]] >> rank_bits) == account[found]
    low = (1 << rank_bits) - 1
    pairs = pa.table({
        "k": account[found],
        "t_in": pa.array(times[in_key[found] & low], TIME),
        "t_out": pa.array(times[out_key[nxt[found]] & low], TIME),
    })  # fmt: skip
    con = compute_connection()
    with registered(con, pairs, "hold_pairs") as name:
        med = con.sql(
            f"select k, median(epoch(t_out) - epoch(t_in)) as s from {name} group by k"
        ).to_arrow_table()
    hold = np.zeros(n, np.float64)
    null = np.ones(n, bool)
    k = med.column("k").to_numpy()
    hold[k] = med.column("s").to_numpy()
    null[k] = False
    return pa.array(hold, pa.float64(), mask=null)
