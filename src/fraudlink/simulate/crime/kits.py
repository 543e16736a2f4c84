"""Kits (bank card + SIM + ID photo + USB key) that card sellers (卡农) sell to a ring.

A kit is a bank card opened in the seller's own name (Class I where the seller holds no Class I
account at that bank yet, else Class II; some third-level kits are corporate accounts of a shell
company) plus a new SIM card in the seller's name that is the account's reserved phone. A ring's
insiders open their share of its kits on a few burst days at their branch or shop. Every kit is
opened within `kit_open_days_before` days of its first use. Sellers sell at most five phone
cards in all (一证五号), and bulk-registered cards are put in their names too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.identifiers.phone import PREFIXES_BY_OPERATOR
from fraudlink.simulate.accounts import _opening_desk, add_accounts, add_sims
from fraudlink.simulate.crime import cards as cards_mod
from fraudlink.simulate.crime.common import (
    BANK_LOGIN,
    INSIDER_BURST_SPACING_DAYS,
    PERSON_ROLE,
    SIM_CAP_PER_IDNO,
    SIM_ROLE,
    TIER_ROLE,
    at_china_hour,
    china_day,
    rows_in,
)
from fraudlink.simulate.crime.people import recruit_by_occupation
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.institutions import inst_index
from fraudlink.simulate.names import company_names
from fraudlink.simulate.world import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, World, mix_keys

IntArray = npt.NDArray[np.int64]


def sim_capacity(world: World) -> IntArray:
    """How many more phone cards each person may register (一证五号)."""
    sims = world.entity("sims")
    held = np.bincount(sims["owner"][sims["owner"] >= 0], minlength=len(world.entity("persons")))
    return np.maximum(SIM_CAP_PER_IDNO - held, 0).astype(np.int64)


def _recruit_sellers(
    world: World,
    st: Crime,
    rng: np.random.Generator,
    ring: int,
    n: int,
) -> IntArray:
    m = world.cfg.market
    new = recruit_by_occupation(world, st, rng, n, m.seller_occupation_mix, "card_seller", ring)
    st.rings.sellers[ring] = np.sort(np.r_[st.rings.sellers[ring], new]).astype(np.int64)
    return new


def make_kits(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Recruit each ring's sellers and open the kits that fill its gangs' card schedule."""
    m = world.cfg.market
    kit_counts = np.array([int(k) for k in mix_keys(m.kits_per_seller_mix)])
    mean = max(float(np.dot(kit_counts, _probs(m.kits_per_seller_mix))), 1.0)
    st.sim_cap = sim_capacity(world)
    cap = st.sim_cap
    plans: list[dict[str, np.ndarray]] = []
    for ring in range(len(st.rings)):
        demand = int((st.cards.ring == ring).sum())
        if not demand:
            continue
        sellers = _recruit_sellers(world, st, rng, ring, m.sellers_per_ring)
        kits = np.minimum(kit_counts[_draw(rng, m.kits_per_seller_mix, len(sellers))], cap[sellers])
        while kits.sum() < demand:
            extra = _recruit_sellers(world, st, rng, ring, int((demand - kits.sum()) / mean) + 1)
            if not len(extra):
                break
            more = np.minimum(kit_counts[_draw(rng, m.kits_per_seller_mix, len(extra))], cap[extra])
            sellers, kits = np.r_[sellers, extra], np.r_[kits, more]
        if kits.sum() > demand:
            cards_mod.add_stock(world, st, rng, ring, int(kits.sum()) - demand)
        keep = kits > 0
        plans.append(_plan_ring_kits(world, st, rng, ring, sellers[keep], kits[keep]))
        cap[sellers] -= kits
        _release(world, st, ring, sellers[~keep])
    if plans:
        plan = {k: np.concatenate([pl[k] for pl in plans]) for k in plans[0]}
        _open_kits(world, st, rng, plan)


def _release(world: World, st: Crime, ring: int, people: IntArray) -> None:
    """Recruited sellers who could sell nothing (already five phone cards) are not sellers."""
    if not len(people):
        return
    p = world.entity("persons")
    p["role"][people] = PERSON_ROLE["ordinary"]
    p["ring"][people] = -1
    st.rings.sellers[ring] = np.setdiff1d(st.rings.sellers[ring], people)


