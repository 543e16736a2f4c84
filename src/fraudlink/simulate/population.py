"""Residents: identity numbers consistent with birth date, sex and district; occupations; cells."""

from __future__ import annotations

import numpy as np

from fraudlink.model.enums import OCCUPATIONS
from fraudlink.model.identifiers._vector import make_idnos
from fraudlink.simulate.names import DISTRICT_CENTRES, person_names
from fraudlink.simulate.world import US_PER_DAY, World, mix_keys, sample_mix

CELLS_PER_DISTRICT_PER_10K = 4.0


def make_cells(world: World) -> None:
    """Mobile network cells, a few per district in proportion to its population."""
    cfg = world.cfg.world
    rng = world.rng("cells")
    districts = mix_keys(cfg.district_mix)
    counts = [
        max(3, round(cfg.persons * s / 10_000 * CELLS_PER_DISTRICT_PER_10K))
        for s in cfg.district_mix.values()
    ]
    d = np.repeat(np.array(districts), counts)
    seq = np.concatenate([np.arange(c) for c in counts])
    centres = np.array([DISTRICT_CENTRES.get(x, (22.8, 108.3)) for x in d])
    world.entity("cells").add(
        cell_id=np.char.add(np.char.add(d, "-"), np.char.zfill(seq.astype(str), 4)),
        district=d,
        lat=centres[:, 0] + rng.normal(0, 0.03, len(d)),
        lon=centres[:, 1] + rng.normal(0, 0.03, len(d)),
    )


def make_persons(world: World) -> None:
    """Residents with occupation, age, sex, household district, home cell and ID number."""
    cfg = world.cfg
    rng = world.rng("persons")
    n = cfg.world.persons
    districts = np.array(mix_keys(cfg.world.district_mix))
    district = districts[sample_mix(rng, cfg.world.district_mix, n)]
    occ_names = mix_keys(cfg.population.occupation_mix)
    occ = np.array([OCCUPATIONS.index(o) for o in occ_names])[
        sample_mix(rng, cfg.population.occupation_mix, n)
    ].astype(np.int8)
    age = _ages(rng, occ, cfg.population)
    start_day = world.start_us // US_PER_DAY
    birth_days = start_day - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    sex_male = rng.random(n) < 0.5
    seq = _idno_sequence(district, birth_days, sex_male)
    activity = rng.lognormal(0.0, 0.5, n)
    activity[occ == OCCUPATIONS.index("retired")] *= cfg.ordinary.elderly_activity
    activity[occ == OCCUPATIONS.index("student")] *= cfg.ordinary.student_activity
    world.entity("persons").add(
        idno=make_idnos(district, birth_days, seq),
        name=person_names(rng, n),
        sex=np.where(sex_male, "M", "F"),
        birth_days=birth_days.astype(np.int32),
        age=age.astype(np.int16),
        district=district,
        occupation=occ,
        activity=activity.astype(np.float32),
        home_cell=_home_cells(world, rng, district),
    )


def _ages(rng: np.random.Generator, occ: np.ndarray, pop: object) -> np.ndarray:
    n = len(occ)
    lo_w, hi_w = pop.working_age  # type: ignore[attr-defined]
    # A working-age pyramid: more people in their 30s and 40s than at either end.
    age = np.clip(rng.normal((lo_w + hi_w) / 2, (hi_w - lo_w) / 4, n), lo_w, hi_w)
    for name, rng_range in (("student", pop.student_age), ("retired", pop.retired_age)):  # type: ignore[attr-defined]
        m = occ == OCCUPATIONS.index(name)
        lo, hi = rng_range
        if name == "retired":
            age[m] = lo + rng.exponential((hi - lo) / 3, m.sum()).clip(0, hi - lo)
        else:
            age[m] = rng.uniform(lo, hi + 1, m.sum())
    return np.floor(age).astype(np.int64)


def _idno_sequence(district: np.ndarray, birth_days: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Sequence codes unique within (district, birth date), odd for men and even for women."""
    order = np.lexsort((male, birth_days, district))
    key_d, key_b, key_m = district[order], birth_days[order], male[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (
        (key_d[1:] != key_d[:-1]) | (key_b[1:] != key_b[:-1]) | (key_m[1:] != key_m[:-1])
    )
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - group_start
    if rank.max(initial=0) >= 500:
        raise ValueError("too many people born on one day in one district for unique ID numbers")
    seq_sorted = 2 * rank + np.where(key_m, 1, 2)  # 1,3,5.. for men; 2,4,6.. for women
    seq = np.empty_like(seq_sorted)
    seq[order] = seq_sorted
    return seq


def _home_cells(world: World, rng: np.random.Generator, district: np.ndarray) -> np.ndarray:
    cells = world.entity("cells")
    cd = cells["district"]
    out = np.empty(len(district), dtype=np.int32)
    for d in np.unique(district):
        idx = np.flatnonzero(cd == d)
        m = district == d
        out[m] = idx[rng.integers(0, len(idx), m.sum())]
    return out
