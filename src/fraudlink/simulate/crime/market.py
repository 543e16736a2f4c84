"""The card market: rings, each a dealer (卡商) with a den, shared devices and a VPN address,
and the insiders (内鬼) at bank branches and telecom shops who open cards for it."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.crime.common import (
    PERSON_ROLE,
    RING_COMPUTERS,
    RING_PHONES,
)
from fraudlink.simulate.crime.people import add_dens, free_people, recruit
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.devices import add_devices, add_ips
from fraudlink.simulate.world import US_PER_DAY, World

IntArray = npt.NDArray[np.int64]


def ring_count(world: World) -> int:
    """Rings in the city; at least one when there are gangs to supply."""
    return max(world.cfg.market.rings, 1 if world.cfg.fraud.gangs > 0 else 0)


def make_rings(world: World, st: Crime, rng: np.random.Generator) -> None:
    """Dealers with their dens, shared devices and VPN address, and the insiders they run."""
    n = ring_count(world)
    r = st.rings
    r.den = add_dens(world, st, rng, n)
    r.dealer = np.array(
        [
            recruit(world, st, rng, 1, "card_dealer", free_people(world, st, 25, 55), ring=i)[0]
            for i in range(n)
        ],
        dtype=np.int64,
    )
    first = world.start_us - rng.integers(60, 400, n) * US_PER_DAY
    phones = add_devices(
        world, n * RING_PHONES, "phone", np.repeat(first, RING_PHONES), "crime-ring-phones"
    )
    pcs = add_devices(
        world, n * RING_COMPUTERS, "pc", np.repeat(first, RING_COMPUTERS), "crime-ring-pcs"
    )
    r.devices = [
        np.r_[
            phones[i * RING_PHONES : (i + 1) * RING_PHONES],
            pcs[i * RING_COMPUTERS : (i + 1) * RING_COMPUTERS],
        ]
        for i in range(n)
    ]
    r.ip = add_ips(world, n, "datacenter", None, "crime-rings").astype(np.int64)
    r.insiders = [np.zeros(0, np.int64) for _ in range(n)]
    r.sellers = [np.zeros(0, np.int64) for _ in range(n)]
    if n:
        _make_insiders(world, st, rng)


def _make_insiders(world: World, st: Crime, rng: np.random.Generator) -> None:
    """One insider at each of `insider_outlets` outlets, alternately branches and shops."""
    outlets = world.entity("outlets")
    staff = world.entity("staff")
    n_rings = len(st.rings)
    used: list[int] = []
    for i in range(world.cfg.market.insider_outlets):
        ring = i % n_rings
        kind = "bank_branch" if i % 2 == 0 else "telecom_shop"
        district = st.dens.district[st.rings.den[ring]]
        has_staff = np.isin(np.arange(len(outlets)), staff["outlet"])
        ok = (outlets["kind"] == kind) & has_staff & ~np.isin(np.arange(len(outlets)), used)
        cand = np.flatnonzero(ok & (outlets["district"] == district))
        if not len(cand):
            cand = np.flatnonzero(ok)
        if not len(cand):
            continue
        outlet = int(rng.choice(cand))
        used.append(outlet)
        at = np.flatnonzero((staff["outlet"] == outlet) & (staff["insider_ring"] < 0))
        s = int(rng.choice(at))
        staff["insider_ring"][s] = ring
        person = np.array([staff["person"][s]], dtype=np.int64)
        p = world.entity("persons")
        p["role"][person] = PERSON_ROLE["insider"]
        p["ring"][person] = ring
        st.taken[person] = True
        st.rings.insiders[ring] = np.r_[st.rings.insiders[ring], s].astype(np.int64)


def rings_truth(world: World, st: Crime) -> None:
    """The rings truth table."""
    p = world.entity("persons")
    c = st.cards
    sims = world.entity("sims")
    n = len(st.rings)
    kits = np.bincount(c.ring[c.account >= 0], minlength=n)
    ring_sims = np.bincount(sims["ring"][sims["ring"] >= 0], minlength=n)[:n]
    world.truth_table("rings").add(
        ring_id=np.arange(n, dtype=np.int32),
        dealer_idno=p["idno"][st.rings.dealer] if n else np.zeros(0, "U18"),
        den_id=st.rings.den.astype(np.int32),
        sellers=np.array([len(s) for s in st.rings.sellers], dtype=np.int32),
        accounts=kits.astype(np.int32),
        sims=ring_sims.astype(np.int32),
    )
