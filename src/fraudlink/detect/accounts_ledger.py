"""Each account's own payment figures for the mule features, from the ledger as whole columns.

`accounts_features.LEDGER_SQL` computes these from the store. A caller that already holds the
payments in memory with integer account ids (the engine's ledger book) gets the same table here
in NumPy: counts and sums by `bincount`, the distinct payment pairs by one sort of integer
keys, each inflow's next outflow by a lookup among the sorted outflows. Only the hold time's
median runs in SQL, over the pairs found here, so that each hold time is the same double as the
store's query gives. `ledger_figures.LedgerFigures` keeps the same table as the ledger grows,
from the same pieces (`figures_of`, `ledger_table`, `hold_medians`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.detect.accounts_features import CASH_OUT_CHANNELS, LARGE_INFLOW_FEN, ROUND_FEN
from fraudlink.store.arrays import NO_ID, TIME, BoolArray, epoch_us, sorted_distinct
from fraudlink.store.compute import compute_connection, registered

IntArray = npt.NDArray[np.int64]
NO_ACCOUNT = NO_ID  # the payee of a payment that leaves the banking system (cash out)
NEVER = np.iinfo(np.int64).max  # the first large inflow of an account that has none
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
    paid_in = payee != NO_ACCOUNT
    fan_in, fan_out = _fans(payer[paid_in], payee[paid_in], n_acc)
    figures = figures_of(payer, payee, us, fen, cash, n_acc)
    hold = _hold_seconds(payer, payee, us, n_acc)
    return ledger_table(p.accounts, figures, fan_in, fan_out, hold)


@dataclass
class Figures:
    """Each account's counts and sums of its payments and its first large inflow, one entry per
    account id: figures that add up over parts of the ledger (the first large inflow by the least).
    """

    n_in: IntArray
    in_fen: IntArray
    first_large: IntArray  # epoch µs, NEVER where no large inflow
    night_in: IntArray
    round_in: IntArray
    n_out: IntArray
    out_fen: IntArray
    n_cash: IntArray
    cash_fen: IntArray
    night_out: IntArray
    round_out: IntArray


def figures_of(
    payer: IntArray, payee: IntArray, us: IntArray, fen: IntArray, cash: BoolArray, n: int
) -> Figures:
    """The counts, sums and first large inflow of each of `n` accounts over some payments."""
    night = (us // _HOUR_US + _CHINA_HOURS) % 24 < _NIGHT_ENDS
    whole = fen % ROUND_FEN == 0
    paid_in = payee != NO_ACCOUNT
    to, t_in, fen_in = payee[paid_in], us[paid_in], fen[paid_in]
    large = fen_in >= LARGE_INFLOW_FEN
    by_cash = payer[cash]
    return Figures(
        n_in=_count(to, n), in_fen=_sum(to, fen_in, n),
        first_large=_least(to[large], t_in[large], n),
        night_in=_count(to[night[paid_in]], n), round_in=_count(to[whole[paid_in]], n),
        n_out=_count(payer, n), out_fen=_sum(payer, fen, n),
        n_cash=_count(by_cash, n), cash_fen=_sum(by_cash, fen[cash], n),
        night_out=_count(payer[night], n), round_out=_count(payer[whole], n),
    )  # fmt: skip


def ledger_table(
    accounts: pa.Array, f: Figures, fan_in: IntArray, fan_out: IntArray, hold: pa.Array
) -> pa.Table:
    """The ledger's rows: every account with a payment, in id order, a figure null where the
    store's query leaves it null (no payment of that kind)."""
    none_in, none_out = f.n_in == 0, f.n_out == 0
    cols: dict[str, pa.Array] = {
        "n_in": _nullable(f.n_in, none_in),
        "in_fen": _nullable(f.in_fen, none_in),
        "first_large_at": _times(f.first_large, f.first_large == NEVER),
        "night_in": _nullable(f.night_in, none_in),
        "round_in": _nullable(f.round_in, none_in),
        "n_out": _nullable(f.n_out, none_out),
        "out_fen": _nullable(f.out_fen, none_out),
        "cash_fen": _nullable(f.cash_fen, f.n_cash == 0),
        "night_out": _nullable(f.night_out, none_out),
        "round_out": _nullable(f.round_out, none_out),
        "fan_in": _nullable(fan_in, fan_in == 0),
        "fan_out": _nullable(fan_out, fan_out == 0),
        "hold_s": hold,
    }
    rows = pa.array(np.flatnonzero(~(none_in & none_out)))
    out = {"account": accounts.take(rows)}
    out |= {name: col.take(rows) for name, col in cols.items()}
    return pa.table(out)


