"""Suspicious accounts and numbers that alliance members flag on their own.

Banks flag `mule_flag_share` of the mule accounts that carried fraud money, `flag_delay_hours`
(log-normal) after the first fraud money arrived, with confidence 0.5-0.95. They also flag
innocent accounts (`innocent_flags_per_10k` of all accounts), favouring small pass-through
businesses, innocent second-hand sellers paid with dirty money and heavy users, with lower
confidence. Operators flag the same share of the SIM-box cards that dialled, after the same
delay from their first fraud call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.crime.common import ACCOUNT_ROLE, FLAG_SIGMA, lognormal_us
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.world import US_PER_HOUR, World

IntArray = npt.NDArray[np.int64]

MULE_REASONS = (
    "短时间内大额资金快进快出",
    "多笔来源不明资金分散转出",
    "新开户即频繁大额交易",
    "交易对手多为陌生账户",
    "异地登录后大额转出",
)
INNOCENT_REASONS = ("交易频繁金额较大", "短时间内多笔转入转出", "交易模式异常")
SIM_REASONS = ("高频短时呼叫", "大量呼叫未接通", "异常呼叫行为")


def flag_accounts(world: World, st: Crime, rng: np.random.Generator) -> None:
    """member_flags: mule accounts, innocent accounts and SIM-box numbers; ids 1..n by time."""
    m = world.cfg.members
    acc = world.entity("accounts")
    sims = world.entity("sims")
    inst_ids = world.entity("institutions")["inst_id"]
    start, end = world.start_us, world.end_us
    delay_med = m.flag_delay_hours * US_PER_HOUR
    # Mule accounts that carried fraud money.
    used = np.array(sorted(st.first_fraud_use), dtype=np.int64)
    first = np.array([st.first_fraud_use[int(a)] for a in used], dtype=np.int64)
    pick = rng.random(len(used)) < m.mule_flag_share
    t_m = first[pick] + lognormal_us(rng, delay_med, FLAG_SIGMA, int(pick.sum()))
    a_m = used[pick]
    c_m = rng.uniform(0.5, 0.95, len(a_m))
    # Innocent accounts.
    n_acc = len(acc)
    n_inn = int(rng.poisson(m.innocent_flags_per_10k * n_acc / 10_000))
    weight = np.ones(n_acc)
    p = world.entity("persons")
    heavy = p["main_account"][p["main_account"] >= 0]
    weight[heavy] += np.minimum(p["activity"][p["main_account"] >= 0], 5.0)
    weight[acc["role"] == ACCOUNT_ROLE["small_business"]] = 25.0
    weight[acc["role"] == ACCOUNT_ROLE["innocent_seller"]] = 10.0
    weight[acc["gang"] >= 0] = 0.0
    weight[used] = 0.0
    n_inn = min(n_inn, int((weight > 0).sum()))
    a_i = (
        rng.choice(n_acc, n_inn, replace=False, p=weight / weight.sum())
        if n_inn
        else np.zeros(0, np.int64)
    )
    t_i = rng.integers(start, end, n_inn)
    c_i = rng.uniform(0.2, 0.6, n_inn)
    # SIM-box cards that dialled.
    box, t_b = _dialled_boxes(world, st)
    pick_b = rng.random(len(box)) < m.mule_flag_share
    box = box[pick_b]
    t_b = t_b[pick_b] + lognormal_us(rng, delay_med, FLAG_SIGMA, len(box))
    c_b = rng.uniform(0.5, 0.95, len(box))
    t = np.r_[t_m, t_i, t_b].astype(np.int64)
    inst = np.r_[acc["inst"][a_m], acc["inst"][a_i], sims["inst"][box]].astype(np.int64)
    kind = np.r_[np.full(len(a_m) + len(a_i), "account"), np.full(len(box), "phone")]
    value = np.r_[acc["number"][a_m], acc["number"][a_i], sims["msisdn"][box]].astype("U19")
    conf = np.round(np.concatenate([c_m, c_i, c_b]), 2).astype(np.float64)
    reason = np.r_[
        np.array(MULE_REASONS)[rng.integers(0, len(MULE_REASONS), len(a_m))],
        np.array(INNOCENT_REASONS)[rng.integers(0, len(INNOCENT_REASONS), n_inn)],
        np.array(SIM_REASONS)[rng.integers(0, len(SIM_REASONS), len(box))],
    ]
    keep = (t >= start) & (t < end)
    order = np.flatnonzero(keep)[np.argsort(t[keep], kind="stable")]
    world.entity("member_flags").add(
        flag_id=np.arange(1, len(order) + 1, dtype=np.int64),
        flagged_at=t[order],
        inst_id=inst_ids[inst[order]],
        kind=kind[order].astype("U8"),
        value=value[order],
        confidence=conf[order],
        reason=reason[order].astype(str),
    )
    st.counts["member_flags"] = len(order)
    st.counts["member_flags_mule"] = int((keep[: len(a_m)]).sum())


def _dialled_boxes(world: World, st: Crime) -> tuple[IntArray, IntArray]:
    """SIM-box cards with their first fraud call or SMS in the period."""
    box = np.concatenate(st.gangs.box_sims) if len(st.gangs) else np.zeros(0, np.int64)
    first = np.full(len(box), np.iinfo(np.int64).max, np.int64)
    if not len(box):
        return box, first
    order = np.argsort(box)
    sorted_box = box[order]
    for chunk in world.log("calls").chunks:
        caller = chunk["caller"].astype(np.int64)
        pos = np.minimum(np.searchsorted(sorted_box, caller), len(box) - 1)
        hit = sorted_box[pos] == caller
        np.minimum.at(first, order[pos[hit]], chunk["time"][hit].astype(np.int64))
    ok = first < np.iinfo(np.int64).max
    return box[ok].astype(np.int64), first[ok]
