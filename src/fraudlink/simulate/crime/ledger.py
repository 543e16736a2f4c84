"""The event loop of the fraud ledger: FIFO lots per mule account, sweeps, cash-out, camouflage.

Events (victim payments, sweeps, planned payments out, camouflage) are taken from a heap in time
order; each payment out of a mule account is made at its own time and consumes that account's
lots oldest-first, so the truth it records is exact under FIFO.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.crime.common import (
    CHANNEL,
    HOLD_SIGMA,
    split_amount,
)
from fraudlink.simulate.crime.lots import CLEAN, LotQueue
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import US_PER_MINUTE, US_PER_SECOND, World

PAY, SWEEP, MOVE, CAMO_IN, CAMO_OUT = 0, 1, 2, 3, 4


MIN_SWEEP_FEN = 1_000  # launderers leave less than 10 yuan where it is
IntArray = npt.NDArray[np.int64]


@dataclass
class _Out:
    """What the ledger emits, gathered in lists and turned into arrays at the end."""

    time: list[int] = field(default_factory=list)
    frm: list[int] = field(default_factory=list)
    to: list[int] = field(default_factory=list)
    amount: list[int] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    terminal: list[int] = field(default_factory=list)
    path_episode: list[int] = field(default_factory=list)
    path_txn: list[int] = field(default_factory=list)
    path_hop: list[int] = field(default_factory=list)
    path_amount: list[int] = field(default_factory=list)
    login_time: list[int] = field(default_factory=list)
    login_account: list[int] = field(default_factory=list)
    login_device: list[int] = field(default_factory=list)
    login_ip: list[int] = field(default_factory=list)


class Ledger:
    """The event loop over the fraud side of the city's money."""

    def __init__(self, world: World, st: Crime, rng: np.random.Generator) -> None:
        self.w, self.st, self.rng = world, st, rng
        self.cfg = world.cfg.laundering
        self.end = world.end_us
        self.out = _Out()
        self.queues: dict[int, LotQueue] = {}
        self.pending: dict[int, bool] = {}
        self.heap: list[tuple[int, int, int, int]] = []
        self.n_pushed = 0
        c = st.cards
        self.card_of = {int(a): i for i, a in enumerate(c.account) if a >= 0}
        self.active: dict[tuple[int, int], tuple[IntArray, IntArray, IntArray]] = {}
        for g in range(len(st.gangs)):
            for tier in (1, 2, 3):
                idx = np.flatnonzero((c.gang == g) & (c.tier == tier) & (c.account >= 0))
                self.active[(g, tier)] = (idx, c.active_us[idx], c.until_us[idx])
        self.hold = {
            1: self.cfg.l1_hold_minutes,
            2: self.cfg.l2_hold_minutes,
            3: self.cfg.l3_hold_minutes,
        }
        mix = self.cfg.cash_out_mix
        self.cash_keys = list(mix)
        p = np.array(list(mix.values()), float)
        self.cash_p = p / p.sum()
        sellers = world.notes.get("second_hand_seller_accounts", np.zeros(0, np.int64))
        self.sellers = np.asarray(sellers, np.int64)
        self.sellers = self.sellers[self.sellers >= 0]
        self.innocent: list[int] = []
        # Planned payments out of mule accounts: (from, to, amount, channel, terminal).
        self.planned: list[tuple[int, int, int, str, int]] = []

    # ----- scheduling -------------------------------------------------------------------------
    def push(self, t: int, kind: int, arg: int) -> None:
        heapq.heappush(self.heap, (t, self.n_pushed, kind, arg))
        self.n_pushed += 1

    def cards_at(self, gang: int, tier: int, t: int) -> IntArray:
        """Cards (st.cards rows) of a gang's tier in use at t; the latest started if none is."""
        idx, a, u = self.active[(gang, tier)]
        m = (a <= t) & (t < u)
        if m.any():
            return idx[m]
        started = a <= t
        if started.any():
            return idx[started][[int(np.argmax(a[started]))]]
        return idx[:1]

    def schedule_sweep(self, account: int, t: int) -> None:
        if self.pending.get(account):
            return
        tier = int(self.st.cards.tier[self.card_of[account]])
        med = self.hold[tier] * US_PER_MINUTE
        wait = int(max(self.rng.lognormal(math.log(max(med, 1.0)), HOLD_SIGMA), US_PER_SECOND))
        self.pending[account] = True
        self.push(t + wait, SWEEP, account)

    # ----- money ------------------------------------------------------------------------------
    def txn(self, t: int, frm: int, to: int, amount: int, channel: str, terminal: int = -1) -> int:
        o = self.out
        o.time.append(t)
        o.frm.append(frm)
        o.to.append(to)
        o.amount.append(amount)
        o.channel.append(CHANNEL[channel])
        o.terminal.append(terminal)
        return len(o.time) - 1

    def path(self, episode: int, txn: int, hop: int, amount: int) -> None:
        o = self.out
        o.path_episode.append(episode)
        o.path_txn.append(txn)
        o.path_hop.append(hop)
        o.path_amount.append(amount)

    def deposit(self, account: int, t: int, episode: int, hop: int, amount: int) -> None:
        q = self.queues.setdefault(account, LotQueue())
        q.deposit(episode, hop, amount)
        if episode != CLEAN:
            self.st.first_fraud_use.setdefault(account, t)

    def move(
        self, t: int, frm: int, to: int, amount: int, channel: str, terminal: int = -1
    ) -> None:
        """Pay out of a mule account, FIFO; the receiving mule account gets the same lots."""
        pieces = self.queues[frm].withdraw(amount)
        k = self.txn(t, frm, to, amount, channel, terminal)
        per: dict[int, list[int]] = {}
        for e, hop, a in pieces:
            if e == CLEAN:
                if to in self.card_of:
                    self.deposit(to, t, CLEAN, 0, a)
                continue
            if e in per:
                per[e][1] += a
            else:
                per[e] = [hop + 1, a]
            if to in self.card_of:
                self.deposit(to, t, e, hop + 1, a)
        for e, (hop, a) in per.items():
            self.path(e, k, hop, a)
        if to in self.card_of and per:
            self.schedule_sweep(to, t)

    def login(self, t: int, account: int) -> None:
        """The launderer, or the dealer on a shared-device kit, logs in to move the money."""
        st, rng = self.st, self.rng
        i = self.card_of[account]
        if st.cards.shared[i]:
            r = int(st.cards.ring[i])
            devs, ip = st.rings.devices[r], int(st.rings.ip[r])
        else:
            g = int(st.cards.gang[i])
            devs = np.r_[st.gangs.computers[g], st.gangs.phones[g]]
            ip = int(st.gangs.ip[g])
        lt = t - int(rng.integers(30, 240)) * US_PER_SECOND
        if lt < self.w.start_us or not len(devs):
            return
        o = self.out
        o.login_time.append(lt)
        o.login_account.append(account)
        o.login_device.append(int(devs[rng.integers(0, len(devs))]))
        o.login_ip.append(ip)

    # ----- events -----------------------------------------------------------------------------
    def pay(self, j: int) -> None:
        ep = self.st.episodes
        e = int(ep.pay_episode[j])
        t = int(ep.pay_us[j])
        cards = self.cards_at(int(ep.gang[e]), 1, t)
        if not len(cards):  # no first-level card at all: any card the gang holds
            cards = np.flatnonzero(
                (self.st.cards.gang == ep.gang[e]) & (self.st.cards.account >= 0)
            )
        if not len(cards):
            return
        card = int(cards[self.rng.integers(0, len(cards))])
        acc = int(self.st.cards.account[card])
        amount = int(ep.pay_fen[j])
        channel = "payment" if ep.pay_wallet[j] else "transfer"
        k = self.txn(t, int(ep.pay_from[j]), acc, amount, channel)
        eid = int(ep.episode_id[e])
        self.path(eid, k, 1, amount)
        ep.pay_to[j] = acc
        ep.pay_pid[j] = k  # local index for now
        self.deposit(acc, t, eid, 1, amount)
        self.schedule_sweep(acc, t)

    def sweep(self, account: int, t: int) -> None:
        self.pending[account] = False
        q = self.queues.get(account)
        if q is None or q.balance < MIN_SWEEP_FEN:
            return
        amount = q.balance - round(q.balance * self.cfg.residue_share)
        if amount <= 0:
            return
        i = self.card_of[account]
        tier, gang = int(self.st.cards.tier[i]), int(self.st.cards.gang[i])
        rng = self.rng
        if tier == 1:
            dests = self.cards_at(gang, 2, t)
            m = min(len(dests), int(rng.integers(1, max(self.cfg.fanout_max, 1) + 1)))
        elif tier == 2 and rng.random() < self.cfg.third_level_share:
            dests = self.cards_at(gang, 3, t)
            m = min(len(dests), 1 if rng.random() < 0.75 else 2)
        else:
            self.cash_out(account, t, amount)
            return
        if m == 0:
            self.cash_out(account, t, amount)
            return
        chosen = rng.choice(dests, m, replace=False)
        self.login(t, account)
        for piece, card in zip(split_amount(rng, amount, m), chosen, strict=False):
            self.plan(t, account, int(self.st.cards.account[card]), piece, "transfer")
            t += int(rng.integers(20, 90)) * US_PER_SECOND

    def plan(
        self,
        t: int,
        frm: int,
        to: int,
        amount: int,
        channel: str,
        terminal: int = -1,
    ) -> None:
        """A payment out of a mule account, made when its time comes (see `execute`)."""
        self.planned.append((frm, to, amount, channel, terminal))
        self.push(t, MOVE, len(self.planned) - 1)

    def execute(self, t: int, k: int) -> None:
        """Make a planned payment, of what is still there if less (ATMs in whole hundreds)."""
        frm, to, amount, channel, terminal = self.planned[k]
        amount = min(amount, self.queues[frm].balance)
        if channel == "atm_cash_out":
            amount = amount // 10_000 * 10_000
        if amount <= 0:
            return
        if channel == "payment":
            self.innocent.append(to)
        self.move(t, frm, to, amount, channel, terminal)

    def cash_out(self, account: int, t: int, amount: int) -> None:
        rng = self.rng
        g = int(self.st.cards.gang[self.card_of[account]])
        gangs = self.st.gangs
        how = self.cash_keys[int(rng.choice(len(self.cash_keys), p=self.cash_p))]
        if how == "goods" and not len(self.sellers):
            how = "crypto"
        if how == "atm_cash_out" and len(gangs.atms[g]):
            limit = max(int(self.cfg.atm_limit_yuan) // 100 * 10_000, 10_000)
            total = amount // 10_000 * 10_000
            for k in range(-(-total // limit)):
                atm = int(gangs.atms[g][rng.integers(0, len(gangs.atms[g]))])
                self.plan(t, account, -1, min(limit, total - k * limit), "atm_cash_out", atm)
                t += int(rng.integers(60, 300)) * US_PER_SECOND
        elif how == "pos" and len(gangs.pos[g]):
            for piece in split_amount(rng, amount, int(rng.integers(1, 4))):
                pos = int(gangs.pos[g][rng.integers(0, len(gangs.pos[g]))])
                self.plan(t, account, -1, piece, "pos", pos)
                t += int(rng.integers(30, 600)) * US_PER_SECOND
        elif how == "goods":
            self.login(t, account)
            for piece in split_amount(rng, amount, 1 if rng.random() < 0.7 else 2, unit=10_000):
                seller = int(self.sellers[rng.integers(0, len(self.sellers))])
                self.plan(t, account, seller, piece, "payment")
                t += int(rng.integers(2, 30)) * US_PER_MINUTE
        else:
            otc = gangs.otc[g]
            self.login(t, account)
            self.plan(
                t,
                account,
                -1,
                amount,
                "crypto",
                int(otc[rng.integers(0, len(otc))]) if len(otc) else -1,
            )

    def camouflage(self, t: int, account: int, other: int, amount: int, inbound: bool) -> None:
        if inbound:
            self.txn(t, other, account, amount, "transfer")
            self.deposit(account, t, CLEAN, 0, amount)
            return
        q = self.queues.get(account)
        if q is None or q.balance < amount:
            return
        self.move(t, account, other, amount, "merchant")

    def run(self, camo: dict[str, IntArray]) -> None:
        ep = self.st.episodes
        for p in np.flatnonzero(ep.pay_us < self.end):
            self.push(int(ep.pay_us[p]), PAY, int(p))
        for j in range(len(camo["time"])):
            self.push(int(camo["time"][j]), CAMO_IN if camo["inbound"][j] else CAMO_OUT, j)
        while self.heap:
            t, _, kind, arg = heapq.heappop(self.heap)
            if t >= self.end:
                break
            if kind == PAY:
                self.pay(arg)
            elif kind == SWEEP:
                self.sweep(arg, t)
            elif kind == MOVE:
                self.execute(t, arg)
            else:
                self.camouflage(
                    t,
                    int(camo["account"][arg]),
                    int(camo["other"][arg]),
                    int(camo["amount"][arg]),
                    kind == CAMO_IN,
                )
