"""Ordinary people's bank accounts, payment accounts, SIM cards, devices and platform accounts."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import ACCOUNT_ROLES, OCCUPATIONS, SIM_ROLES
from fraudlink.model.identifiers._vector import affine_serials, make_luhn_numbers, make_phones
from fraudlink.simulate.devices import add_devices, add_ips
from fraudlink.simulate.institutions import INSTITUTIONS, inst_index
from fraudlink.simulate.names import company_names
from fraudlink.simulate.world import US_PER_DAY, World, mix_keys, sample_mix

ROLE = {r: i for i, r in enumerate(ACCOUNT_ROLES)}
SIM_ROLE = {r: i for i, r in enumerate(SIM_ROLES)}
PERSONS_PER_HOUSEHOLD = 2.8
NAT_IPS_PER_10K = 3.0


def adults(world: World) -> npt.NDArray[np.int64]:
    """People old enough to hold accounts in their own name (16+, minors only sometimes)."""
    p = world.entity("persons")
    rng = world.rng("adults")
    minor = p["age"] < 18
    keep = ~minor | (rng.random(len(minor)) < world.cfg.accounts.minor_account_share)
    return np.flatnonzero(keep)


def make_devices_and_ips(world: World) -> None:
    """One handset per person, household broadband addresses and carriers' shared NAT addresses."""
    p = world.entity("persons")
    rng = world.rng("person-devices")
    n = len(p)
    first = world.start_us - rng.integers(30, 1500, n) * US_PER_DAY
    p["device"] = add_devices(world, n, "phone", first, "persons").astype(np.int32)
    households = max(1, round(n / PERSONS_PER_HOUSEHOLD))
    hh_district = p["district"][rng.integers(0, n, households)]
    hh_ips = add_ips(world, households, "broadband", hh_district, "households")
    # People share a household address with others of their own district.
    home = np.empty(n, dtype=np.int32)
    for d in np.unique(p["district"]):
        cand = hh_ips[hh_district == d]
        m = p["district"] == d
        home[m] = cand[rng.integers(0, len(cand), m.sum())] if len(cand) else hh_ips[0]
    p["home_ip"] = home
    n_nat = max(8, round(n / 10_000 * NAT_IPS_PER_10K))
    world.notes["nat_ips"] = add_ips(world, n_nat, "mobile_nat", None, "nat")


def make_sims(world: World) -> None:
    """Real-name SIM cards: each adult holds one to a few, registered at a shop of the operator."""
    from fraudlink.model.identifiers.phone import PREFIXES_BY_OPERATOR

    cfg = world.cfg
    rng = world.rng("sims")
    p = world.entity("persons")
    holders = adults(world)
    counts = np.array([int(k) for k in mix_keys(cfg.accounts.sims_per_person_mix)])[
        sample_mix(rng, cfg.accounts.sims_per_person_mix, len(holders))
    ]
    owner = np.repeat(holders, counts)
    ops = mix_keys(cfg.institutions.operator_mix)
    op = sample_mix(rng, cfg.institutions.operator_mix, len(owner))
    prefix = np.empty(len(owner), dtype="U3")
    for i, name in enumerate(ops):
        m = op == i
        choices = np.array(PREFIXES_BY_OPERATOR[name])
        prefix[m] = choices[rng.integers(0, len(choices), m.sum())]
    registered = (
        world.start_us - rng.integers(1, cfg.accounts.history_days, len(owner)) * US_PER_DAY
    )
    inst = np.array([inst_index(world, o) for o in ops], dtype=np.int16)[op]
    outlet, staff = _opening_desk(world, rng, inst, p["district"][owner], "telecom_shop")
    occ = p["occupation"][owner]
    role = np.full(len(owner), SIM_ROLE["ordinary"], np.int8)
    first_of_person = np.r_[True, owner[1:] != owner[:-1]]
    role[first_of_person & (occ == OCCUPATIONS.index("delivery_rider"))] = SIM_ROLE[
        "delivery_rider"
    ]
    role[first_of_person & (occ == OCCUPATIONS.index("call_centre_agent"))] = SIM_ROLE[
        "call_centre"
    ]
    idx = add_sims(
        world, prefix, owner, inst, registered, outlet, staff, p["device"][owner], role, "ordinary"
    )
    primary = np.full(len(p), -1, dtype=np.int32)
    primary[owner[first_of_person]] = idx[first_of_person]
    p["sim"] = primary


