"""Fraud gangs: their den, main fraud type, supplying ring, members and tools.

Tools are the work handsets and computers in the den, an overseas proxy address, SIM boxes (猫池)
full of bulk-registered cards, virtual-operator numbers, platform accounts to groom victims on,
and fraud sites and apps.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.crime.common import (
    GANG_COMPUTERS,
    GANG_FRAUDSTERS,
    GANG_LAUNDERERS,
    GANG_RUNNERS,
    TYPE_NAMES,
)
from fraudlink.simulate.crime.market import ring_count
from fraudlink.simulate.crime.people import add_dens, free_people, recruit
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.devices import add_devices, add_ips
from fraudlink.simulate.world import US_PER_DAY, World, mix_keys, sample_mix

IntArray = npt.NDArray[np.int64]

# Words fraud sites and apps are named after, and the apps' displayed names, per fraud type.


def make_gangs(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Gangs with a den, a main type, a supplying ring, members, devices and terminals."""
    cfg = world.cfg
    n = cfg.fraud.gangs
    g = st.gangs
    keys = mix_keys(cfg.fraud.type_mix)
    g.fraud_type = (
        np.array([TYPE_NAMES.index(k) for k in keys], np.int64)[
            sample_mix(rng, cfg.fraud.type_mix, n)
        ]
        if n
        else np.zeros(0, np.int64)
    )
    g.ring = (rng.permutation(n) % max(ring_count(world), 1)).astype(np.int64)
    g.den = add_dens(world, st, rng, n)
    members = np.zeros(n, np.int64)
    phones_per = np.zeros(n, np.int64)
    for i in range(n):
        crew = 1
        recruit(world, st, rng, 1, "backer", free_people(world, st, 30, 60), gang=i)
        for role, (lo, hi) in (
            ("fraudster", GANG_FRAUDSTERS),
            ("launderer", GANG_LAUNDERERS),
            ("cash_out_runner", GANG_RUNNERS),
        ):
            k = int(rng.integers(lo, hi + 1))
            crew += len(recruit(world, st, rng, k, role, free_people(world, st, 18, 45), gang=i))
            if role != "cash_out_runner":
                phones_per[i] += k
        members[i] = crew
    g.members = members
    first = world.start_us - rng.integers(20, 200, n) * US_PER_DAY
    phones = add_devices(
        world, int(phones_per.sum()), "phone", np.repeat(first, phones_per), "crime-gang-phones"
    ).astype(np.int64)
    n_pc = rng.integers(GANG_COMPUTERS[0], GANG_COMPUTERS[1] + 1, n)
    pcs = add_devices(
        world, int(n_pc.sum()), "pc", np.repeat(first, n_pc), "crime-gang-pcs"
    ).astype(np.int64)
    g.phones = np.split(phones, np.cumsum(phones_per)[:-1]) if n else []
    g.computers = np.split(pcs, np.cumsum(n_pc)[:-1]) if n else []
    g.ip = add_ips(world, n, "overseas_proxy", None, "crime-gangs").astype(np.int64)
    g.den_ip = add_ips(world, n, "broadband", st.dens.district[g.den], "crime-dens").astype(
        np.int64
    )
    term = world.entity("terminals")
    for kind, k, attr in (("atm", 3, "atms"), ("pos", 2, "pos"), ("otc", 1, "otc")):
        cand = np.flatnonzero(term["kind"] == kind)
        setattr(
            g,
            attr,
            [
                np.sort(rng.choice(cand, min(k, len(cand)), replace=False)).astype(np.int64)
                for _ in range(n)
            ],
        )


def gangs_truth(world: World, st: Crime) -> None:
    """The gangs truth table."""
    g = st.gangs
    world.truth_table("gangs").add(
        gang_id=np.arange(len(g), dtype=np.int32),
        fraud_type=np.array([TYPE_NAMES[int(t)] for t in g.fraud_type], dtype=str)
        if len(g)
        else np.zeros(0, "U1"),
        den_id=g.den.astype(np.int32),
        ring_id=g.ring.astype(np.int32),
        members=g.members.astype(np.int32),
    )
