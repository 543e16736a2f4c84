"""Benchmark: tracing victims' money on a store, with peers measured in the same run.

Run: uv run python benchmarks/bench_trace.py --store /tmp/city.duckdb [--sample 100] [--repeat 3]

(a) One victim, 5 hops: p50/p95 of `trace_report(..., index=LedgerIndex)` over random reports
    (the index is built once; its build time is reported). Peers on a smaller sample: the same
    trace by SQL on the store (`trace_report` without an index: recursive frontier + sub-ledger
    + replay), and a bare DuckDB recursive CTE (hop-limited, time-respecting reachability only).
(b) Every reported victim in one pass: `trace_all` (FIFO), median of --repeat runs. Peers: a
    networkx time-respecting BFS per victim over a DiGraph of the tainted sub-ledger (reachability
    only, no amounts; graph build timed apart), and the DuckDB CTE per victim, extrapolated from
    sample (a) to every report.
The store is opened read only.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa

from fraudlink.store import Store
from fraudlink.trace.engine import ledger_end, trace_all, trace_report
from fraudlink.trace.index import LedgerIndex
from fraudlink.trace.subledger import FRONTIER_SQL, seed_transactions, subledger

HOPS = 5


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds for one call, and its result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def ms(xs: list[float], q: float) -> float:
    """Percentile q of seconds, in ms."""
    return round(float(np.percentile(xs, q)) * 1000, 2)


def cte_reach(store: Store, seeds: pa.Table, as_of: Any) -> int:
    """The DuckDB peer: one victim's reachable accounts by the recursive CTE alone."""
    store.con.register("_bench_seeds", seeds)
    try:
        # The same bounds as ours: the store's ledger, and the earliest seed time as a literal
        # so DuckDB skips older row groups.
        first = pa.compute.min(seeds.column("time")).as_py()
        since = f"'{first.isoformat()}'::timestamptz" if first else "'-infinity'::timestamptz"
        frontier = FRONTIER_SQL.format(seeds="_bench_seeds", ledger="transactions", since=since)
        sql = f"select count(*) as n from ({frontier})"
        return int(store.arrow(sql, [HOPS, as_of])["n"][0].as_py())
    finally:
        store.con.unregister("_bench_seeds")


def nx_graph(ledger: pa.Table) -> nx.DiGraph:
    """DiGraph of the tainted sub-ledger; each edge keeps its payment times, sorted."""
    g = nx.DiGraph()
    cols = ledger.select(["from_account", "to_account", "time"]).to_pydict()
    for a, b, t in zip(cols["from_account"], cols["to_account"], cols["time"], strict=True):
        if b is None:
            continue
        if g.has_edge(a, b):
            g[a][b]["times"].append(t)
        else:
            g.add_edge(a, b, times=[t])
    return g


def nx_reach(g: nx.DiGraph, starts: list[tuple[str, Any]], hops: int) -> int:
    """Time-respecting BFS to `hops` hops: accounts reachable along later and later payments."""
    best: dict[str, Any] = {}
    level = {}
    for acc, t in starts:
        if acc not in best or t < best[acc]:
            best[acc] = level[acc] = t
    for _ in range(1, hops):
        nxt: dict[str, Any] = {}
        for acc, t in level.items():
            if acc not in g:
                continue
            for dst, data in g[acc].items():
                times = data["times"]
                i = bisect.bisect_left(times, t)
                if i < len(times) and (dst not in best or times[i] < best[dst]):
                    best[dst] = nxt[dst] = times[i]
        level = nxt
    return len(best)


def main() -> None:
    """Time both parts and their peers; print one JSON line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--peer-sample", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    store = Store(args.store, read_only=True)
    as_of = ledger_end(store)
    reports = store.arrow("select report_id from victim_reports order by 1")[0].to_pylist()
    rng = random.Random(1)
    sample = rng.sample(reports, min(args.sample, len(reports)))
    out: dict[str, Any] = {"bench": "trace", "reports": len(reports), "hops_single": HOPS}

    build_s, index = timed(lambda: LedgerIndex(store))
    out["index_build_s"] = round(build_s, 1)
    lat = [timed(lambda r=r: trace_report(store, r, max_hops=HOPS, index=index))[0] for r in sample]
    out |= {"single_p50_ms": ms(lat, 50), "single_p95_ms": ms(lat, 95)}

    peers = sample[: args.peer_sample]
    sql_lat = [timed(lambda r=r: trace_report(store, r, max_hops=HOPS))[0] for r in peers]
    seeds = seed_transactions(store, index.matched, as_of)
    by_report = {r: seeds.filter(pa.compute.equal(seeds["report_id"], r)) for r in peers}
    cte_lat = [timed(lambda r=r: cte_reach(store, by_report[r], as_of))[0] for r in peers]
    out |= {
        "single_sql_p50_ms": ms(sql_lat, 50),
        "single_sql_p95_ms": ms(sql_lat, 95),
        "single_cte_p50_ms": ms(cte_lat, 50),
        "single_cte_p95_ms": ms(cte_lat, 95),
    }

    runs = [timed(lambda: trace_all(store))[0] for _ in range(args.repeat)]
    result = trace_all(store)
    out |= {
        "all_s": round(statistics.median(runs), 2),
        "all_runs_s": [round(x, 2) for x in runs],
        "all_trail_rows": result.trail_rows.num_rows,
        "all_positions": result.positions.num_rows,
    }
    ledger = subledger(store, seeds, as_of, 6)
    g_s, g = timed(lambda: nx_graph(ledger))
    starts: dict[str, list[tuple[str, Any]]] = {}
    for r, acc, t in zip(seeds["report_id"].to_pylist(), seeds["to_account"].to_pylist(),
                         seeds["time"].to_pylist(), strict=True):  # fmt: skip
        starts.setdefault(r, []).append((acc, t))
    nx_s, _ = timed(lambda: [nx_reach(g, s, 6) for s in starts.values()])
    cte_all = statistics.median(cte_lat) * len(starts)
    out |= {
        "subledger_rows": ledger.num_rows,
        "nx_graph_build_s": round(g_s, 2),
        "nx_all_bfs_s": round(nx_s, 2),
        "cte_all_extrapolated_s": round(cte_all, 1),
        "ratio_all_cte_over_ours": round(cte_all / statistics.median(runs), 1),
        "ratio_single_sql_over_index_p50": round(
            statistics.median(sql_lat) / statistics.median(lat), 1
        ),
        "ratio_single_cte_over_index_p50": round(
            statistics.median(cte_lat) / statistics.median(lat), 1
        ),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
