"""Small businesses that pass money through within hours: the honest look-alike of a mule card.

Each receives `business_inflows_per_day` payments from customers all over the city and, after a
log-normal hold with median `business_hold_hours`, sends what came in (less its margin) on to one
of a few suppliers, several receipts of the same hour at once.
"""

from __future__ import annotations

import numpy as np

from fraudlink.simulate.life.context import ACC, CHANNEL, Life, append_transactions
from fraudlink.simulate.life.payments import choose_source
from fraudlink.simulate.world import US_PER_HOUR, lognormal_fen

SUPPLIERS_PER_BUSINESS = 3
# Share of suppliers who are individuals (paid into their main account) rather than companies.
PERSON_SUPPLIER_SHARE = 0.3
HOLD_SIGMA = 0.6
# Share of what came in that is passed on.
MARGIN_RANGE = (0.90, 0.99)
# Share of customers paying by bank transfer rather than by merchant (QR) payment.
TRANSFER_IN_SHARE = 0.6
_HOUR_SLOTS = 1 << 12  # hour buckets per business per day in the batching key (covers long holds)
_HOUR_BASE = 1 << 5  # receipts can start up to 8 hours before the UTC day start


def _suppliers(life: Life, rng: np.random.Generator, biz: np.ndarray) -> np.ndarray:
    a = life.world.entity("accounts")
    corp_roles = [ACC["merchant"], ACC["employer"], ACC["small_business"]]
    corp = np.flatnonzero(life.account_ok & np.isin(a["role"], corp_roles))
    shape = (len(biz), SUPPLIERS_PER_BUSINESS)
    person = life.pay_account[life.payers[rng.integers(0, len(life.payers), shape)]]
    company = corp[rng.integers(0, len(corp), shape)]
    sup = np.where(rng.random(shape) < PERSON_SUPPLIER_SHARE, person, company)
    # A business never supplies itself.
    return np.where(sup == biz[:, None], person, sup)


def run_business(life: Life) -> None:
    """Receipts and pass-on payments of small businesses, one chunk of each per day."""
    world = life.world
    cfg = life.cfg
    rng = world.rng("life:business")
    a = world.entity("accounts")
    biz = np.flatnonzero(life.account_ok & (a["role"] == ACC["small_business"]))
    if not len(biz) or not len(life.payers):
        return
    suppliers = _suppliers(life, rng, biz)
    hold_median = max(cfg.business_hold_hours, 0.01)
    for day in range(life.days):
        k = life.counts(rng, cfg.business_inflows_per_day, len(biz))
        b = np.repeat(np.arange(len(biz)), k)
        n = len(b)
        if not n:
            continue
        t_in = life.times(rng, day, n)
        buyer = life.payers[rng.integers(0, len(life.payers), n)]
        src = choose_source(life, rng, buyer)
        amount = lognormal_fen(rng, cfg.p2p_median_yuan, cfg.amount_sigma, n)
        ok = src != biz[b]
        channel = np.where(
            rng.random(n) < TRANSFER_IN_SHARE, CHANNEL["transfer"], CHANNEL["merchant"]
        )
        append_transactions(world, t_in[ok], src[ok], biz[b][ok], amount[ok], channel[ok])

        hold = (rng.lognormal(np.log(hold_median), HOLD_SIGMA, n) * US_PER_HOUR).astype(np.int64)
        t_out = t_in + hold
        slot = np.minimum((t_out - life.day_us(day)) // US_PER_HOUR + _HOUR_BASE, _HOUR_SLOTS - 1)
        key = b.astype(np.int64) * _HOUR_SLOTS + slot
        key[~ok] = -1
        groups, inv = np.unique(key, return_inverse=True)
        total = np.bincount(inv, weights=np.where(ok, amount, 0)).astype(np.float64)
        last = np.full(len(groups), np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last, inv, t_out)
        owner = groups // _HOUR_SLOTS
        margin = rng.uniform(*MARGIN_RANGE, len(groups))
        out = np.maximum(np.floor(total * margin), 100).astype(np.int64)
        to = suppliers[np.maximum(owner, 0), rng.integers(0, SUPPLIERS_PER_BUSINESS, len(groups))]
        keep = (groups >= 0) & (last < life.end_us) & (to >= 0)
        append_transactions(
            world, last[keep], biz[owner[keep]], to[keep], out[keep], CHANNEL["transfer"]
        )
