"""Benchmark: the mule model's probabilities from the compiled forest, against LightGBM's predict.

Run at city: uv run python benchmarks/bench_forest.py --store /tmp/city.duckdb
     [--as-of 2026-03-29] [--repeat 3] [--memory-limit 6GB]
     (without --store a demo world is simulated and ingested; the store is opened read only)

The engine's weekly run: the features of every account at --as-of, the mule model fitted on the
labels known then, and each view's probabilities over every account. Ours:
`detect.forest.probabilities` with the forest compiled by lleaves, the compile counted in (the
engine compiles each week's fitted forest once), from the row-major matrix it is given. Peer:
LightGBM's `Booster.predict` from the column-major matrix, as the engine did before. Each side's
time includes building its matrix. Every probability must be the same double. Seconds per view,
medians over --repeat passes; the ratio is peer / ours.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from common import table, world_and_store, world_arguments

from fraudlink.detect import forest
from fraudlink.detect.accounts_features import account_features
from fraudlink.detect.accounts_model import matrix, train
from fraudlink.store import Store


def main() -> None:
    """Time both ways of predicting each view; print medians and the ratios."""
    ap = world_arguments(repeat=3)
    ap.add_argument("--as-of", type=datetime.fromisoformat, default=None,
                    help="the weekly run, UTC (default: the last transaction's day)")  # fmt: skip
    ap.add_argument("--memory-limit", default="6GB")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        db = args.store if args.store is not None else world_and_store(args, Path(tmp))[1]
        with Store(db, read_only=True) as store:
            store.con.execute(f"set memory_limit = '{args.memory_limit}'")
            as_of = args.as_of
            if as_of is None:
                last = store.arrow("select max(time)::date as d from transactions")["d"][0]
                as_of = datetime.combine(last.as_py(), datetime.min.time())
            as_of = as_of.replace(tzinfo=UTC)
            feats = account_features(store, as_of)
            model = train(store, as_of, feats=feats)
    rows = [["view", "accounts", "features", "peer s", "ours s", "ratio peer/ours", "same"]]
    out: dict[str, object] = {}
    for name, view in zip(("behaviour", "kit"), model.views, strict=True):
        ours, peer, same = [], [], True
        for _ in range(args.repeat):
            t = time.perf_counter()
            x = matrix(feats, view.names)
            want = view.booster.predict(x, num_threads=forest.PREDICT_THREADS)
            peer.append(time.perf_counter() - t)
            t = time.perf_counter()
            x = matrix(feats, view.names, row_major=True)
            got = forest.probabilities(view.booster, x, compile_from=0)
            ours.append(time.perf_counter() - t)
            same &= bool(np.array_equal(got, want))
        o, p = statistics.median(ours), statistics.median(peer)
        rows.append([name, f"{feats.num_rows:,}", str(len(view.names)), f"{p:.2f}", f"{o:.2f}",
                     f"{p / o:.2f}", str(same)])  # fmt: skip
        out[name] = {"accounts": feats.num_rows, "features": len(view.names),
                     "peer_s": round(p, 3), "ours_s": round(o, 3), "ratio": round(p / o, 2),
                     "same": same}  # fmt: skip
    print(table(rows))
    print(json.dumps({"bench": "forest", "store": str(args.store or "demo (simulated)"),
                      "as_of": as_of.isoformat(), **out}))  # fmt: skip


if __name__ == "__main__":
    main()
