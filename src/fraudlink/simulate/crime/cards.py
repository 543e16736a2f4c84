"""The mule-card schedule: which card each gang uses at each tier, and when it is replaced.

A gang holds `l1/l2/l3_cards_per_gang` cards at once. Each holding (slot) is a chain of cards,
each used for about `card_lifetime_days` and then replaced by the next kit from the gang's ring.
The chain runs from before the period (a card already in use at the start) to one card past
its end (the next kit, already bought and waiting in a den). The schedule is fixed before any
money moves, so the kits can be opened in time for their first use.
"""

from __future__ import annotations

import numpy as np

from fraudlink.simulate.crime.common import CORPORATE_KIT_SHARE, LIFETIME_SIGMA
from fraudlink.simulate.crime.state import Cards, Crime
from fraudlink.simulate.world import US_PER_DAY, US_PER_HOUR, World


def plan_cards(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Fill `st.cards` with every gang's chain of cards per tier slot."""
    la = world.cfg.laundering
    life_us = max(la.card_lifetime_days, 1 / 24) * US_PER_DAY
    start, end = world.start_us, world.end_us
    rows: dict[str, list[int]] = {"gang": [], "tier": [], "active": [], "until": []}
    for g in range(len(st.gangs)):
        for tier, slots in (
            (1, la.l1_cards_per_gang),
            (2, la.l2_cards_per_gang),
            (3, la.l3_cards_per_gang),
        ):
            for _ in range(max(slots, 1)):
                t = start - int(rng.uniform(0, 1) * life_us)
                while True:
                    life = int(life_us * rng.lognormal(0.0, LIFETIME_SIGMA))
                    life = max(life, US_PER_HOUR)
                    rows["gang"].append(g)
                    rows["tier"].append(tier)
                    rows["active"].append(t)
                    rows["until"].append(t + life)
                    if t >= end:
                        break
                    t += life
    gangs = np.array(rows["gang"], dtype=np.int64)
    tiers = np.array(rows["tier"], dtype=np.int64)
    n = len(gangs)
    st.cards = Cards(
        gang=gangs,
        ring=st.gangs.ring[gangs] if n else np.zeros(0, np.int64),
        tier=tiers,
        active_us=np.array(rows["active"], dtype=np.int64),
        until_us=np.array(rows["until"], dtype=np.int64),
        corporate=(tiers == 3) & (rng.random(n) < CORPORATE_KIT_SHARE),
        shared=rng.random(n) < world.cfg.market.mules_share_device,
        account=np.full(n, -1, np.int64),
        sim=np.full(n, -1, np.int64),
        seller=np.full(n, -1, np.int64),
        opened_us=np.zeros(n, np.int64),
        sold_us=np.zeros(n, np.int64),
        handover_us=np.zeros(n, np.int64),
        insider=np.zeros(n, bool),
    )


def add_stock(world: World, st: Crime, rng: np.random.Generator, ring: int, n: int) -> None:
    """Kits a ring's sellers sold beyond what its gangs use in the period: reserve cards of its
    gangs, planned for use just after the period, waiting in the ring's den meanwhile."""
    gangs = np.flatnonzero(st.gangs.ring == ring)
    if not len(gangs) or n <= 0:
        return
    la = world.cfg.laundering
    slots = np.array([la.l1_cards_per_gang, la.l2_cards_per_gang, la.l3_cards_per_gang], float)
    slots = np.maximum(slots, 1)
    tier = rng.choice(3, n, p=slots / slots.sum()) + 1
    gang = gangs[np.arange(n) % len(gangs)]
    life = int(max(la.card_lifetime_days, 1 / 24) * US_PER_DAY)
    active = world.end_us + rng.integers(0, life, n)
    c = st.cards
    m = len(c)
    c.gang = np.concatenate([c.gang, gang])
    c.ring = np.concatenate([c.ring, np.full(n, ring)])
    c.tier = np.concatenate([c.tier, tier])
    c.active_us = np.concatenate([c.active_us, active])
    c.until_us = np.concatenate([c.until_us, active + life])
    c.corporate = np.concatenate([c.corporate, (tier == 3) & (rng.random(n) < CORPORATE_KIT_SHARE)])
    c.shared = np.concatenate([c.shared, rng.random(n) < world.cfg.market.mules_share_device])
    for name in ("account", "sim", "seller"):
        setattr(c, name, np.concatenate([getattr(c, name), np.full(n, -1, np.int64)]))
    for name in ("opened_us", "sold_us", "handover_us"):
        setattr(c, name, np.concatenate([getattr(c, name), np.zeros(n, np.int64)]))
    c.insider = np.concatenate([c.insider, np.zeros(n, bool)])
    assert len(c) == m + n


def active_cards(st: Crime, gang: int, tier: int, t: int) -> np.ndarray:
    """Indices into st.cards of the gang's cards of a tier in use at time t."""
    c = st.cards
    m = (c.gang == gang) & (c.tier == tier) & (c.active_us <= t) & (t < c.until_us)
    return np.flatnonzero(m)