def time_ranks(us: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct times of payments given in time order, and each payment's rank among them."""
    first = np.r_[True, us[1:] != us[:-1]] if len(us) else np.zeros(0, bool)
    return us[first], np.cumsum(first) - 1


def rank_bits_for(n_accounts: int, n_times: int) -> int:
    """Bits for a time rank beside an account id in one int64 sort key."""
    rank_bits = max(n_times.bit_length(), 1)
    if int(n_accounts).bit_length() + rank_bits > 63:
        raise OverflowError("too many accounts and distinct times for one sort key")
    return rank_bits


def next_outflows(
    out_key: IntArray, in_key: IntArray, rank_bits: int
) -> tuple[IntArray, BoolArray]:
    """For each inflow, the place among the sorted outflows of its account's first outflow at
    or after it, and whether there is one (keys are account << rank_bits | time rank)."""
    nxt = np.searchsorted(out_key, in_key)
    found = nxt < len(out_key)
    found[found] = (out_key[nxt[found]] >> rank_bits) == (in_key[found] >> rank_bits)
    return nxt, found


def hold_medians(
    account: IntArray, t_in: IntArray, t_out: IntArray
) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Each account's median seconds from an inflow to its next outflow, over such pairs
    (epoch microseconds): the accounts that have one, and their medians."""
    pairs = pa.table({"k": account, "t_in": pa.array(t_in, TIME), "t_out": pa.array(t_out, TIME)})
    con = compute_connection()
    with registered(con, pairs, "hold_pairs") as name:
        med = con.sql(
            f"select k, median(epoch(t_out) - epoch(t_in)) as s from {name} group by k"
        ).to_arrow_table()
    return med.column("k").to_numpy(), med.column("s").to_numpy()


# -- internals ----------------------------------------------------------------------------


def _count(ids: IntArray, n: int) -> IntArray:
    return np.bincount(ids, minlength=n).astype(np.int64)


def _sum(ids: IntArray, fen: IntArray, n: int) -> IntArray:
    # Integer sums: a float bincount would round sums past 2**53 fen.
    total = np.zeros(n, np.int64)
    np.add.at(total, ids, fen)
    return total


def _least(ids: IntArray, us: IntArray, n: int) -> IntArray:
    first = np.full(n, NEVER, np.int64)
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


def _hold_seconds(payer: IntArray, payee: IntArray, us: IntArray, n: int) -> pa.Array:
    """Per account, the median seconds from an inflow to the first outflow at or after it."""
    # Times enter as dense ranks so that an account and a time fit one int64. The engine's book
    # holds its rows in time order, and then the ranks are a running count, with no sort.
    in_order = len(us) < 2 or bool((us[1:] >= us[:-1]).all())
    if in_order:
        times, rank = time_ranks(us)
    else:
        times = sorted_distinct(us)
        rank = np.searchsorted(times, us)
    rank_bits = rank_bits_for(n, len(times))
    paid_in = payee != NO_ACCOUNT
    # Each inflow's (account, time) looked up among the sorted outflows finds the account's
    # first outflow at or after it (same microsecond included): a sort of the payments and one
    # of the inflows, where one sort of both together, a sort of the distinct times and two
    # binary searches for the ranks cost 1.75 times as much at city.
    out_key = np.sort((payer << rank_bits) | rank)
    in_key = np.sort((payee[paid_in] << rank_bits) | rank[paid_in])
    nxt, found = next_outflows(out_key, in_key, rank_bits)
    low = (1 << rank_bits) - 1
    k, s = hold_medians(
        in_key[found] >> rank_bits, times[in_key[found] & low], times[out_key[nxt[found]] & low]
    )
    hold = np.zeros(n, np.float64)
    null = np.ones(n, bool)
    hold[k] = s
    null[k] = False
    return pa.array(hold, pa.float64(), mask=null)
