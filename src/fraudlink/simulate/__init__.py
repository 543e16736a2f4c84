"""The synthetic city: a deterministic simulator of a city's people, money, calls and fraud.

Public face: `load_config`, `ConfigError`, `simulate_to_dir`, `world_summary`.
"""

from fraudlink.simulate.config import PRESETS, ConfigError, SimConfig, load_config
from fraudlink.simulate.run import simulate_to_dir
from fraudlink.simulate.summary import world_summary

__all__ = ["PRESETS", "ConfigError", "SimConfig", "load_config", "simulate_to_dir", "world_summary"]
