"""The engine (event time): replays the feeds in the order the centre learns of them, and at
each micro-batch runs match, trace, detect and warn to decide actions.

Public face: `run_engine` (the driver), `Engine`, `Policy` and `STRATEGIES`, `replay`, `history`,
`Batch`, `arrival_sql`, `WorkingStore`.
"""

from fraudlink.engine.core import Engine
from fraudlink.engine.policy import STRATEGIES, Policy
from fraudlink.engine.replay import Batch, arrival_sql, history, reference, replay
from fraudlink.engine.run import EngineRun, run_engine
from fraudlink.engine.working_store import WorkingStore

__all__ = [
    "STRATEGIES",
    "Batch",
    "Engine",
    "EngineRun",
    "Policy",
    "WorkingStore",
    "arrival_sql",
    "history",
    "reference",
    "replay",
    "run_engine",
]
