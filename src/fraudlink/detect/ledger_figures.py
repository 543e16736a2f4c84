"""Each account's own payment figures kept up to date as the ledger grows, for weekly scoring.

`account_ledger_of` counts every payment again at each weekly run: 19 M of them by the fourth
week at city. The engine's ledger book only grows, by payments appended in time order, and the
ids it gives accounts never change, so `LedgerFigures` folds each payment in once. Counts and
sums add up fold by fold and the first large inflow is the least; the distinct (payer, payee)
pairs are kept as a set of keys, and only pairs new to it add to an account's fans. An
inflow's hold time ends at its account's first outflow at or after it, and with the payments in
time order that outflow is final once found: inflows with none yet wait for later folds. Only
the accounts with newly ended holds have their median computed again, over all their holds, by
the same SQL as `account_ledger_of`, so that each median is the same double.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import numpy as np
import pyarrow as pa

from fraudlink.detect.accounts_ledger import (
    NEVER,
    NO_ACCOUNT,
    BoolArray,
    Figures,
    IntArray,
    PaymentColumns,
    figures_of,
    hold_medians,
    ledger_table,
    next_outflows,
    rank_bits_for,
    time_ranks,
)
from fraudlink.store.arrays import epoch_us, grown, sorted_distinct
from fraudlink.store.pair_set import LOW, PairSet

_EARLIEST = np.iinfo(np.int64).min
_MAX_IDS = 2**31  # a pair key is two ids of 32 bits side by side: below 2^31 it stays positive
_PAIR_SHIFT = 46  # a part of the pair set holds the payments of 16,384 payers
_HOLD_PARTS = 16  # chunks of ended holds kept before they are joined into one


class LedgerFigures:
    """`account_ledger_of`'s table, kept by folding in each payment once as the ledger grows.

    Meant for a weekly update: it keeps every ended hold and every waiting inflow (about 24
    bytes each, half a gigabyte over a city month), and each update reads them all again."""

    def __init__(self) -> None:
        """An empty book: no payment folded in yet."""
        self.rows = 0  # payments folded in: the ledger's first rows
        self._latest = _EARLIEST  # the latest payment time folded in, epoch µs
        self._n = 0  # accounts the per-account arrays cover
        z = np.zeros(0, np.int64)
        self._figures = figures_of(z, z, z, z, np.zeros(0, bool), 0)
        self._fan_in, self._fan_out = z.copy(), z.copy()
        self._pairs = PairSet(_PAIR_SHIFT)  # payer << 32 | payee of every payment to an account
        self._paid_at_latest = z.copy()  # the accounts paying out at `_latest`, sorted
        self._waiting = _Waiting()  # inflows with no outflow at or after them yet
        # Ended holds (account, inflow µs, outflow µs), a chunk per fold that ended some.
        self._holds: list[tuple[IntArray, IntArray, IntArray]] = []
        self._hold = np.zeros(0, np.float64)
        self._no_hold = np.zeros(0, bool)
        self._broken = False  # a fold failed half way: the figures may count rows twice

    def update(self, payments: PaymentColumns, as_of: datetime) -> pa.Table:
        """The accounts' payment figures up to `as_of`, folding in the payments appended to the
        ledger since the last update: the table `account_ledger_of(payments, as_of)` gives."""
        if self._broken:
            raise ValueError("a fold of these figures failed half way: they cannot be updated")
        total, n = len(payments.time_us), len(payments.accounts)
        if total < self.rows:
            raise ValueError(f"the ledger holds {total} payments, fewer than the {self.rows} "
                             "folded in: LedgerFigures needs a ledger that only grows")  # fmt: skip
        if n < self._n:
            raise ValueError(f"the ledger names {n} accounts, fewer than the {self._n} seen: "
                             "account ids must stay as they were")  # fmt: skip
        us = payments.time_us[self.rows :]
        if len(us) and (us[0] < self._latest or bool((us[1:] < us[:-1]).any())):
            raise ValueError("the new payments are not in time order after those folded in: "
                             "LedgerFigures needs payments appended in time order")  # fmt: skip
        latest = max(self._latest, int(us[-1])) if len(us) else self._latest
        if latest > epoch_us(as_of):
            raise ValueError(f"payments later than {as_of} are in the ledger: cannot give the "
                             "figures as of before them")  # fmt: skip
        if n > _MAX_IDS:
            raise OverflowError("more than 2^31 accounts: payment pair keys would overflow")
        self._grow(n)
        if len(us):
            try:
                self._fold(payments, self.rows)
            except BaseException:
                self._broken = True
                raise
        self.rows, self._latest = total, latest
        hold = pa.array(self._hold, pa.float64(), mask=self._no_hold)
        return ledger_table(payments.accounts, self._figures, self._fan_in, self._fan_out, hold)

    def _grow(self, n: int) -> None:
        if n == self._n:
            return
        for f in fields(Figures):
            fill = NEVER if f.name == "first_large" else 0
            setattr(self._figures, f.name, grown(getattr(self._figures, f.name), n, fill))
        self._fan_in, self._fan_out = grown(self._fan_in, n), grown(self._fan_out, n)
        self._hold = np.concatenate([self._hold, np.zeros(n - self._n, np.float64)])
        self._no_hold = np.concatenate([self._no_hold, np.ones(n - self._n, bool)])
        self._n = n

    def _fold(self, p: PaymentColumns, start: int) -> None:
        payer, payee, us = p.payer[start:], p.payee[start:], p.time_us[start:]
        n = self._n
        times, rank = time_ranks(us)  # in time order: the ranks are a running count
        rank_bits = rank_bits_for(n, len(times))  # before any figure changes: it may refuse
        new = figures_of(payer, payee, us, p.amount_fen[start:], p.cash_out[start:], n)
        for f in fields(Figures):
            combine = np.minimum if f.name == "first_large" else np.add
            mine = getattr(self._figures, f.name)
            combine(mine, getattr(new, f.name), out=mine)
        paid_in = payee != NO_ACCOUNT
        keys = sorted_distinct((payer[paid_in] << 32) | payee[paid_in])
        keys = keys[self._pairs.add(keys)]
        self._fan_in += np.bincount(keys & LOW, minlength=n)
        self._fan_out += np.bincount(keys >> 32, minlength=n)
        self._end_holds(payer, rank, payee[paid_in], rank[paid_in], times, rank_bits)

    def _end_holds(
        self,
        payer: IntArray,
        rank: IntArray,
        to: IntArray,
        in_rank: IntArray,
        times: IntArray,
        rank_bits: int,
    ) -> None:
        """End the holds of the fold's inflows, and of the waiting ones that its outflows end,
        and compute again the medians of the accounts with holds ended (before `_latest` moves).
        """
        low = (1 << rank_bits) - 1
        # An outflow folded in before is at or after a new inflow only at the latest microsecond
        # folded in, where the fold may begin: such an outflow ends the hold at once.
        head = int(np.searchsorted(in_rank, 0, "right")) if times[0] == self._latest else 0
        tie = np.flatnonzero(np.isin(to[:head], self._paid_at_latest))
        at_once = to[tie]
        if len(tie):
            rest = np.ones(len(to), bool)
            rest[tie] = False
            to, in_rank = to[rest], in_rank[rest]
        has_out = np.zeros(self._n, bool)
        has_out[payer] = True
        # Most inflows go to accounts with no outflow in the fold: they wait, unsorted, and only
        # the others are looked up, among the outflows of the accounts looked up.
        may = has_out[to]
        in_key = np.sort((to[may] << rank_bits) | in_rank[may])
        # A waiting inflow is no later than any new payment: its account's first new outflow
        # ends its hold.
        due_account, due_us = self._waiting.ended_by(has_out)
        looked_up = np.zeros(self._n, bool)
        looked_up[in_key >> rank_bits] = True
        looked_up[due_account] = True
        pick = looked_up[payer]
        out_key = np.sort((payer[pick] << rank_bits) | rank[pick])
        nxt, found = next_outflows(out_key, in_key, rank_bits)
        first_out = out_key[np.searchsorted(out_key, due_account << rank_bits)]
        tied = np.full(len(tie), self._latest, np.int64)
        ended = (
            np.concatenate([at_once, in_key[found] >> rank_bits, due_account]),
            np.concatenate([tied, times[in_key[found] & low], due_us]),
            np.concatenate([tied, times[out_key[nxt[found]] & low], times[first_out & low]]),
        )
        unfound = in_key[~found]
        self._waiting.add(to[~may], times[in_rank[~may]])
        self._waiting.add(unfound >> rank_bits, times[unfound & low])
        at_latest = payer[int(np.searchsorted(rank, rank[-1])) :]
        if times[-1] == self._latest:  # the whole fold at the microsecond folded in last
            at_latest = np.concatenate([self._paid_at_latest, at_latest])
        self._paid_at_latest = sorted_distinct(at_latest)
        if len(ended[0]):
            self._holds.append(ended)
            if len(self._holds) > _HOLD_PARTS:  # folds of a few rows each: one part again
                a, t_in, t_out = (np.concatenate([h[i] for h in self._holds]) for i in range(3))
                self._holds = [(a, t_in, t_out)]
            self._medians(ended[0])

    def _medians(self, accounts: IntArray) -> None:
        """The hold medians of some accounts, again over every hold of theirs ended so far."""
        again = np.zeros(self._n, bool)
        again[accounts] = True
        picks = [again[part[0]] for part in self._holds]
        account, t_in, t_out = (
            np.concatenate([part[i][pick] for part, pick in zip(self._holds, picks, strict=True)])
            for i in range(3)
        )
        k, s = hold_medians(account, t_in, t_out)
        self._hold[k] = s
        self._no_hold[k] = False


class _Waiting:
    """Inflows waiting for their account's next outflow: (account, µs), in room that grows by
    doubling. An account's outflow ends all of its waiting inflows at once; they are marked
    ended and the room is compacted when half of it has, so that a fold does not copy and
    freshly allocate millions of waiting inflows that stay."""

    def __init__(self) -> None:
        self.account = np.zeros(0, np.int64)
        self.us = np.zeros(0, np.int64)
        self.live = np.zeros(0, bool)
        self.used = 0  # entries filled, live or ended
        self.ended = 0

    def __len__(self) -> int:
        return self.used - self.ended

    def ended_by(self, has_out: BoolArray) -> tuple[IntArray, IntArray]:
        """Take out the inflows of the accounts with an outflow: their accounts and times."""
        n = self.used
        at = np.flatnonzero(has_out[self.account[:n]] & self.live[:n])
        self.live[at] = False
        self.ended += len(at)
        return self.account[at], self.us[at]

    def add(self, account: IntArray, us: IntArray) -> None:
        """Let some inflows wait."""
        k = len(account)
        if self.used + k > len(self.account) or 2 * self.ended > self.used:
            self._compact(k)
        self.account[self.used : self.used + k] = account
        self.us[self.used : self.used + k] = us
        self.live[self.used : self.used + k] = True
        self.used += k

    def _compact(self, more: int) -> None:
        keep = np.flatnonzero(self.live[: self.used])
        room = max(2 * (len(keep) + more), len(self.account))
        if room > len(self.account):
            account, us = np.empty(room, np.int64), np.empty(room, np.int64)
            self.live = np.zeros(room, bool)
            account[: len(keep)], us[: len(keep)] = self.account[keep], self.us[keep]
            self.account, self.us = account, us
        else:  # in place: `keep` only moves entries down
            self.account[: len(keep)] = self.account[keep]
            self.us[: len(keep)] = self.us[keep]
        self.live[: len(keep)] = True
        self.used, self.ended = len(keep), 0