def _probs(mix: dict[str, float]) -> np.ndarray:
    p = np.array(list(mix.values()), dtype=float)
    return p / p.sum()


def _draw(rng: np.random.Generator, mix: dict[str, float], n: int) -> IntArray:
    return rng.choice(len(mix), size=n, p=_probs(mix)).astype(np.int64)


def _plan_ring_kits(
    world: World, st: Crime, rng: np.random.Generator, ring: int, sellers: IntArray, kits: IntArray
) -> dict[str, np.ndarray]:
    """Who opens which of the ring's kits, and on which day (insiders on their burst days)."""
    c = st.cards
    idx = np.flatnonzero(c.ring == ring)
    idx = idx[np.argsort(c.active_us[idx], kind="stable")]
    n = min(len(idx), int(kits.sum()))
    idx = idx[:n]
    seller = np.repeat(sellers, kits)[:n]
    k_open = world.cfg.market.kit_open_days_before * US_PER_DAY
    hi = np.minimum(c.active_us[idx], world.end_us) - US_PER_HOUR
    lo = np.minimum(c.active_us[idx] - max(k_open, US_PER_DAY), hi - US_PER_DAY)
    # A seller opens all his kits on one day when their windows allow it.
    block = np.r_[0, np.flatnonzero(seller[1:] != seller[:-1]) + 1]
    size = np.diff(np.r_[block, n])
    b_lo = np.repeat(np.maximum.reduceat(lo, block), size)
    b_hi = np.repeat(np.minimum.reduceat(hi, block), size)
    together = b_hi - b_lo >= US_PER_DAY
    w_lo, w_hi = np.where(together, b_lo, lo), np.where(together, b_hi, hi)
    pick = np.where(together, np.repeat(rng.random(len(block)), size), rng.random(n))
    day = china_day(w_lo + (pick * (w_hi - w_lo)).astype(np.int64))
    insider_staff = np.full(n, -1, np.int64)
    ins = st.rings.insiders[ring]
    if len(ins):
        want = rng.random(n) < world.cfg.market.insider_share
        which = ins[rng.integers(0, len(ins), n)]
        first, last = int(china_day(lo.min())), int(china_day(world.end_us))
        bursts = {int(s): _burst_days(rng, first, last) for s in ins}
        for j in np.flatnonzero(want):
            b = bursts[int(which[j])]
            ok = b[(b >= china_day(lo[j]) + 1) & (b <= china_day(hi[j]) - 1)]
            if len(ok):
                day[j] = ok[rng.integers(0, len(ok))]
                insider_staff[j] = which[j]
    # The SIM first (it becomes the reserved phone), the account later the same day.
    sim_t = np.clip(_at(rng, day, 9.0, 12.5), lo, hi)
    acc_t = np.clip(np.maximum(_at(rng, day, 13.0, 17.5), sim_t + 10 * US_PER_MINUTE), lo, hi)
    acc_t = np.maximum(acc_t, sim_t + US_PER_MINUTE)
    return {"idx": idx, "seller": seller, "sim_t": sim_t, "acc_t": acc_t, "insider": insider_staff}


def _open_kits(
    world: World, st: Crime, rng: np.random.Generator, plan: dict[str, np.ndarray]
) -> None:
    """Register every kit's SIM card and open its account, in one go."""
    c = st.cards
    idx = plan["idx"]
    n = len(idx)
    staff = world.entity("staff")
    at = staff["outlet"][np.maximum(plan["insider"], 0)]
    kind = np.where(plan["insider"] >= 0, world.entity("outlets")["kind"][at], "")
    c.seller[idx] = plan["seller"]
    c.insider[idx] = plan["insider"] >= 0
    sim_rows = _kit_sims(world, st, rng, idx, plan["seller"], plan["sim_t"], plan["insider"], kind)
    acc_rows = _kit_accounts(
        world, st, rng, idx, plan["seller"], plan["acc_t"], plan["insider"], kind
    )
    acc_t = plan["acc_t"]
    world.entity("accounts")["phone"][acc_rows] = sim_rows
    c.account[idx] = acc_rows
    c.sim[idx] = sim_rows
    c.opened_us[idx] = acc_t
    span = np.maximum(np.minimum(c.active_us[idx], world.end_us) - acc_t, 2 * US_PER_MINUTE)
    sold = acc_t + np.minimum(rng.uniform(2, 72, n) * US_PER_HOUR, span * 0.7).astype(np.int64)
    sold = np.maximum(np.minimum(sold, world.end_us - US_PER_MINUTE), acc_t + US_PER_MINUTE)
    c.sold_us[idx] = sold
    world.entity("accounts")["sold_us"][acc_rows] = sold
    hand = c.active_us[idx] - (rng.uniform(0.25, 3.0, n) * US_PER_DAY).astype(np.int64)
    c.handover_us[idx] = np.maximum(hand, sold)


