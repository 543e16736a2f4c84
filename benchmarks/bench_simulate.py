"""Benchmark: simulate a preset (default `city`) against the bare cost of writing its files.

Run: uv run python benchmarks/bench_simulate.py [--preset city] [--seed 1] [--repeat 1]

The peer, measured in the same run, is the I/O floor: reading every table the simulator wrote
and writing it again with the same Parquet settings. The ratio says how much of the time goes
into simulating rather than into writing. Peak memory is the child process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq


def run_simulate(preset: str, seed: int, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of one `fraudlink simulate` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fraudlink",
            "simulate",
            "--preset",
            preset,
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
    )
    wall = time.perf_counter() - t0
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return wall, peak_kib / 1024 / 1024


def rewrite_floor(world: Path, scratch: Path) -> tuple[float, int]:
    """Seconds to read and rewrite every Parquet file of the world; total rows."""
    rows = 0
    t0 = time.perf_counter()
    for f in sorted(world.glob("*/*.parquet")):
        table = pq.read_table(f)
        rows += table.num_rows
        target = scratch / f.parent.name / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target, compression="zstd", row_group_size=1_000_000)
    return time.perf_counter() - t0, rows


def main() -> None:
    """Run the benchmark and print one JSON line of results."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="city")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    sims, floors, peaks, rows = [], [], [], 0
    for _ in range(args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix="fraudlink-bench-"))
        try:
            wall, peak = run_simulate(args.preset, args.seed, tmp / "world")
            floor, rows = rewrite_floor(tmp / "world", tmp / "rewrite")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        sims.append(wall)
        floors.append(floor)
        peaks.append(peak)
    sim, floor = statistics.median(sims), statistics.median(floors)
    print(
        json.dumps(
            {
                "preset": args.preset,
                "seed": args.seed,
                "repeat": args.repeat,
                "rows": rows,
                "simulate_s": round(sim, 1),
                "rows_per_s": round(rows / sim),
                "peak_rss_gib": round(max(peaks), 2),
                "peer_rewrite_s": round(floor, 1),
                "ratio_simulate_to_rewrite": round(sim / floor, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