def add_sims(
    world: World,
    prefix: npt.NDArray[np.str_],
    owner: npt.ArrayLike,
    inst: npt.ArrayLike,
    registered_us: npt.ArrayLike,
    outlet: npt.ArrayLike,
    staff: npt.ArrayLike,
    device: npt.ArrayLike,
    role: npt.ArrayLike,
    stream: str,
    gang: npt.ArrayLike | int = -1,
    ring: npt.ArrayLike | int = -1,
) -> npt.NDArray[np.int64]:
    """Register SIM cards with fresh unique numbers; return their indices."""
    sims = world.entity("sims")
    n = len(prefix)
    serial = affine_serials(n, 10**8, world.rng("msisdn-serials"), offset=len(sims))
    return sims.add(
        msisdn=make_phones(prefix, serial) if n else np.zeros(0, "U11"),
        inst=np.asarray(inst, dtype=np.int16),
        owner=np.asarray(owner, dtype=np.int32),
        registered_us=np.asarray(registered_us, dtype=np.int64),
        outlet=np.asarray(outlet, dtype=np.int32),
        staff=np.asarray(staff, dtype=np.int32),
        device=np.asarray(device, dtype=np.int32),
        role=np.asarray(role, dtype=np.int8),
        gang=np.broadcast_to(np.asarray(gang, dtype=np.int32), (n,)).copy(),
        ring=np.broadcast_to(np.asarray(ring, dtype=np.int32), (n,)).copy(),
    )