def _at(rng: np.random.Generator, day: IntArray, lo: float, hi: float) -> IntArray:
    return at_china_hour(day, rng.uniform(lo, hi, len(day)))


def _burst_days(rng: np.random.Generator, first: int, last: int) -> IntArray:
    """The days an insider opens kits in bulk: about one in INSIDER_BURST_SPACING_DAYS."""
    days = np.arange(
        first + int(rng.integers(0, INSIDER_BURST_SPACING_DAYS)),
        last + 1,
        INSIDER_BURST_SPACING_DAYS,
    )
    return np.sort(days + rng.integers(-1, 2, len(days)))


def operator_prefixes(world: World, rng: np.random.Generator, inst: IntArray) -> np.ndarray:
    """A network prefix of each card's operator."""
    names = world.entity("institutions")["inst_id"][inst]
    prefix = np.empty(len(inst), dtype="U3")
    for name in np.unique(names):
        m = names == name
        choices = np.array(PREFIXES_BY_OPERATOR[str(name)])
        prefix[m] = choices[rng.integers(0, len(choices), m.sum())]
    return prefix


def _kit_sims(
    world: World,
    st: Crime,
    rng: np.random.Generator,
    idx: IntArray,
    seller: IntArray,
    t: IntArray,
    insider_staff: IntArray,
    insider_kind: np.ndarray,
) -> IntArray:
    p = world.entity("persons")
    staff = world.entity("staff")
    outlets = world.entity("outlets")
    n = len(idx)
    ops = mix_keys(world.cfg.institutions.operator_mix)
    op_inst = np.array([inst_index(world, o) for o in ops], dtype=np.int64)
    inst = op_inst[rng.choice(len(ops), n, p=_probs(world.cfg.institutions.operator_mix))]
    at_shop = insider_kind == "telecom_shop"
    inst[at_shop] = outlets["inst"][staff["outlet"][insider_staff[at_shop]]]
    outlet, clerk = _opening_desk(
        world, rng, inst.astype(np.int16), p["district"][seller], "telecom_shop"
    )
    outlet = np.where(at_shop, staff["outlet"][np.maximum(insider_staff, 0)], outlet)
    clerk = np.where(at_shop, insider_staff, clerk)
    c = st.cards
    ring_phone = np.array([d[0] for d in st.rings.devices], np.int64)
    device = np.where(c.shared[idx], ring_phone[c.ring[idx]], p["device"][seller])
    return add_sims(
        world,
        operator_prefixes(world, rng, inst),
        seller,
        inst,
        t,
        outlet,
        clerk,
        device,
        np.full(n, SIM_ROLE["mule_kit"], np.int8),
        "crime-kits",
        gang=c.gang[idx],
        ring=c.ring[idx],
    ).astype(np.int64)


