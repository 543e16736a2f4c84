"""Recruiting people into crime roles and placing dens."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fraudlink.model.enums import OCCUPATIONS
from fraudlink.simulate.crime.common import DEN_SPREAD_DEG, PERSON_ROLE
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.names import DISTRICT_CENTRES
from fraudlink.simulate.world import World, mix_keys, sample_mix

IntArray = npt.NDArray[np.int64]


def free_people(
    world: World,
    st: Crime,
    min_age: int = 18,
    max_age: int = 200,
) -> npt.NDArray[np.bool_]:
    """Ordinary people of an age range not yet given a crime role."""
    p = world.entity("persons")
    return (
        (p["role"] == PERSON_ROLE["ordinary"])
        & ~st.taken
        & (p["age"] >= min_age)
        & (p["age"] <= max_age)
    )


def recruit(
    world: World,
    st: Crime,
    rng: np.random.Generator,
    n: int,
    role: str,
    eligible: npt.NDArray[np.bool_],
    gang: npt.ArrayLike | int = -1,
    ring: npt.ArrayLike | int = -1,
) -> IntArray:
    """Pick n eligible free people (fewer if there are not enough) and give them a role."""
    cand = np.flatnonzero(eligible & ~st.taken)
    if n > len(cand):
        cand = np.flatnonzero(free_people(world, st, 16))
    chosen = np.sort(rng.choice(cand, min(n, len(cand)), replace=False)).astype(np.int64)
    set_role(world, st, chosen, role, gang, ring)
    return chosen


def set_role(
    world: World,
    st: Crime,
    who: IntArray,
    role: str,
    gang: npt.ArrayLike | int = -1,
    ring: npt.ArrayLike | int = -1,
) -> None:
    """Write a crime role on persons and take them out of the pool."""
    p = world.entity("persons")
    p["role"][who] = PERSON_ROLE[role]
    p["gang"][who] = gang
    p["ring"][who] = ring
    st.taken[who] = True


def recruit_by_occupation(
    world: World,
    st: Crime,
    rng: np.random.Generator,
    n: int,
    mix: dict[str, float],
    role: str,
    ring: int,
) -> IntArray:
    """Pick n adults whose occupations follow the mix (card sellers)."""
    p = world.entity("persons")
    names = mix_keys(mix)
    occ = sample_mix(rng, mix, n)
    out = []
    for i, name in enumerate(names):
        k = int((occ == i).sum())
        if k:
            code = OCCUPATIONS.index(name) if name in OCCUPATIONS else -1
            elig = free_people(world, st) & (p["occupation"] == code)
            out.append(recruit(world, st, rng, k, role, elig, ring=ring))
    return np.sort(np.concatenate(out)) if out else np.zeros(0, np.int64)


def add_dens(world: World, st: Crime, rng: np.random.Generator, n: int) -> IntArray:
    """n dens in districts drawn like residents, near the district centre; return their ids."""
    cells = world.entity("cells")
    districts = np.array(mix_keys(world.cfg.world.district_mix))
    district = districts[sample_mix(rng, world.cfg.world.district_mix, n)]
    centre = np.array([DISTRICT_CENTRES.get(d, (22.8, 108.3)) for d in district]).reshape(-1, 2)
    lat = centre[:, 0] + rng.normal(0, DEN_SPREAD_DEG, n)
    lon = centre[:, 1] + rng.normal(0, DEN_SPREAD_DEG, n)
    cell = np.empty(n, dtype=np.int64)
    for i in range(n):
        cand = np.flatnonzero(cells["district"] == district[i])
        if not len(cand):
            cand = np.arange(len(cells))
        d2 = (cells["lat"][cand] - lat[i]) ** 2 + (cells["lon"][cand] - lon[i]) ** 2
        cell[i] = cand[int(np.argmin(d2))]
    dens = st.dens
    first = len(dens.district)
    dens.district = np.concatenate([dens.district, district]).astype("U6")
    dens.lat = np.concatenate([dens.lat, lat])
    dens.lon = np.concatenate([dens.lon, lon])
    dens.cell = np.concatenate([dens.cell, cell])
    return np.arange(first, first + n, dtype=np.int64)
