"""The replay driver: feed a store's history and then its micro-batches to a fresh engine.

The driver is the only code that reads the source store. The engine gets a working store of its
own. A caller (the arena) may pass `intervene`, which sees each batch before the engine does and
may remove what the engine's earlier actions prevented, and `on_actions`, which hears each
batch's decisions as they are made: that is how the actions are applied back onto the world.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from fraudlink.engine.core import Engine
from fraudlink.engine.policy import Policy
from fraudlink.engine.replay import Batch, history, reference, replay
from fraudlink.engine.working_store import SOURCE_MEMORY_SHARE, WorkingStore, limit_memory
from fraudlink.model.actions import Action, ActionLog
from fraudlink.store import Store

Intervene = Callable[[Batch], Batch]
OnActions = Callable[[list[Action], datetime], None]


@dataclass
class EngineRun:
    """What one replay through the engine decided, and what it cost."""

    policy: str
    log: ActionLog = field(default_factory=ActionLog)
    events: int = 0
    batches: int = 0
    seconds: float = 0.0


def run_engine(
    source: Store,
    policy: Policy,
    start: datetime,
    end: datetime,
    work_path: Path | str,
    step: timedelta = timedelta(minutes=5),
    intervene: Intervene | None = None,
    on_actions: OnActions | None = None,
) -> EngineRun:
    """Replay `source` from `start` to `end` through a new engine under `policy`."""
    t0 = time.perf_counter()
    limit_memory(source.con, SOURCE_MEMORY_SHARE)
    work = WorkingStore(work_path)
    run = EngineRun(policy.name)
    engine: Engine | None = None
    try:
        work.load_reference(reference(source))
        engine = Engine(work, policy)
        _take(engine.start(history(source, start)), start, run, on_actions)
        for batch in replay(source, start, end, step):
            if intervene is not None:
                batch = intervene(batch)
            _take(engine.step(batch), batch.end, run, on_actions)
            run.batches += 1
        run.events = engine.events_seen
        run.log.standing_claims = engine.standing_claims
    finally:
        if engine is not None:
            engine.close()
        work.close()
    run.seconds = time.perf_counter() - t0
    return run


def _take(actions: list[Action], now: datetime, run: EngineRun, on: OnActions | None) -> None:
    run.log.extend(actions)
    if on is not None and actions:
        on(actions, now)
