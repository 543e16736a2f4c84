"""Benchmark: card-cutting features and scores for every account and SIM, against a degree count.

Run: uv run python benchmarks/bench_detect.py --world DIR [--store DB] [--repeat 3]
     (DIR from: uv run fraudlink simulate --preset city --out DIR; without --world a demo world
     is simulated; --store reuses a store already holding DIR's feeds, opened read only, else
     they are ingested into a temporary one; --memory-limit caps DuckDB on a shared machine)

Ours: `score_accounts` (account features in DuckDB, the LightGBM model fitted on the labels known
at the end of the period, scores and reasons for every account) and `score_sims` (SIM features,
scores and reasons for every card), both as at the end of the world's period. The peer is the
plainest score over the same data: one DuckDB query per kind counting distinct counterparties
(accounts: payers and payees; SIMs: numbers called) for every account and card, read into Arrow.
The issue's target is ours under 3 minutes at the city preset.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
from common import world_and_store, world_arguments

from fraudlink.detect.accounts_model import score_accounts
from fraudlink.detect.evaluation import world_period
from fraudlink.detect.sims import score_sims
from fraudlink.store import Store

TARGET_S = 180.0

PEER_ACCOUNTS_SQL = """
with t as (select from_account, to_account from transactions where time <= $as_of),
cp as (
  select to_account as account, from_account as other from t where to_account is not null
  union all
  select from_account, to_account from t where to_account is not null
)
select a.account, coalesce(d.degree, 0)::double as score
from bank_accounts a
left join (select account, count(distinct other) as degree from cp group by account) d
  using (account)
where a.opened_at <= $as_of
"""

PEER_SIMS_SQL = """
select s.msisdn, coalesce(d.degree, 0)::double as score
from sim_cards s
left join (
  select caller as msisdn, count(distinct callee) as degree
  from calls where time <= $as_of group by caller
) d using (msisdn)
where s.registered_at <= $as_of
"""


def timed(fn: Callable[[], pa.Table]) -> tuple[float, pa.Table]:
    """Seconds to run `fn` and its table."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def peer(store: Store, as_of: datetime) -> tuple[float, float, int, int]:
    """Seconds for the account and SIM degree counts, and their row counts."""
    p = {"as_of": as_of}
    a_s, acc = timed(lambda: store.con.sql(PEER_ACCOUNTS_SQL, params=p).to_arrow_table())
    s_s, sims = timed(lambda: store.con.sql(PEER_SIMS_SQL, params=p).to_arrow_table())
    return a_s, s_s, acc.num_rows, sims.num_rows


def ours(store: Store, as_of: datetime) -> tuple[float, float, int, int]:
    """Seconds for account and SIM features and scores, and their row counts."""
    a_s, acc = timed(lambda: score_accounts(store, as_of))
    s_s, sims = timed(lambda: score_sims(store, as_of))
    return a_s, s_s, acc.num_rows, sims.num_rows


def main() -> None:
    """Run peer and ours alternately and print one JSON line with medians and the ratio."""
    ap = world_arguments(repeat=3)
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 6GB, on a shared machine.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        world, db = world_and_store(args, Path(tmp))
        _, as_of, meta = world_period(world)
        runs: dict[str, list[float]] = {k: [] for k in ("pa", "ps", "oa", "os")}
        rows: dict[str, int] = {}
        with Store(db, read_only=True) as store:
            if args.memory_limit:
                store.con.execute(f"set memory_limit = '{args.memory_limit}'")
                store.con.execute(f"set temp_directory = '{Path(tmp) / 'spill'}'")
            threads = store.con.sql("select current_setting('threads')").fetchall()[0][0]
            for _ in range(args.repeat):
                pa_s, ps_s, rows["peer_accounts"], rows["peer_sims"] = peer(store, as_of)
                oa_s, os_s, rows["accounts"], rows["sims"] = ours(store, as_of)
                for k, v in zip(runs, (pa_s, ps_s, oa_s, os_s), strict=True):
                    runs[k].append(v)
                print(json.dumps({k: round(v[-1], 2) for k, v in runs.items()}), file=sys.stderr)
    med = {k: statistics.median(v) for k, v in runs.items()}
    ours_s, peer_s = med["oa"] + med["os"], med["pa"] + med["ps"]
    print(json.dumps({
        "world": str(args.world or "demo (simulated)"), "preset": meta.get("preset"),
        "seed": meta.get("seed"), "as_of": as_of.isoformat(), "repeat": args.repeat,
        "duckdb_threads": threads, "memory_limit": args.memory_limit, **rows,
        "accounts_features_and_scores_s": round(med["oa"], 2),
        "sims_features_and_scores_s": round(med["os"], 2), "ours_s": round(ours_s, 2),
        "peer_accounts_degree_s": round(med["pa"], 2), "peer_sims_degree_s": round(med["ps"], 2),
        "peer_s": round(peer_s, 2), "ours_over_peer": round(ours_s / peer_s, 1),
        "under_3_minutes": ours_s < TARGET_S,
        "runs_s": {k: [round(x, 2) for x in v] for k, v in runs.items()},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
