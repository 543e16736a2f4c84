"""Benchmark: ingest a simulated world's feeds, against DuckDB's bare load of the same files.

Run: uv run python benchmarks/bench_ingest.py --world DIR [--repeat 3]
     (make DIR with: uv run fraudlink simulate --preset city --out DIR)

The peer, measured in the same run, is the ceiling: DuckDB creating one table per feed straight
from the Parquet files with no validation, no normalisation, no de-duplication and no quarantine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from fraudlink.ingest import ingest_paths
from fraudlink.store import Store


def ours(feeds: Path, db: Path) -> float:
    """Seconds for fraudlink's ingest of every feed file into a new store."""
    with Store(db) as store:
        t0 = time.perf_counter()
        report = ingest_paths(store, [feeds])
        elapsed = time.perf_counter() - t0
    if report.errors:
        raise SystemExit(f"ingest failed: {report.errors}")
    return elapsed


def ceiling(feeds: Path, db: Path) -> float:
    """Seconds for DuckDB's bare load of the same files into a new database file."""
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    for f in sorted(feeds.glob("*.parquet")):
        con.execute(f"create table {f.stem} as select * from read_parquet('{f}')")
    con.close()
    return time.perf_counter() - t0


def main() -> None:
    """Run both, alternating, and print one JSON line with medians and the ratio."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    feeds = args.world / "feeds"
    rows = sum(pq.read_metadata(f).num_rows for f in feeds.glob("*.parquet"))
    a, b = [], []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
            b.append(ceiling(feeds, Path(tmp) / f"bare{i}.duckdb"))
            a.append(ours(feeds, Path(tmp) / f"store{i}.duckdb"))
    ours_s, bare_s = statistics.median(a), statistics.median(b)
    print(json.dumps({
        "world": str(args.world), "rows": rows, "repeat": args.repeat,
        "ingest_s": round(ours_s, 1), "ingest_rows_per_s": round(rows / ours_s),
        "bare_load_s": round(bare_s, 1), "bare_rows_per_s": round(rows / bare_s),
        "ratio_of_ceiling": round(bare_s / ours_s, 2),
        "all_ingest_s": [round(x, 1) for x in a], "all_bare_s": [round(x, 1) for x in b],
    }))


if __name__ == "__main__":
    main()
