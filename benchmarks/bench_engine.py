"""Benchmark: the event-time engine's replay throughput, against a bare read of the same events.

Run at city (the issue's figure):
    uv run python benchmarks/bench_engine.py --world /tmp/city --store /tmp/city.duckdb --repeat 1
Options: --world DIR [--store DB] [--repeat 3] [--strategy full] [--step-minutes 5] [--json FILE]
     (DIR from: uv run fraudlink simulate --preset city --out DIR; without --world a demo world
     is simulated; --store reuses a store already holding DIR's feeds, opened read only, else
     they are ingested into a temporary one; --strategy may be given several times or as a
     comma-separated list of `fraudlink.engine.STRATEGIES` names)

Ours: `run_engine(store, STRATEGIES[name], start, end, work)` over the world's whole period: the
reference tables, the history up to the period's start, then every `--step-minutes` micro-batch
through match, trace, detect and warn, into a fresh working store (deleted before and after each
run). Its throughput is `run.events / run.seconds` events/s. The peer is the bare speed of reading
the same events: `history(store, start)` and `replay(store, start, end, step)` iterated, counting
rows and nothing else; its throughput is rows / seconds. Peer and engine runs alternate; the
figures are medians of --repeat runs.

The issue's targets, at the city preset: the engine replays at least 100,000 events/s, and at
least 0.3 of the bare read's events/s.
"""

from __future__ import annotations

import json
import resource
import shlex
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from common import table, world_and_store, world_arguments

from fraudlink.detect.evaluation import world_period
from fraudlink.engine import STRATEGIES, history, replay, run_engine
from fraudlink.store import Store

TARGET_EVENTS_S = 100_000.0
TARGET_RATIO = 0.3


def bare_read(store: Store, start: datetime, end: datetime, step: timedelta) -> tuple[float, int]:
    """Seconds to read the history and every micro-batch of the period, and the rows read."""
    t0 = time.perf_counter()
    rows = history(store, start).rows()
    for batch in replay(store, start, end, step):
        rows += batch.rows()
    return time.perf_counter() - t0, rows


def remove(path: Path) -> None:
    """Delete a working store and its write-ahead log, if there."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def engine_once(
    store: Store, name: str, start: datetime, end: datetime, step: timedelta, work: Path
) -> dict[str, Any]:
    """One engine run under strategy `name`: its events, batches, actions and seconds."""
    remove(work)
    try:
        t0 = time.perf_counter()
        run = run_engine(store, STRATEGIES[name], start, end, work, step=step)
        wall = time.perf_counter() - t0
    finally:
        remove(work)
    return {"seconds": run.seconds, "wall_s": wall, "events": run.events,
            "batches": run.batches, "actions": len(run.log)}  # fmt: skip


def strategies(given: list[str] | None) -> list[str]:
    """The strategy names asked for (default `full`), checked against STRATEGIES."""
    names = [n.strip() for g in (given or ["full"]) for n in g.split(",") if n.strip()]
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise SystemExit(f"unknown strategy {unknown}; known: {', '.join(STRATEGIES)}")
    return list(dict.fromkeys(names))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    """Alternate the bare read and each strategy's engine run; print medians and the targets."""
    ap = world_arguments(repeat=3)
    ap.add_argument(
        "--strategy",
        action="append",
        help=f"one of {', '.join(STRATEGIES)} (repeatable or comma-separated)",
    )
    ap.add_argument("--step-minutes", type=float, default=5.0, help="micro-batch length")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")  # fmt: skip
    args = ap.parse_args()
    names = strategies(args.strategy)
    step = timedelta(minutes=args.step_minutes)
    command = "uv run python " + shlex.join(sys.argv)
    peer: list[tuple[float, int]] = []
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        world, db = world_and_store(args, Path(tmp))
        start, end, meta = world_period(world)
        work = Path(tmp) / "work.duckdb"
        with Store(db, read_only=True) as store:
            for i in range(args.repeat):
                peer.append(bare_read(store, start, end, step))
                print(f"[{i + 1}/{args.repeat}] bare read: {peer[-1][1]:,} rows in "
                      f"{peer[-1][0]:.2f} s", file=sys.stderr)  # fmt: skip
                for n in names:
                    r = engine_once(store, n, start, end, step, work)
                    runs[n].append(r)
                    print(f"[{i + 1}/{args.repeat}] {n}: {r['events']:,} events in "
                          f"{r['seconds']:.2f} s, {r['actions']:,} actions",
                          file=sys.stderr)  # fmt: skip

    peer_s = statistics.median(s for s, _ in peer)
    peer_rows = peer[-1][1]
    peer_eps = peer_rows / peer_s
    out: dict[str, Any] = {
        "bench": "engine", "command": command, "world": str(args.world or "demo (simulated)"),
        "preset": meta.get("preset"), "seed": meta.get("seed"), "start": start.isoformat(),
        "end": end.isoformat(), "step_minutes": args.step_minutes, "repeat": args.repeat,
        "targets": {"events_per_s": TARGET_EVENTS_S, "ratio_to_bare_read": TARGET_RATIO},
        "bare_read": {"seconds": round(peer_s, 3), "events": peer_rows,
                      "events_per_s": round(peer_eps), "runs_s": [round(s, 3) for s, _ in peer]},
        "strategies": {},
    }  # fmt: skip
    head = ["run", "median s", "wall s", "events", "batches", "actions", "events/s",
            "x bare read", ">=100k/s", ">=0.3 bare"]  # fmt: skip
    cells = [head, ["bare read", f"{peer_s:.2f}", f"{peer_s:.2f}", f"{peer_rows:,}", "", "",
                    f"{peer_eps:,.0f}", "1.00", "", ""]]  # fmt: skip
    for n, rs in runs.items():
        sec = statistics.median(r["seconds"] for r in rs)
        wall = statistics.median(r["wall_s"] for r in rs)
        events, batches = rs[-1]["events"], rs[-1]["batches"]
        actions = int(statistics.median(r["actions"] for r in rs))
        eps = events / sec
        ratio = eps / peer_eps
        fig = {"seconds": round(sec, 3), "wall_s": round(wall, 3), "events": events,
               "batches": batches, "actions": actions, "events_per_s": round(eps),
               "ratio_to_bare_read": round(ratio, 3),
               "events_per_s_target_met": eps >= TARGET_EVENTS_S,
               "ratio_target_met": ratio >= TARGET_RATIO,
               "events_match_bare_read": events == peer_rows,
               "runs_s": [round(r["seconds"], 3) for r in rs]}  # fmt: skip
        out["strategies"][n] = fig
        cells.append([f"engine {n}", f"{sec:.2f}", f"{wall:.2f}", f"{events:,}", f"{batches:,}",
                      f"{actions:,}", f"{eps:,.0f}", f"{ratio:.2f}",
                      verdict(fig["events_per_s_target_met"]),
                      verdict(fig["ratio_target_met"])])  # fmt: skip
    out["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux

    print(f"command: {command}")
    print(f"world: {out['world']} (preset {out['preset']}, seed {out['seed']}), "
          f"{start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC, step {args.step_minutes:g} min, "
          f"median of {args.repeat}")  # fmt: skip
    print(table(cells))
    for n, fig in out["strategies"].items():
        if not fig["events_match_bare_read"]:
            print(f"warning: engine {n} saw {fig['events']:,} events, the bare read "
                  f"{peer_rows:,}")  # fmt: skip
    print(f"peak RSS: {out['peak_rss_kb']:,} KB ({out['peak_rss_kb'] / 1024:,.0f} MiB)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", "utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
