"""Fraud episodes: one victim deceived by one gang, from first contact to the last payment.

First contacts follow a weekday, daytime rhythm in China time. The period's episodes are those
whose first payment falls inside it; their contacts before the period and payments after it are
not in the feeds. Episodes still in grooming when the period ends (first payment after it) are
planned too: their contacts happen, but they get no episode id; the truth lists them apart, in
`pending_episodes`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import CONTACT_CHANNELS
from fraudlink.simulate.crime.common import (
    AMOUNT_SIGMA,
    DURATION_SIGMA,
    GAP_SIGMA,
    PERSON_ROLE,
    ROUND_AMOUNT_SHARE,
    TYPE_NAMES,
    WALLET_PAYMENT_SHARE,
    lognormal_us,
    rhythm_times,
    round_yuan,
)
from fraudlink.simulate.crime.state import Crime, Episodes
from fraudlink.simulate.world import (
    US_PER_DAY,
    US_PER_HOUR,
    World,
    lognormal_fen,
    mix_keys,
    sample_mix,
)

IntArray = npt.NDArray[np.int64]


def plan_episodes(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Draw every episode: time, type, gang, victim, first contact, payments, report plan."""
    f = world.cfg.fraud
    g = st.gangs
    ep = Episodes()
    ep.fraud_type, ep.first_contact_us, to_first = (
        _draw_times(world, rng)
        if len(g)
        else (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    n = len(ep.fraud_type)
    ep.gang = _gangs_for(rng, g.fraud_type, ep.fraud_type)
    ch_keys = mix_keys(f.contact_mix)
    ep.channel = (
        np.array([CONTACT_CHANNELS.index(k) for k in ch_keys], np.int64)[
            sample_mix(rng, f.contact_mix, n)
        ]
        if n
        else np.zeros(0, np.int64)
    )
    ep.victim = _victims(world, st, rng, n)
    _tools(world, st, rng, ep)
    _payments(world, rng, ep, to_first)
    paid = np.zeros(n, bool)
    made = ep.pay_us < world.end_us
    paid[ep.pay_episode[made]] = True
    ep.episode_id = np.where(paid, np.cumsum(paid) - 1, -1).astype(np.int64)
    _report_plan(world, rng, ep)
    st.episodes = ep


def _draw_times(world: World, rng: np.random.Generator) -> tuple[IntArray, IntArray, IntArray]:
    """Types, first contacts and the time to the first payment of the episodes that matter.

    Episodes begin at `episodes_per_100k_day` in a stationary stream that starts early enough for
    the slowest frauds: those whose first payment falls inside the period are the period's
    episodes (so their count and type mix follow the config), and those begun in time for a
    contact in the period but paying only after it are still being groomed when it ends.
    """
    cfg = world.cfg
    f = cfg.fraud
    per_day = f.episodes_per_100k_day * cfg.world.persons / 1e5
    days = cfg.world.days
    total = sum(f.type_mix.values())
    types, contact, delay = [], [], []
    for name, share in f.type_mix.items():
        if share <= 0:
            continue
        tc = f.types[name]
        med = tc.duration_hours * US_PER_HOUR
        lead = min(int(max(med, US_PER_HOUR) * np.exp(3 * DURATION_SIGMA)), 365 * US_PER_DAY)
        k = int(rng.poisson(per_day * share / total * (days + lead / US_PER_DAY)))
        c = rhythm_times(rng, k, world.start_us - lead, world.end_us)
        d = lognormal_us(rng, med, DURATION_SIGMA, k)
        keep = c + d >= world.start_us
        types.append(np.full(int(keep.sum()), TYPE_NAMES.index(name), np.int64))
        contact.append(c[keep])
        delay.append(d[keep])
    t = np.concatenate(types) if types else np.zeros(0, np.int64)
    c = np.concatenate(contact) if contact else np.zeros(0, np.int64)
    d = np.concatenate(delay) if delay else np.zeros(0, np.int64)
    order = np.argsort(c, kind="stable")
    return t[order], c[order], d[order]


def _gangs_for(rng: np.random.Generator, gang_type: IntArray, ep_type: IntArray) -> IntArray:
    """A gang whose main type is the episode's; any gang when none runs that type."""
    out = np.empty(len(ep_type), np.int64)
    for t in np.unique(ep_type):
        m = ep_type == t
        cand = np.flatnonzero(gang_type == t)
        if not len(cand):
            cand = np.arange(len(gang_type))
        out[m] = cand[rng.integers(0, len(cand), m.sum())]
    return out


def _victims(world: World, st: Crime, rng: np.random.Generator, n: int) -> IntArray:
    """Victims by age band among non-criminals with a phone and a bank account."""
    p = world.entity("persons")
    mix = world.cfg.fraud.victim_age_mix
    eligible = (
        (p["sim"] >= 0)
        & (p["main_account"] >= 0)
        & ~st.taken
        & (p["role"] == PERSON_ROLE["ordinary"])
    )
    band = sample_mix(rng, mix, n)
    out = np.full(n, -1, np.int64)
    for i, key in enumerate(mix_keys(mix)):
        lo, _, hi = key.partition("-")
        m = np.flatnonzero(band == i)
        cand = np.flatnonzero(eligible & (p["age"] >= int(lo)) & (p["age"] <= int(hi or lo)))
        take = rng.choice(cand, min(len(m), len(cand)), replace=False) if len(m) else cand[:0]
        out[m[: len(take)]] = take
        eligible[take] = False
    rest = np.flatnonzero(out < 0)
    if len(rest):
        cand = np.flatnonzero(eligible)
        out[rest] = rng.choice(cand, len(rest), replace=len(cand) < len(rest))
    return out


def _tools(world: World, st: Crime, rng: np.random.Generator, ep: Episodes) -> None:
    """The fraud number (that calls or texts the victim, also after app contact), and for app
    contact the platform account, site and app."""
    n = len(ep.gang)
    g = st.gangs
    share = world.cfg.market.virtual_number_share
    ep.number = np.full(n, -1, np.int64)
    ep.platform = np.full(n, -1, np.int64)
    ep.url = np.full(n, -1, np.int64)
    ep.app = np.full(n, -1, np.int64)
    use_virtual = rng.random(n) < share
    install = rng.random(n) < world.cfg.fraud.fraud_app_share
    app = CONTACT_CHANNELS.index("app")
    for i in range(n):
        gi = int(ep.gang[i])
        ep.number[i] = pick_number(rng, g.box_sims[gi], g.virtual_sims[gi], bool(use_virtual[i]))
        if ep.channel[i] == app:
            ep.platform[i] = g.platform[gi][rng.integers(0, len(g.platform[gi]))]
            ep.url[i] = g.urls[gi][rng.integers(0, len(g.urls[gi]))]
            if install[i] and len(g.apps[gi]):
                ep.app[i] = g.apps[gi][rng.integers(0, len(g.apps[gi]))]


def pick_number(
    rng: np.random.Generator,
    box: IntArray,
    virtual: IntArray,
    want_virtual: bool,
) -> int:
    """A SIM-box card or a virtual number of the gang, as wanted when it has one."""
    pool = virtual if (want_virtual and len(virtual)) or not len(box) else box
    return int(pool[rng.integers(0, len(pool))])


def _payments(world: World, rng: np.random.Generator, ep: Episodes, first: IntArray) -> None:
    """Payments per episode: count, times after first contact, amounts, paying account."""
    p = world.entity("persons")
    n = len(ep.gang)
    types = world.cfg.fraud.types
    k = np.zeros(n, np.int64)
    for t in np.unique(ep.fraud_type):
        m = np.flatnonzero(ep.fraud_type == t)
        tc = types[TYPE_NAMES[int(t)]]
        k[m] = 1 + rng.poisson(max(tc.payments_mean - 1.0, 0.0), len(m))
    epi = np.repeat(np.arange(n), k)
    seq = np.arange(len(epi)) - np.repeat(np.cumsum(k) - k, k)
    gap = np.zeros(len(epi), np.int64)
    fen = np.zeros(len(epi), np.int64)
    for t in np.unique(ep.fraud_type):
        m = np.flatnonzero(ep.fraud_type[epi] == t)
        tc = types[TYPE_NAMES[int(t)]]
        gap[m] = lognormal_us(rng, tc.payment_gap_hours * US_PER_HOUR, GAP_SIGMA, len(m))
        fen[m] = round_yuan(
            rng, lognormal_fen(rng, tc.amount_median_yuan, AMOUNT_SIGMA, len(m)), ROUND_AMOUNT_SHARE
        )
    gap[seq == 0] = 0
    offset = np.cumsum(gap) - np.repeat(np.cumsum(gap)[np.cumsum(k) - k] if n else gap[:0], k)
    ep.pay_episode = epi.astype(np.int64)
    ep.pay_seq = (seq + 1).astype(np.int64)
    ep.pay_us = (ep.first_contact_us[epi] + first[epi] + offset).astype(np.int64)
    ep.pay_fen = fen
    victim = ep.victim[epi]
    wallet = p["wallet"][victim]
    ep.pay_wallet = (wallet >= 0) & (rng.random(len(epi)) < WALLET_PAYMENT_SHARE)
    ep.pay_from = np.where(ep.pay_wallet, wallet, p["main_account"][victim]).astype(np.int64)
    ep.pay_to = np.full(len(epi), -1, np.int64)
    ep.pay_pid = np.full(len(epi), -1, np.int64)
    last = np.zeros(n, np.int64)
    np.maximum.at(last, epi, ep.pay_us)
    ep.last_planned_us = last


def delay_us(rng: np.random.Generator, kinds: list[str], kind: IntArray) -> IntArray:
    """Report delays after the last payment: `same_day` within hours, `days_A_B` A to B days."""
    out = np.zeros(len(kind), np.int64)
    for i, name in enumerate(kinds):
        m = kind == i
        parts = name.split("_")
        if len(parts) == 3 and parts[0] == "days":
            lo, hi = float(parts[1]), float(parts[2]) + 1.0
            out[m] = (rng.uniform(lo, hi, m.sum()) * US_PER_DAY).astype(np.int64)
        else:
            out[m] = (rng.uniform(0.5, 12.0, m.sum()) * US_PER_HOUR).astype(np.int64)
    return out


def _report_plan(world: World, rng: np.random.Generator, ep: Episodes) -> None:
    r = world.cfg.reports
    n = len(ep.gang)
    ep.reports = (rng.random(n) < r.report_share) & (ep.episode_id >= 0)
    ep.delay_kind = sample_mix(rng, r.delay_mix, n).astype(np.int64)
    ep.report_us = ep.last_planned_us + delay_us(rng, mix_keys(r.delay_mix), ep.delay_kind)
    ep.report_id = np.full(n, "", dtype="U14")


def episodes_truth(world: World, st: Crime) -> None:
    """The episodes truth table (after reports have their ids)."""
    ep = st.episodes
    p = world.entity("persons")
    sims = world.entity("sims")
    made = ep.pay_pid >= 0  # payments the ledger made
    pe = ep.pay_episode[made]
    n = len(ep.gang)
    cnt = np.bincount(pe, minlength=n)
    keep = np.flatnonzero((ep.episode_id >= 0) & (cnt > 0))
    loss = np.bincount(pe, weights=ep.pay_fen[made], minlength=n).astype(np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.zeros(n, np.int64)
    np.minimum.at(first, pe, ep.pay_us[made])
    np.maximum.at(last, pe, ep.pay_us[made])
    world.truth_table("episodes").add(
        episode_id=ep.episode_id[keep].astype(np.int32),
        gang_id=ep.gang[keep].astype(np.int32),
        victim_idno=p["idno"][ep.victim[keep]],
        fraud_type=np.array([TYPE_NAMES[int(t)] for t in ep.fraud_type[keep]], dtype="U32"),
        contact_channel=np.array([CONTACT_CHANNELS[int(c)] for c in ep.channel[keep]], dtype="U8"),
        fraud_msisdn=sims["msisdn"][ep.number[keep]],
        first_contact_at=ep.first_contact_us[keep],
        first_payment_at=first[keep],
        last_payment_at=last[keep],
        payments=cnt[keep].astype(np.int16),
        loss_fen=loss[keep],
        report_id=ep.report_id[keep],
    )
    victims = ep.victim[keep]
    p["role"][victims] = PERSON_ROLE["victim"]
    _pending_truth(world, ep)


def _pending_truth(world: World, ep: Episodes) -> None:
    """The pending episodes truth table: targets still being groomed when the period ends.

    Their calls are in the feeds like any episode's, so a warning to them is no false alarm;
    the table lets the arena tell them from ordinary residents, whose role they keep.
    """
    p = world.entity("persons")
    sims = world.entity("sims")
    first = np.full(len(ep.gang), np.iinfo(np.int64).max)
    np.minimum.at(first, ep.pay_episode, ep.pay_us)
    keep = np.flatnonzero(ep.episode_id < 0)
    world.truth_table("pending_episodes").add(
        pending_id=np.arange(len(keep), dtype=np.int32),
        gang_id=ep.gang[keep].astype(np.int32),
        target_idno=p["idno"][ep.victim[keep]],
        fraud_type=np.array([TYPE_NAMES[int(t)] for t in ep.fraud_type[keep]], dtype="U32"),
        contact_channel=np.array([CONTACT_CHANNELS[int(c)] for c in ep.channel[keep]], dtype="U8"),
        fraud_msisdn=sims["msisdn"][ep.number[keep]],
        first_contact_at=ep.first_contact_us[keep],
        planned_first_payment_at=first[keep],
    )
