"""Which held money to go after first: the amount that can be recovered and how soon it moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pyarrow as pa

from fraudlink.store import Store
from fraudlink.store.arrays import TIME, epoch_us
from fraudlink.store.compute import registered
from fraudlink.trace.ledger_book import LedgerBook

# An account never seen paying out after an inflow gets this hold time: no evidence it is fast.
DEFAULT_HOLD = dt.timedelta(hours=24)
_HOUR = 3600.0


def hold_times(
    store: Store, accounts: Iterable[str], now: dt.datetime, book: LedgerBook | None = None
) -> dict[str, float]:
    """Each account's typical hold time in seconds: the median gap from an inflow to its next
    outflow in the ledger before `now`; accounts without such a pair are left out.

    Given the `LedgerBook` of the store's transactions, each inflow's next outflow is found in
    memory, from the accounts' own rows, instead of by a scan of the whole ledger."""
    wanted = sorted(set(accounts))
    if not wanted:
        return {}
    if book is not None:
        # The as-of join in NumPy over the accounts' own rows; the gaps and their median stay in
        # SQL, so each is the same double as the store's query gives.
        at, t_in, t_out = book.holds(book.ids(wanted), epoch_us(now))
        pairs = pa.table({"k": at, "t_in": pa.array(t_in, TIME), "t_out": pa.array(t_out, TIME)})
        with registered(store.con, pairs, "hold_pairs") as name:
            rows = store.con.execute(
                f"select k, median(epoch(t_out) - epoch(t_in)) from {name} group by k"
            ).fetchall()
        return {wanted[k]: float(s) for k, s in rows}
    return _hold_times_sql(store, wanted, now)


def _hold_times_sql(store: Store, wanted: list[str], now: dt.datetime) -> dict[str, float]:
    # ASOF join: for every inflow, the first outflow of the same account at or after it. One scan
    # of the ledger keeps the rows touching the accounts on either side (two scans, each joined
    # to the accounts, took twice as long on the city ledger: 0.99 s against 0.53 s).
    rows = store.con.execute(
        """
        with mine as (
            select to_account, from_account, time from transactions
            where (to_account in (select unnest($1::varchar[]))
                   or from_account in (select unnest($1::varchar[]))) and time <= $2
        ),
        ins as (
            select to_account as account, time from mine
            where to_account in (select unnest($1::varchar[]))
        ),
        outs as (
            select from_account as account, time from mine
            where from_account in (select unnest($1::varchar[]))
        )
        select i.account, median(epoch(o.time) - epoch(i.time))
        from ins i asof join outs o on i.account = o.account and o.time >= i.time
        group by i.account
        """,
        [wanted, now],
    ).fetchall()
    return {a: float(s) for a, s in rows}


def urgency(hold_s: float | None, since_in_s: float) -> float:
    """1 when the money is due to move now, falling as the expected time left grows (in hours)."""
    hold = DEFAULT_HOLD.total_seconds() if hold_s is None else hold_s
    left_h = max(hold - since_in_s, 0.0) / _HOUR
    return 1.0 / (1.0 + left_h)


def priority(amount_fen: int, hold_s: float | None, since_in_s: float) -> float:
    """The rank score of an order: recoverable amount (yuan) weighted by urgency."""
    return amount_fen / 100 * urgency(hold_s, since_in_s)
