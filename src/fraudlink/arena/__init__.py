"""The arena: replay a simulated world with the engine's actions applied, and count the outcomes.

Public face: `run_arena`, `load_arena_config`, `ArenaConfigError`, `DEFAULTS` (the assumptions).
"""

from fraudlink.arena.config import DEFAULTS, ArenaConfigError, load_arena_config
from fraudlink.arena.run import run_arena

__all__ = ["DEFAULTS", "ArenaConfigError", "load_arena_config", "run_arena"]
