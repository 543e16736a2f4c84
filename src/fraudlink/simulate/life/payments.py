"""Everyday money: shopping, bills, transfers between acquaintances and between one's own
accounts, ATM withdrawals, salaries and second-hand sales.

Each kind is drawn for a whole day at once: Poisson counts per actor, `np.repeat` of the actors,
times from the daily rhythm, counterparties by index arithmetic. Merchants have a heavy-tailed
popularity (legitimately high fan-in); employers pay all their staff within minutes on salary day
(legitimate fan-out); second-hand sellers take money from strangers.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import OCCUPATIONS
from fraudlink.simulate.life.contacts import Circles
from fraudlink.simulate.life.context import (
    ACC,
    CHANNEL,
    F64,
    I64,
    Groups,
    Life,
    append_transactions,
    round_amounts,
)
from fraudlink.simulate.world import (
    CHINA_OFFSET_US,
    US_PER_HOUR,
    US_PER_MINUTE,
    World,
    lognormal_fen,
)

DAYS_PER_MONTH = 30.4375
# Share of shoppers who buy in their own district (the rest anywhere in the city).
LOCAL_SHOPPING_SHARE = 0.8
# How people pick the account they pay from: wallet, Class II, else their main account.
WALLET_SHARE = 0.6
CLASS2_SHARE = 0.1
# Share of transfers between acquaintances in round amounts.
P2P_ROUND_SHARE = 0.6
# Merchants' popularity: log-normal sigma of their share of customers.
MERCHANT_POPULARITY_SIGMA = 1.2
# Employers' size: log-normal sigma of their share of the workforce.
EMPLOYER_SIZE_SIGMA = 1.0
# Occupations paid a salary by an employer.
SALARIED = ("employee", "worker", "civil_servant", "delivery_rider", "call_centre_agent")
# Month-to-month variation of a salary (bonuses, overtime).
SALARY_JITTER = 0.05
# Share of second-hand sales paid through the platform's escrow rather than by transfer.
ESCROW_SHARE = 0.6


@dataclass
class _Shops:
    account: I64  # merchant accounts
    terminal: I64  # each merchant's POS terminal, -1 none
    groups: Groups  # local merchant index by district, weighted by popularity


def _shops(life: Life, rng: np.random.Generator) -> _Shops | None:
    a = life.world.entity("accounts")
    acc = np.flatnonzero(life.account_ok & (a["role"] == ACC["merchant"]))
    if not len(acc):
        return None
    district = life.district[a["owner"][acc]]
    popularity = rng.lognormal(0.0, MERCHANT_POPULARITY_SIGMA, len(acc))
    terminal = life.pos.pick(rng, district) if len(life.pos) else np.full(len(acc), -1, np.int64)
    groups = Groups(np.arange(len(acc)), district, life.n_districts, popularity)
    return _Shops(acc, terminal, groups)


def choose_source(life: Life, rng: np.random.Generator, who: I64) -> I64:
    """The account each payer pays from: often the wallet, sometimes Class II, else the main one."""
    u = rng.random(len(who))
    acc = life.pay_account[who]
    wallet = life.wallet[who]
    acc = np.where((u < WALLET_SHARE) & (wallet >= 0), wallet, acc)
    class2 = life.class2[who]
    return np.where((u > 1 - CLASS2_SHARE) & (class2 >= 0), class2, acc)


def _shopping(life: Life, rng: np.random.Generator, day: int, shops: _Shops) -> None:
    cfg = life.cfg
    payers = life.payers
    who = np.repeat(
        payers, life.counts(rng, cfg.shopping_per_person_day * life.activity[payers], len(payers))
    )
    n = len(who)
    local = rng.random(n) < LOCAL_SHOPPING_SHARE
    m = np.where(local, shops.groups.pick(rng, life.district[who]), shops.groups.pick_any(rng, n))
    card = life.card[who]
    at_pos = (rng.random(n) < life.cfg.pos_share) & (card >= 0) & (shops.terminal[m] >= 0)
    src = np.where(at_pos, card, choose_source(life, rng, who))
    append_transactions(
        life.world,
        life.times(rng, day, n),
        src,
        shops.account[m],
        lognormal_fen(rng, cfg.shopping_median_yuan, cfg.amount_sigma, n),
        np.where(at_pos, CHANNEL["pos"], CHANNEL["merchant"]),
        np.where(at_pos, shops.terminal[m], -1),
    )


def _bills(life: Life, rng: np.random.Generator, day: int, utilities: I64) -> None:
    cfg = life.cfg
    payers = life.payers
    who = np.repeat(
        payers, life.counts(rng, cfg.bills_per_person_month / DAYS_PER_MONTH, len(payers))
    )
    n = len(who)
    append_transactions(
        life.world,
        life.times(rng, day, n),
        choose_source(life, rng, who),
        utilities[rng.integers(0, len(utilities), n)],
        lognormal_fen(rng, cfg.bill_median_yuan, cfg.amount_sigma, n),
        CHANNEL["payment"],
    )


def _p2p(life: Life, rng: np.random.Generator, day: int, circles: Circles) -> None:
    cfg = life.cfg
    payers = life.payers
    who = np.repeat(
        payers, life.counts(rng, cfg.p2p_per_person_day * life.activity[payers], len(payers))
    )
    to = circles.pick(rng, who)
    ok = (to >= 0) & (to != who)
    who, to = who[ok], to[ok]
    ok = life.pay_account[to] >= 0
    who, to = who[ok], to[ok]
    n = len(who)
    src = choose_source(life, rng, who)
    # Wallet to wallet when both have one and the payer uses theirs; else to the main account.
    to_wallet = (src == life.wallet[who]) & (life.wallet[to] >= 0)
    dst = np.where(to_wallet, life.wallet[to], life.pay_account[to])
    amount = round_amounts(
        rng, lognormal_fen(rng, cfg.p2p_median_yuan, cfg.amount_sigma, n), P2P_ROUND_SHARE
    )
    append_transactions(life.world, life.times(rng, day, n), src, dst, amount, CHANNEL["transfer"])


@dataclass
class _Own:
    holders: I64  # persons with two or more accounts in use
    start: I64  # their accounts: accounts[start[i]:start[i]+count[i]]
    count: I64
    accounts: I64


def _own_accounts(life: Life) -> _Own:
    a = life.world.entity("accounts")
    acc = np.flatnonzero(
        life.account_active & ~np.asarray(a["corporate"], dtype=bool) & (a["owner"] >= 0)
    )
    owner = np.asarray(a["owner"], dtype=np.int64)[acc]
    order = np.argsort(owner, kind="stable")
    acc, owner = acc[order], owner[order]
    count = np.bincount(owner, minlength=life.n_persons)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    holders = np.flatnonzero(count >= 2)
    return _Own(holders, start[holders], count[holders], acc)


def _own_transfers(life: Life, rng: np.random.Generator, day: int, own: _Own) -> None:
    cfg = life.cfg
    rate = life.cfg.own_transfers_per_person_month / DAYS_PER_MONTH * life.activity[own.holders]
    k = life.counts(rng, rate, len(own.holders))
    start, count = np.repeat(own.start, k), np.repeat(own.count, k)
    n = len(start)
    i = (rng.random(n) * count).astype(np.int64)
    j = (i + 1 + (rng.random(n) * (count - 1)).astype(np.int64)) % count
    amount = round_amounts(rng, lognormal_fen(rng, cfg.p2p_median_yuan, cfg.amount_sigma, n), 0.5)
    append_transactions(
        life.world,
        life.times(rng, day, n),
        own.accounts[start + i],
        own.accounts[start + j],
        amount,
        CHANNEL["transfer"],
    )


def _atm(life: Life, rng: np.random.Generator, day: int) -> None:
    cfg = life.cfg
    holders = np.flatnonzero(life.card >= 0)
    rate = cfg.atm_per_person_month / DAYS_PER_MONTH * life.activity[holders]
    who = np.repeat(holders, life.counts(rng, rate, len(holders)))
    n = len(who)
    limit = int(life.world.cfg.laundering.atm_limit_yuan * 100)
    amount = lognormal_fen(rng, cfg.atm_median_yuan, cfg.amount_sigma, n, round_to_fen=10_000)
    amount = np.clip(amount, 10_000, max(limit, 10_000))
    append_transactions(
        life.world,
        life.times(rng, day, n),
        life.card[who],
        -1,
        amount,
        CHANNEL["atm_cash_out"],
        life.atms.pick(rng, life.district[who]),
    )


@dataclass
class _Payroll:
    employer: I64  # employer account per employee
    employee: I64  # employees' main accounts
    salary: I64  # monthly salary in fen
    batch_hour: F64  # China-time hour each employer runs its payroll (per employee's employer)


def _payroll(life: Life, rng: np.random.Generator) -> _Payroll | None:
    a = life.world.entity("accounts")
    p = life.world.entity("persons")
    employers = np.flatnonzero(life.account_ok & (a["role"] == ACC["employer"]))
    salaried = np.isin(p["occupation"], [OCCUPATIONS.index(o) for o in SALARIED])
    staff = np.flatnonzero(salaried & (life.main >= 0))
    if not len(employers) or not len(staff):
        return None
    size = Groups(
        np.arange(len(employers)),
        np.zeros(len(employers)),
        1,
        rng.lognormal(0.0, EMPLOYER_SIZE_SIGMA, len(employers)),
    )
    which = size.pick_any(rng, len(staff))
    salary = lognormal_fen(rng, life.cfg.salary_median_yuan, life.cfg.amount_sigma, len(staff), 100)
    batch = rng.uniform(9.0, 12.0, len(employers))
    return _Payroll(employers[which], life.main[staff], salary, batch[which])


def salary_day_of(life: Life, day: int) -> bool:
    """Whether that China-time date is pay day (the month's last day if it is shorter)."""
    date = life.local_date(day)
    last = calendar.monthrange(date.year, date.month)[1]
    return date.day == min(max(life.cfg.salary_day, 1), last)


def _salaries(life: Life, rng: np.random.Generator, day: int, payroll: _Payroll) -> None:
    n = len(payroll.employee)
    t = (
        life.day_us(day)
        - CHINA_OFFSET_US
        + (payroll.batch_hour * US_PER_HOUR).astype(np.int64)
        + rng.integers(0, 15 * US_PER_MINUTE, n)
    )
    amount = np.maximum(payroll.salary * rng.uniform(1 - SALARY_JITTER, 1 + SALARY_JITTER, n), 100)
    append_transactions(
        life.world,
        t,
        payroll.employer,
        payroll.employee,
        np.round(amount, -2).astype(np.int64).clip(100),
        CHANNEL["transfer"],
    )


def _second_hand(life: Life, rng: np.random.Generator, day: int, sellers: I64) -> None:
    cfg = life.cfg
    k = life.counts(rng, cfg.second_hand_sales_per_day, len(sellers))
    to = np.repeat(sellers, k)
    n = len(to)
    buyer = life.payers[rng.integers(0, len(life.payers), n)]
    src = choose_source(life, rng, buyer)
    ok = src != to
    amount = lognormal_fen(rng, cfg.p2p_median_yuan, cfg.amount_sigma, n)
    channel = np.where(rng.random(n) < ESCROW_SHARE, CHANNEL["payment"], CHANNEL["transfer"])
    append_transactions(
        life.world, life.times(rng, day, n)[ok], src[ok], to[ok], amount[ok], channel[ok]
    )


def second_hand_sellers(world: World, account_ok: npt.NDArray[np.bool_]) -> I64:
    """Usable accounts of the people who sell goods second-hand."""
    acc = np.asarray(world.notes.get("second_hand_seller_accounts", np.zeros(0)), dtype=np.int64)
    acc = acc[acc >= 0]
    return acc[account_ok[acc]]


def run_payments(life: Life, circles: Circles) -> None:
    """All everyday payments, one chunk per kind per day."""
    world = life.world
    rng = world.rng("life:payments")
    shops = _shops(life, world.rng("life:merchants"))
    a = world.entity("accounts")
    utilities = np.flatnonzero(life.account_ok & (a["role"] == ACC["utility"]))
    payroll = _payroll(life, world.rng("life:payroll"))
    own = _own_accounts(life)
    sellers = second_hand_sellers(world, life.account_ok)
    if not len(life.payers):
        return
    for day in range(life.days):
        if shops is not None:
            _shopping(life, rng, day, shops)
        if len(utilities):
            _bills(life, rng, day, utilities)
        _p2p(life, rng, day, circles)
        _own_transfers(life, rng, day, own)
        if len(life.atms):
            _atm(life, rng, day)
        if payroll is not None and salary_day_of(life, day):
            _salaries(life, rng, day, payroll)
        if len(sellers):
            _second_hand(life, rng, day, sellers)
