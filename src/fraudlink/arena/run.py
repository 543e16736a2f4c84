"""`run_arena`: simulate a world, ingest its feeds, replay it through the engine under each
strategy with the actions applied back onto the world, and write the outcomes and the report.

Every strategy runs on the same world, the same store and the same random draws per action, in
the same run. The outcome keys are documented in `docs/arena.md`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from fraudlink.arena.config import load_arena_config
from fraudlink.arena.intervention import ActedWorld
from fraudlink.arena.outcomes import money_trail, strategy_outcome
from fraudlink.arena.truth import Truth
from fraudlink.detect.evaluation import evaluate_detection, world_period
from fraudlink.engine import STRATEGIES, run_engine
from fraudlink.ingest import ingest_paths
from fraudlink.report import write_report
from fraudlink.simulate import SimConfig, simulate_to_dir
from fraudlink.store import Store

STRATEGY_NAMES = tuple(STRATEGIES)
Say = Callable[[str], None]


def _targets(s: dict[str, Any], world: dict[str, Any], first_level: dict[str, Any] | None
             ) -> list[dict[str, Any]]:  # fmt: skip
    share = s["prevented_or_intercepted_share"]
    beside = (f" (first_level_on_report: {first_level['prevented_or_intercepted_share']:.1%})"
              if first_level else "")  # fmt: skip
    phone = s["phone_sms_victims"]
    warned = s["phone_sms_victims_warned_before_first_payment"] / phone if phone else 0.0
    innocent = s["innocent_accounts_stopped"] / max(world["innocent_accounts"], 1)
    return [
        {"name": "loss prevented or intercepted", "target": ">= 60%",
         "measured": f"{share:.1%}{beside}", "met": share >= 0.6},
        {"name": "phone/SMS victims warned before their first payment", "target": ">= 70%",
         "measured": f"{warned:.1%} ({s['phone_sms_victims_warned_before_first_payment']} of "
                     f"{phone})", "met": warned >= 0.7},
        {"name": "innocent accounts stopped", "target": "<= 0.1% of innocent accounts",
         "measured": f"{innocent:.4%} ({s['innocent_accounts_stopped']})",
         "met": innocent <= 0.001},
    ]  # fmt: skip


def world_figures(truth: Truth, cfg: SimConfig, seed: int, loss_fen: int) -> dict[str, Any]:
    """The world line of `outcomes.json`."""
    return {
        "preset": cfg.preset,
        "seed": seed,
        "days": cfg.world.days,
        "start": cfg.start.isoformat(),
        "persons": truth.n_persons,
        "accounts": truth.n_accounts,
        "innocent_accounts": truth.n_accounts - len(truth.mule_accounts),
        "innocent_persons": truth.ordinary(),
        "victims": len(set(truth.victim)),
        "episodes": truth.n_episodes,
        "fraud_loss_fen": loss_fen,
    }


def run_arena(
    cfg: SimConfig,
    seed: int,
    out: Path,
    arena_config: Path | None = None,
    strategies: tuple[str, ...] = STRATEGY_NAMES,
    detection: bool = True,
    say: Say | None = None,
) -> dict[str, Any]:
    """Run every strategy on one simulated world; write outcomes.json and report.html in `out`."""
    say = say or (lambda _m: None)
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategies {unknown}; use {', '.join(STRATEGY_NAMES)}")
    acfg = load_arena_config(arena_config)
    out.mkdir(parents=True, exist_ok=True)
    world_dir = out / "world"
    say(f"simulating {cfg.preset} (seed {seed}) into {world_dir}")
    simulate_to_dir(cfg, seed, world_dir)
    db = out / "store.duckdb"
    db.unlink(missing_ok=True)
    with Store(db) as store:
        say("ingesting the feeds")
        report = ingest_paths(store, [world_dir / "feeds"])
        if report.errors:
            raise RuntimeError(f"ingest failed: {report.errors[0]}")
    truth = Truth.load(world_dir)
    start, end, _ = world_period(world_dir)
    results: dict[str, Any] = {}
    timeliness: dict[str, list[float]] = {}
    trail: dict[str, Any] = {}
    with Store(db, read_only=True) as store:
        for name in strategies:
            say(f"strategy {name}: replaying through the engine")
            world = ActedWorld(truth, acfg, seed)
            work = out / f"engine-{name}.duckdb"
            work.unlink(missing_ok=True)
            run = run_engine(store, STRATEGIES[name], start, end, work,
                             intervene=world.filter, on_actions=world.on_actions)  # fmt: skip
            work.unlink(missing_ok=True)
            pq.write_table(run.log.table(), out / f"actions-{name}.parquet")
            figures, minutes = strategy_outcome(world, run.log, start, end)
            figures["engine"] = {"events": run.events, "batches": run.batches,
                                 "seconds": round(run.seconds, 1)}  # fmt: skip
            results[name] = figures
            if minutes:
                timeliness[name] = minutes
            if name == "full" or not trail:
                trail = money_trail(world, name) or trail
            say(f"strategy {name}: {run.events:,} events, {len(run.log):,} actions, "
                f"{run.seconds:.1f} s")  # fmt: skip
    loss = next(iter(results.values()))["fraud_loss_fen"] if results else 0
    outcomes: dict[str, Any] = {"world": world_figures(truth, cfg, seed, loss),
                                "strategies": results}  # fmt: skip
    if "full" in results:
        first = results.get("first_level_on_report")
        outcomes["targets"] = {"full": _targets(results["full"], outcomes["world"], first)}
    if detection:
        say("evaluating card-cutting detection")
        with Store(db, read_only=True) as store:
            outcomes["detection"] = evaluate_detection(world_dir, store)
    outcomes["assumptions"] = acfg
    (out / "outcomes.json").write_text(json.dumps(outcomes, indent=2, default=str), "utf-8")
    write_report(outcomes, {"timeliness": timeliness, "trail": trail}, out / "report.html")
    return outcomes