def _kit_accounts(
    world: World,
    st: Crime,
    rng: np.random.Generator,
    idx: IntArray,
    seller: IntArray,
    t: IntArray,
    insider_staff: IntArray,
    insider_kind: np.ndarray,
) -> IntArray:
    p = world.entity("persons")
    staff = world.entity("staff")
    outlets = world.entity("outlets")
    acc = world.entity("accounts")
    c = st.cards
    n = len(idx)
    banks = mix_keys(world.cfg.institutions.bank_mix)
    bank_inst = np.array([inst_index(world, b) for b in banks], dtype=np.int64)
    w = _probs(world.cfg.institutions.bank_mix)
    # Which banks each seller already holds a personal Class I account at.
    useller = np.unique(seller)
    mine = np.isin(acc["owner"], useller) & (acc["klass"] == 1) & ~acc["corporate"]
    held = np.zeros((len(useller), len(banks)), bool)
    bpos = np.full(len(world.entity("institutions")), -1, np.int64)
    bpos[bank_inst] = np.arange(len(banks))
    b_of = bpos[acc["inst"][mine]]
    ok = b_of >= 0
    held[np.searchsorted(useller, acc["owner"][mine][ok]), b_of[ok]] = True
    inst = np.empty(n, np.int64)
    klass = np.ones(n, np.int8)
    at_branch = insider_kind == "bank_branch"
    row_of = np.searchsorted(useller, seller)
    u = rng.random(n)
    for j in range(n):
        row = row_of[j]
        if at_branch[j]:
            b = max(int(bpos[outlets["inst"][staff["outlet"][insider_staff[j]]]]), 0)
        else:
            pw = np.where(~held[row], w, 0.0) if not held[row].all() else w
            b = min(int(np.searchsorted(np.cumsum(pw / pw.sum()), u[j])), len(banks) - 1)
        inst[j] = bank_inst[b]
        if c.corporate[idx[j]]:
            continue
        klass[j] = 2 if held[row, b] else 1
        held[row, b] = True
    outlet, clerk = _opening_desk(
        world, rng, inst.astype(np.int16), p["district"][seller], "bank_branch"
    )
    outlet = np.where(at_branch, staff["outlet"][np.maximum(insider_staff, 0)], outlet)
    clerk = np.where(at_branch, insider_staff, clerk)
    corp = c.corporate[idx]
    name = p["name"][seller]
    if corp.any():
        firms = company_names(rng, p["district"][seller[corp]], "small_business")
        wide = firms.dtype if firms.dtype.itemsize > name.dtype.itemsize else name.dtype
        name = name.astype(wide)
        name[corp] = firms
    role = np.array([TIER_ROLE[int(x)] for x in c.tier[idx]], dtype=np.int8)
    return add_accounts(
        world,
        inst,
        klass,
        corp,
        seller,
        name,
        t,
        outlet,
        clerk,
        -1,
        -1,
        role,
        "crime-kits",
        gang=c.gang[idx],
        ring=c.ring[idx],
        sold_us=np.zeros(n, np.int64),
    ).astype(np.int64)


def sim_owners(world: World, st: Crime, rng: np.random.Generator, ring: int, n: int) -> IntArray:
    """Identities of the ring's sellers for n bulk-registered cards, at most five cards each;
    more sellers are recruited (selling only their identity) when those run out."""
    cap = st.sim_cap
    out: list[IntArray] = []
    need = n
    for _ in range(50):
        pool = st.rings.sellers[ring]
        slots = np.repeat(pool, cap[pool])
        if len(slots):
            take = rng.permutation(slots)[:need]
            out.append(take)
            np.subtract.at(cap, take, 1)
            need -= len(take)
        if need <= 0:
            break
        _recruit_sellers(world, st, rng, ring, need // 3 + 1)
    owners = np.concatenate(out) if out else np.zeros(0, np.int64)
    return np.sort(owners)


def kit_logins(world: World, st: Crime, rng: np.random.Generator) -> None:
    """The seller activates mobile banking from his own phone after opening; the dealer tests
    shared-device kits from the ring's devices after buying them."""
    c = st.cards
    p = world.entity("persons")
    ok = c.account >= 0
    idx = np.flatnonzero(ok)
    t1 = c.opened_us[idx] + rng.integers(10 * US_PER_MINUTE, 6 * US_PER_HOUR, len(idx))
    dev1 = p["device"][c.seller[idx]]
    ip1 = p["home_ip"][c.seller[idx]]
    sh = idx[c.shared[idx]]
    t2 = c.sold_us[sh] + rng.integers(30 * US_PER_MINUTE, 12 * US_PER_HOUR, len(sh))
    dev2 = np.array(
        [st.rings.devices[r][rng.integers(0, len(st.rings.devices[r]))] for r in c.ring[sh]],
        dtype=np.int64,
    )
    ip2 = st.rings.ip[c.ring[sh]]
    t = np.r_[t1, t2]
    keep = rows_in(t, world.start_us, world.end_us)
    world.log("logins").append(
        time=t[keep].astype(np.int64),
        account_kind=np.full(int(keep.sum()), BANK_LOGIN, np.int8),
        account=np.r_[c.account[idx], c.account[sh]][keep].astype(np.int32),
        device=np.r_[dev1, dev2][keep].astype(np.int32),
        ip=np.r_[ip1, ip2][keep].astype(np.int32),
    )
