"""Which held money to go after first: the amount that can be recovered and how soon it moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from fraudlink.store import Store

# An account never seen paying out after an inflow gets this hold time: no evidence it is fast.
DEFAULT_HOLD = dt.timedelta(hours=24)
_HOUR = 3600.0


def hold_times(store: Store, accounts: Iterable[str], now: dt.datetime) -> dict[str, float]:
    """Each account's typical hold time in seconds: the median gap from an inflow to its next
    outflow in the ledger before `now`; accounts without such a pair are left out."""
    wanted = sorted(set(accounts))
    if not wanted:
        return {}
    # ASOF join: for every inflow, the first outflow of the same account at or after it.
    rows = store.con.execute(
        """
        with acc as (select unnest(?::varchar[]) as account),
        ins as (
            select t.to_account as account, t.time from transactions t
            join acc on acc.account = t.to_account where t.time <= ?
        ),
        outs as (
            select t.from_account as account, t.time from transactions t
            join acc on acc.account = t.from_account where t.time <= ?
        )
        select i.account, median(epoch(o.time) - epoch(i.time))
        from ins i asof join outs o on i.account = o.account and o.time >= i.time
        group by i.account
        """,
        [wanted, now, now],
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
