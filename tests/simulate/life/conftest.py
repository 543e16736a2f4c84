"""Tiny worlds with ordinary life run on them, built once per test session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from fraudlink.simulate.config import SimConfig, load_config
from fraudlink.simulate.generate import ENTITY_STEPS
from fraudlink.simulate.life import run_ordinary_life
from fraudlink.simulate.world import World

# Tiny runs 2026-03-01 for five days: pay day on the 3rd falls inside it.
SALARY_DAY = 3


def tiny_cfg(persons: int | None = None, days: int | None = None, **ordinary: Any) -> SimConfig:
    """The tiny preset with pay day in the period, resized and with ordinary fields changed."""
    cfg = load_config("tiny")
    cfg.ordinary.salary_day = SALARY_DAY
    cfg.world.persons = persons or cfg.world.persons
    cfg.world.days = days or cfg.world.days
    for k, v in ordinary.items():
        setattr(cfg.ordinary, k, v)
    return cfg


def entities(cfg: SimConfig, seed: int) -> World:
    world = World(cfg, seed)
    for _, step in ENTITY_STEPS:
        step(world)
    return world


def lived(cfg: SimConfig, seed: int, before: Callable[[World], None] | None = None) -> World:
    """Entities, an optional stand-in for the crime side, then ordinary life."""
    world = entities(cfg, seed)
    if before is not None:
        before(world)
    run_ordinary_life(world)
    return world


def table(world: World, name: str) -> dict[str, np.ndarray]:
    """A log's appended chunks concatenated, leaving the log unfinished."""
    chunks = world.log(name).chunks
    if not chunks:
        return {}
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


@pytest.fixture(scope="session")
def world() -> World:
    """The tiny preset with pay day in the period, seed 3."""
    return lived(tiny_cfg(), 3)


@pytest.fixture(scope="session")
def tables() -> Callable[[World, str], dict[str, np.ndarray]]:
    """`table` as a fixture, so test modules need not import this conftest."""
    return table


@pytest.fixture(scope="session")
def make_world() -> Callable[..., World]:
    """`lived(tiny_cfg(**fields), seed, before)` as a fixture."""

    def make(seed: int = 3, before: Callable[[World], None] | None = None,
             **fields: Any) -> World:
        return lived(tiny_cfg(**fields), seed, before)

    return make
