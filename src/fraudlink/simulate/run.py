"""Running the simulator into a directory, all-or-nothing."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

from fraudlink import __version__
from fraudlink.simulate.config import SimConfig
from fraudlink.simulate.generate import Progress, simulate

MANIFEST = "world.json"


def simulate_to_dir(
    cfg: SimConfig,
    seed: int,
    out: Path,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Simulate a world into `out/feeds` and `out/truth`, replacing any earlier world there.

    The world is written to a hidden sibling directory first and moved into place only when
    complete, so an interrupted run never leaves half a world behind.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        counts = simulate(cfg, seed, partial, progress)
        manifest = {
            "fraudlink": __version__,
            "preset": cfg.preset,
            "seed": seed,
            "rows": counts,
            "config": dataclasses.asdict(cfg),
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        out.mkdir(exist_ok=True)
        for name in ("feeds", "truth", MANIFEST):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            (partial / name).rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return counts
