"""Helpers of the crime tests: building worlds with the crime side, reading what it wrote."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from fraudlink.simulate.config import SimConfig, load_config
from fraudlink.simulate.crime import run_crime
from fraudlink.simulate.crime.state import Crime
from fraudlink.simulate.generate import ENTITY_STEPS
from fraudlink.simulate.world import World

TINY_SEED = 3


def entity_world(cfg: SimConfig, seed: int) -> World:
    """The city's entities, before crime and ordinary life."""
    world = World(cfg, seed)
    for _, step in ENTITY_STEPS:
        step(world)
    return world


def crime_world(cfg: SimConfig, seed: int, base: World | None = None) -> World:
    """Entities (or a copy of `base` with `cfg` swapped in), then the crime side."""
    if base is None:
        world = entity_world(cfg, seed)
    else:
        world = copy.deepcopy(base)
        world.cfg = cfg
    run_crime(world)
    return world


def state(world: World) -> Crime:
    """The crime steps' shared state, kept in the world's notes."""
    st = world.notes["crime_state"]
    assert isinstance(st, Crime)
    return st


def log_table(world: World, name: str) -> dict[str, np.ndarray]:
    """A log's appended chunks concatenated (row i is provisional id i), log left unfinished."""
    chunks = world.log(name).chunks
    if not chunks:
        return {}
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def columns(table: Any) -> dict[str, np.ndarray]:
    """A Columns table as a plain dict of arrays."""
    return {k: np.asarray(table[k]) for k in table.cols}


def wide_cfg() -> SimConfig:
    """The demo city over a week with many episodes: enough (about 400) for shares."""
    cfg = load_config("demo")
    cfg.world.days = 7
    cfg.fraud.episodes_per_100k_day = 200.0
    return cfg