def _opening_desk(
    world: World, rng: np.random.Generator, inst: np.ndarray, district: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """An outlet of the institution, in the holder's district if it can, and one of its staff."""
    outlets = world.entity("outlets")
    staff = world.entity("staff")
    out_o = np.full(len(inst), -1, dtype=np.int32)
    for i in np.unique(inst):
        for d in np.unique(district[inst == i]):
            m = (inst == i) & (district == d)
            cand = np.flatnonzero(
                (outlets["inst"] == i) & (outlets["district"] == d) & (outlets["kind"] == kind)
            )
            if not len(cand):
                cand = np.flatnonzero((outlets["inst"] == i) & (outlets["kind"] == kind))
            out_o[m] = cand[rng.integers(0, len(cand), m.sum())]
    # Staff of an outlet are contiguous rows, staff_per_outlet of them.
    order = np.argsort(staff["outlet"], kind="stable")
    first = np.searchsorted(staff["outlet"][order], out_o)
    cnt = np.searchsorted(staff["outlet"][order], out_o, side="right") - first
    pick = first + (rng.random(len(out_o)) * np.maximum(cnt, 1)).astype(np.int64)
    out_s = np.where(cnt > 0, order[np.minimum(pick, len(order) - 1)], -1).astype(np.int32)
    return out_o, out_s


def add_accounts(
    world: World,
    inst: npt.ArrayLike,
    klass: npt.ArrayLike,
    corporate: npt.ArrayLike,
    owner: npt.ArrayLike,
    owner_name: npt.ArrayLike,
    opened_us: npt.ArrayLike,
    outlet: npt.ArrayLike,
    staff: npt.ArrayLike,
    device: npt.ArrayLike,
    ip: npt.ArrayLike,
    role: npt.ArrayLike,
    stream: str,
    gang: npt.ArrayLike | int = -1,
    ring: npt.ArrayLike | int = -1,
    sold_us: npt.ArrayLike | int = -1,
) -> npt.NDArray[np.int64]:
    """Open accounts with fresh card numbers under each issuer's BIN; return their indices."""
    acc = world.entity("accounts")
    rng = world.rng(f"accounts:{stream}")
    inst = np.asarray(inst, dtype=np.int16)
    n = len(inst)
    number = np.empty(n, dtype="U19")
    insts = world.entity("institutions")
    for i in np.unique(inst):
        m = inst == i
        bins = np.array(INSTITUTIONS[i][3])
        length = int(insts["card_length"][i])
        serial = affine_serials(
            int(m.sum()),
            10 ** (length - 7),
            world.rng(f"card-serials:{i}"),
            offset=world.notes.get(f"cards:{i}", 0),
        )
        world.notes[f"cards:{i}"] = world.notes.get(f"cards:{i}", 0) + int(m.sum())
        number[m] = make_luhn_numbers(bins[rng.integers(0, len(bins), m.sum())], serial, length)
    p = world.entity("persons")
    owner = np.asarray(owner, dtype=np.int32)

    def col(v: npt.ArrayLike | int, dtype: type) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()

    return acc.add(
        number=number,
        inst=inst,
        klass=col(klass, np.int8),
        corporate=col(corporate, np.bool_),
        owner=owner,
        owner_name=np.asarray(owner_name),
        phone=p["sim"][owner].astype(np.int32),
        opened_us=col(opened_us, np.int64),
        outlet=col(outlet, np.int32),
        staff=col(staff, np.int32),
        device=col(device, np.int32),
        ip=col(ip, np.int32),
        role=col(role, np.int8),
        gang=col(gang, np.int32),
        ring=col(ring, np.int32),
        sold_us=col(sold_us, np.int64),
    )


def make_personal_accounts(world: World) -> None:
    """Class I accounts at one to five banks, Class II extras, and payment-firm accounts."""
    cfg = world.cfg
    rng = world.rng("personal-accounts")
    p = world.entity("persons")
    holders = adults(world)
    banks = mix_keys(cfg.institutions.bank_mix)
    w = np.array(list(cfg.institutions.bank_mix.values()))
    k = np.array([int(x) for x in mix_keys(cfg.accounts.banks_per_person_mix)])[
        sample_mix(rng, cfg.accounts.banks_per_person_mix, len(holders))
    ]
    k = np.minimum(k, len(banks))
    # Weighted choice of k distinct banks per person: Gumbel top-k.
    keys = np.log(w)[None, :] - np.log(-np.log(rng.random((len(holders), len(banks)))))
    ranked = np.argsort(-keys, axis=1)
    take = np.arange(len(banks))[None, :] < k[:, None]
    owner = np.repeat(holders, k)
    bank = ranked[take]
    bank_inst = np.array([inst_index(world, b) for b in banks], dtype=np.int16)[bank]
    opened = world.start_us - rng.integers(1, cfg.accounts.history_days, len(owner)) * US_PER_DAY
    outlet, staff = _opening_desk(world, rng, bank_inst, p["district"][owner], "bank_branch")
    first = add_accounts(
        world,
        bank_inst,
        1,
        False,
        owner,
        p["name"][owner],
        opened,
        outlet,
        staff,
        -1,
        -1,
        ROLE["ordinary"],
        "class1",
    )
    main = np.full(len(p), -1, dtype=np.int32)
    is_first = np.r_[True, owner[1:] != owner[:-1]]
    main[owner[is_first]] = first[is_first]
    p["main_account"] = main
    _class2_and_payment(world, rng, holders)


def _class2_and_payment(world: World, rng: np.random.Generator, holders: np.ndarray) -> None:
    cfg = world.cfg
    p = world.entity("persons")
    banks = mix_keys(cfg.institutions.bank_mix)
    c2 = holders[rng.random(len(holders)) < cfg.accounts.class2_share]
    c2_inst = np.array([inst_index(world, b) for b in banks], dtype=np.int16)[
        sample_mix(rng, cfg.institutions.bank_mix, len(c2))
    ]
    online = rng.random(len(c2)) < cfg.accounts.online_opening_share
    opened = world.start_us - rng.integers(1, cfg.accounts.history_days // 2, len(c2)) * US_PER_DAY
    outlet, staff = _opening_desk(world, rng, c2_inst, p["district"][c2], "bank_branch")
    add_accounts(
        world,
        c2_inst,
        2,
        False,
        c2,
        p["name"][c2],
        opened,
        np.where(online, -1, outlet),
        np.where(online, -1, staff),
        np.where(online, p["device"][c2], -1),
        np.where(online, p["home_ip"][c2], -1),
        ROLE["ordinary"],
        "class2",
    )
    pay = holders[rng.random(len(holders)) < cfg.accounts.payment_account_share]
    pay_inst = np.where(
        rng.random(len(pay)) < 0.55, inst_index(world, "ALIPAY"), inst_index(world, "TENPAY")
    ).astype(np.int16)
    opened = world.start_us - rng.integers(1, cfg.accounts.history_days // 2, len(pay)) * US_PER_DAY
    idx = add_accounts(
        world,
        pay_inst,
        3,
        False,
        pay,
        p["name"][pay],
        opened,
        -1,
        -1,
        p["device"][pay],
        p["home_ip"][pay],
        ROLE["ordinary"],
        "payment",
    )
    wallet = np.full(len(p), -1, dtype=np.int32)
    wallet[pay] = idx
    p["wallet"] = wallet


def make_corporate_accounts(world: World) -> None:
    """Merchants, small pass-through businesses, employers and utilities with corporate accounts."""
    cfg = world.cfg
    rng = world.rng("corporate")
    p = world.entity("persons")
    scale = cfg.world.persons / 10_000
    owners_pool = np.flatnonzero(
        np.isin(
            p["occupation"], [OCCUPATIONS.index("merchant"), OCCUPATIONS.index("self_employed")]
        )
    )
    banks = mix_keys(cfg.institutions.bank_mix)
    for role, count in (
        ("merchant", cfg.accounts.merchants_per_10k * scale),
        ("small_business", cfg.accounts.small_businesses_per_10k * scale),
        ("employer", cfg.accounts.employers_per_10k * scale),
        ("utility", cfg.accounts.utilities),
    ):
        n = max(1, round(count))
        pool = (
            owners_pool
            if role in ("merchant", "small_business") and len(owners_pool)
            else np.arange(len(p))
        )
        owner = pool[rng.integers(0, len(pool), n)]
        inst = np.array([inst_index(world, b) for b in banks], dtype=np.int16)[
            sample_mix(rng, cfg.institutions.bank_mix, n)
        ]
        opened = world.start_us - rng.integers(30, cfg.accounts.history_days, n) * US_PER_DAY
        outlet, staff = _opening_desk(world, rng, inst, p["district"][owner], "bank_branch")
        add_accounts(
            world,
            inst,
            1,
            True,
            owner,
            company_names(rng, p["district"][owner], role),
            opened,
            outlet,
            staff,
            -1,
            -1,
            ROLE[role],
            role,
        )
