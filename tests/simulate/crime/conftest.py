"""Small worlds with the crime side simulated, built once per test session."""

from __future__ import annotations

import pytest
from crime_helpers import TINY_SEED, crime_world, entity_world, wide_cfg

from fraudlink.simulate.config import load_config
from fraudlink.simulate.world import World


@pytest.fixture(scope="session")
def tiny_base() -> World:
    """The tiny preset's entities, seed TINY_SEED (copy before use)."""
    return entity_world(load_config("tiny"), TINY_SEED)


@pytest.fixture(scope="session")
def tiny() -> World:
    """The tiny preset with the crime side, seed TINY_SEED."""
    return crime_world(load_config("tiny"), TINY_SEED)


@pytest.fixture(scope="session")
def wide() -> World:
    """`wide_cfg` with the crime side, seed 5."""
    return crime_world(wide_cfg(), 5)
