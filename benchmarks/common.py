"""What every benchmark script shares: its command line and the world and store it runs on."""

from __future__ import annotations

import argparse
from pathlib import Path

from fraudlink.ingest import ingest_paths
from fraudlink.simulate import load_config, simulate_to_dir
from fraudlink.store import Store


def world_arguments(repeat: int) -> argparse.ArgumentParser:
    """The --world, --store and --repeat options (without --world a demo world is simulated)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path)
    ap.add_argument("--store", type=Path)
    ap.add_argument("--repeat", type=int, default=repeat)
    return ap


def world_and_store(args: argparse.Namespace, tmp: Path) -> tuple[Path, Path]:
    """The world directory and a store holding its feeds, made in `tmp` when not given."""
    world: Path = args.world
    if world is None:
        world = tmp / "demo"
        simulate_to_dir(load_config("demo"), 1, world)
    db: Path = args.store
    if db is None:
        db = tmp / "s.duckdb"
        with Store(db) as store:
            ingest_paths(store, [world / "feeds"])
    return world, db


def table(rows: list[list[str]]) -> str:
    """Rows of cells as a left-aligned text table, the first row a header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
