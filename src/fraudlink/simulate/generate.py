"""The simulator's pipeline: the city's entities, its crime and its ordinary life, then writing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fraudlink.model.enums import PERSON_ROLES
from fraudlink.simulate import accounts, institutions, platforms, population
from fraudlink.simulate.config import SimConfig
from fraudlink.simulate.output import write_world
from fraudlink.simulate.world import World

Progress = Callable[[str], None]


def _roles(world: World) -> None:
    """Every person starts ordinary; crime generators overwrite the roles they hand out."""
    p = world.entity("persons")
    n = len(p)
    p["role"] = np.zeros(n, dtype=np.int8)
    p["gang"] = np.full(n, -1, dtype=np.int32)
    p["ring"] = np.full(n, -1, dtype=np.int32)


def _second_hand_sellers(world: World) -> None:
    """People who sell goods second-hand to strangers: launderers buy from them (goods cash-out)."""
    cfg = world.cfg
    rng = world.rng("second-hand")
    p = world.entity("persons")
    cand = np.flatnonzero((p["main_account"] >= 0) & (p["role"] == 0))
    n = min(len(cand), max(1, round(cfg.ordinary.second_hand_sellers_per_10k * len(p) / 10_000)))
    chosen = np.sort(rng.choice(cand, n, replace=False))
    p["role"][chosen] = PERSON_ROLES.index("second_hand_seller")
    world.notes["second_hand_sellers"] = chosen
    world.notes["second_hand_seller_accounts"] = p["main_account"][chosen].astype(np.int64)


ENTITY_STEPS: tuple[tuple[str, Callable[[World], None]], ...] = (
    ("cells", population.make_cells),
    ("persons", population.make_persons),
    ("institutions", institutions.make_institutions),
    ("outlets and staff", institutions.make_outlets_and_staff),
    ("terminals", institutions.make_terminals),
    ("devices and IPs", accounts.make_devices_and_ips),
    ("SIM cards", accounts.make_sims),
    ("personal accounts", accounts.make_personal_accounts),
    ("corporate accounts", accounts.make_corporate_accounts),
    ("platform accounts", platforms.make_platform_accounts),
    ("URL and app catalogue", platforms.make_catalogue),
    ("roles", _roles),
    ("second-hand sellers", _second_hand_sellers),
)


def build_world(cfg: SimConfig, seed: int, progress: Progress | None = None) -> World:
    """Simulate the whole city in memory."""
    from fraudlink.simulate.crime import run_crime
    from fraudlink.simulate.life import run_ordinary_life

    world = World(cfg, seed)
    steps = (*ENTITY_STEPS, ("crime", run_crime), ("ordinary life", run_ordinary_life))
    for name, step in steps:
        t0 = time.perf_counter()
        step(world)
        if progress:
            progress(f"{name} ({time.perf_counter() - t0:.1f} s)")
    return world


def simulate(
    cfg: SimConfig, seed: int, out: Path, progress: Progress | None = None
) -> dict[str, int]:
    """Simulate the city and write its feeds and truth under `out`; return row counts per table."""
    world = build_world(cfg, seed, progress)
    return write_world(world, Path(out), progress)
