"""Simulated worlds shared by the tests (each built once per test session, from the simulator)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fraudlink.simulate import SimConfig, load_config, simulate_to_dir

STATS_OVERRIDE = """
[world]
persons = 20000
days = 20

[fraud]
gangs = 6
episodes_per_100k_day = 250.0
"""


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny preset, seed 7."""
    out = tmp_path_factory.mktemp("tiny") / "world"
    simulate_to_dir(load_config("tiny"), 7, out)
    return out


@pytest.fixture(scope="session")
def stats_cfg(tmp_path_factory: pytest.TempPathFactory) -> SimConfig:
    """The demo preset with more episodes: enough (about 1,000) for statistical checks."""
    cfg_file = tmp_path_factory.mktemp("stats-config") / "stats.toml"
    cfg_file.write_text(STATS_OVERRIDE, "utf-8")
    return load_config("demo", cfg_file)


@pytest.fixture(scope="session")
def stats_world(tmp_path_factory: pytest.TempPathFactory, stats_cfg: SimConfig) -> Path:
    """The world simulated from `stats_cfg`, seed 11."""
    out = tmp_path_factory.mktemp("stats") / "world"
    simulate_to_dir(stats_cfg, 11, out)
    return out


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo preset, seed 1: the world the issues' demo targets are measured on."""
    out = tmp_path_factory.mktemp("demo") / "world"
    simulate_to_dir(load_config("demo"), 1, out)
    return out


@pytest.fixture(scope="session")
def ingested_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, str], Path]:
    """Make a new store file holding a world's feeds, for tests that share it."""
    from fraudlink.ingest import ingest_paths
    from fraudlink.store import Store

    def make(world: Path, name: str) -> Path:
        path = tmp_path_factory.mktemp(name) / "store.duckdb"
        with Store(path) as store:
            assert not ingest_paths(store, [world / "feeds"]).errors
        return path

    return make
