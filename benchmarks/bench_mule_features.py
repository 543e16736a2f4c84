"""Benchmark: mule features and scores, before and after they were made faster, in the same run.

Run: uv run python benchmarks/bench_mule_features.py --store DB --as-of 2026-03-22 [--as-of ...]
     [--repeat 1] [--threads 1] [--memory-limit 5GB]
     (DB from ingesting `fraudlink simulate --preset city`; without --store a demo world is
     simulated and ingested, and without --as-of the day after the last transaction is used;
     the store is opened read only, and DuckDB spills to a temporary directory)

Parts, each a pair (a, then b) with whether the two give the same output:
  features        a: the features query as it stood before the rewrite (kept verbatim as the
                  oracle in tests/detect/test_mule_scores_fast.py); b: `account_features`. Same
                  means `Table.equals`: schema, row order and every value, bit for bit.
  probabilities   a: LightGBM as it was called before (row-stacked matrix, no thread count); b:
                  `MuleModel.probabilities` (column-major matrix, every core), one fitted model.
  mule_scores     a: with reasons; b: `reasons=False`. Same means the same accounts and scores.
  score_accounts  the whole call the engine makes (features, fit, scores), a and b as above.
  ledger          each account's own payment figures: a: `account_ledger` (the store's SQL); b:
                  `account_ledger_of` over the payments as columns, as the engine's ledger book
                  holds them (in time order; loaded beforehand, not timed). Same means the same
                  rows.
  ledger_features the features as the engine gets them: a: `account_features` alone; b: the
                  ledger from columns, then `account_features` given it. Same: `Table.equals`.
Times (wall and CPU seconds) are medians over --repeat runs. --parts picks some (the old query
alone takes minutes at city).
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from common import table, world_and_store, world_arguments

from fraudlink.detect.accounts_features import account_features, account_ledger
from fraudlink.detect.accounts_ledger import account_ledger_of, payment_columns
from fraudlink.detect.accounts_model import MuleModel, mule_scores, score_accounts, train
from fraudlink.store import Store


class Seconds(NamedTuple):
    """Wall-clock and CPU (all threads) seconds: on a shared machine CPU time is the steadier."""

    wall: float
    cpu: float


ORACLE = Path(__file__).parents[1] / "tests" / "detect" / "test_mule_scores_fast.py"


def oracle() -> ModuleType:
    """The test module holding the old features query."""
    spec = importlib.util.spec_from_file_location("mule_oracle", ORACLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(fn: Callable[[], Any]) -> tuple[Seconds, Any]:
    """Wall and CPU seconds for one call, and its result."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return Seconds(time.perf_counter() - w0, time.process_time() - c0), out


def old_probabilities(model: MuleModel, feats: pa.Table) -> np.ndarray:
    """Per view probabilities as computed before: a row-stacked matrix and no thread count."""
    # Without a thread count LightGBM runs with the OpenMP setting training left, as it did when
    # score_accounts predicted right after training (and as here, right after `train`).
    out = []
    for v in model.views:
        cols = [
            pc.cast(feats.column(n), pa.float64()).to_numpy(zero_copy_only=False) for n in v.names
        ]
        out.append(np.asarray(v.booster.predict(np.column_stack(cols).astype(np.float64))))
    return np.column_stack(out).astype(np.float64)


def same_scores(a: pa.Table, b: pa.Table) -> bool:
    """Whether two score tables name the same accounts with the same scores."""
    return a.column("account").equals(b.column("account")) and a.column("score").equals(
        b.column("score")
    )


PAIRS = {
    "features": ("old_sql", "new_sql"),
    "probabilities": ("old_call", "new_call"),
    "mule_scores": ("reasons", "no_reasons"),
    "score_accounts": ("reasons", "no_reasons"),
    "ledger": ("store_sql", "columns"),
    "ledger_features": ("store_sql", "columns"),
}


def same_rows(a: pa.Table, b: pa.Table) -> bool:
    """Whether two ledgers hold the same rows, the store's 128-bit sums read as integers."""
    def norm(t: pa.Table) -> pa.Table:
        cols = [pc.cast(c, pa.int64()) if pa.types.is_decimal(c.type) else c for c in t.columns]
        return pa.table(cols, names=t.column_names).sort_by("account")
    return norm(a).equals(norm(b))


def ledger_parts(store: Store, as_of: datetime) -> dict[str, tuple[Seconds, Seconds, bool]]:
    """The ledger figures and the features they feed, from the store's SQL and from columns."""
    # In time order, as the engine's book holds them (the replay hands them over as they happen).
    payments = payment_columns(
        store.arrow("select * from transactions where time <= ? order by time, txn_id", [as_of])
    )
    sql_s, sql = timed(lambda: account_ledger(store, as_of))
    col_s, cols = timed(lambda: account_ledger_of(payments, as_of))
    parts = {"ledger": (sql_s, col_s, same_rows(sql, cols))}
    del sql, cols
    a_s, a = timed(lambda: account_features(store, as_of))

    def from_columns() -> pa.Table:
        return account_features(store, as_of, ledger=account_ledger_of(payments, as_of))

    b_s, b = timed(from_columns)
    parts["ledger_features"] = (a_s, b_s, a.equals(b))
    return parts


def run_parts(
    store: Store, as_of: datetime, old_features: Callable[..., pa.Table], parts: set[str]
) -> dict[str, tuple[Seconds, Seconds, bool]]:
    """One run of the parts asked for: {part: (seconds for a, seconds for b, same output)}."""
    out = ledger_parts(store, as_of) if parts & {"ledger", "ledger_features"} else {}
    if parts & set(PAIRS) - {"ledger", "ledger_features"}:
        out |= model_parts(store, as_of, old_features)
    return {p: v for p, v in out.items() if p in parts}


def model_parts(
    store: Store, as_of: datetime, old_features: Callable[..., pa.Table]
) -> dict[str, tuple[Seconds, Seconds, bool]]:
    """The features against the old query, and the model's calls against their old forms."""
    old_s, old = timed(lambda: old_features(store, as_of))
    new_s, feats = timed(lambda: account_features(store, as_of))
    parts = {"features": (old_s, new_s, feats.equals(old))}
    del old
    model = train(store, as_of, feats=feats)
    old_s, p_old = timed(lambda: old_probabilities(model, feats))
    new_s, p_new = timed(lambda: model.probabilities(feats))
    parts["probabilities"] = (old_s, new_s, bool(np.array_equal(p_old, p_new)))
    full_s, full = timed(lambda: mule_scores(model, feats))
    fast_s, fast = timed(lambda: mule_scores(model, feats, reasons=False))
    parts["mule_scores"] = (full_s, fast_s, same_scores(full, fast))
    full_s, full = timed(lambda: score_accounts(store, as_of))
    fast_s, fast = timed(lambda: score_accounts(store, as_of, reasons=False))
    parts["score_accounts"] = (full_s, fast_s, same_scores(full, fast))
    return parts


def median(runs: list[Seconds]) -> Seconds:
    """The median wall and the median CPU seconds of some runs."""
    return Seconds(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs))


def summary(runs: list[dict[str, tuple[Seconds, Seconds, bool]]]) -> tuple[list[list[str]], dict]:
    """Table rows and JSON fields for the runs of every part."""
    rows = [["part", "a", "a_s", "a_cpu_s", "b", "b_s", "b_cpu_s", "a/b", "identical"]]
    out = {}
    for part, (a, b) in PAIRS.items():
        if part not in runs[0]:
            continue
        a_s, b_s = median([r[part][0] for r in runs]), median([r[part][1] for r in runs])
        same = all(r[part][2] for r in runs)
        ratio = a_s.wall / b_s.wall
        rows.append([part, a, f"{a_s.wall:.2f}", f"{a_s.cpu:.2f}", b, f"{b_s.wall:.2f}",
                     f"{b_s.cpu:.2f}", f"{ratio:.2f}", str(same)])  # fmt: skip
        out[part] = {f"{a}_s": round(a_s.wall, 2), f"{a}_cpu_s": round(a_s.cpu, 2),
                     f"{b}_s": round(b_s.wall, 2), f"{b}_cpu_s": round(b_s.cpu, 2),
                     "ratio": round(ratio, 2), "identical": same}  # fmt: skip
    return rows, out


def default_as_of(store: Store) -> datetime:
    """Midnight UTC after the day of the last transaction."""
    t = store.arrow("select max(time) as t from transactions").column("t")[0].as_py()
    return datetime(t.year, t.month, t.day, tzinfo=UTC) + timedelta(days=1)


def parse_as_of(text: str) -> datetime:
    """An ISO date or time, UTC unless it says otherwise."""
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def main() -> None:
    """Time every part at each --as-of and print a table per date and one JSON line."""
    ap = world_arguments(repeat=1)
    ap.add_argument("--as-of", action="append", type=parse_as_of, default=[])
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's own)")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 5GB, on a shared machine")
    ap.add_argument("--parts", default=",".join(PAIRS), help=f"comma-separated: {', '.join(PAIRS)}")
    args = ap.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if unknown := parts - set(PAIRS):
        raise SystemExit(f"unknown parts {sorted(unknown)}; known: {', '.join(PAIRS)}")
    old_features = oracle().old_features
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        db = args.store if args.store is not None else world_and_store(args, Path(tmp))[1]
        with Store(db, read_only=True) as store:
            store.con.execute(f"set temp_directory = '{Path(tmp) / 'spill'}'")
            if args.threads:
                store.con.execute(f"set threads = {int(args.threads)}")
            if args.memory_limit:
                store.con.execute(f"set memory_limit = '{args.memory_limit}'")
            for as_of in args.as_of or [default_as_of(store)]:
                runs = [run_parts(store, as_of, old_features, parts) for _ in range(args.repeat)]
                rows, out = summary(runs)
                print(f"as_of {as_of.isoformat()}\n{table(rows)}\n", flush=True)
                results[as_of.isoformat()] = out
    print(json.dumps({"store": str(args.store or "demo (simulated)"), "threads": args.threads,
                      "memory_limit": args.memory_limit, "repeat": args.repeat,
                      "results": results}))  # fmt: skip


if __name__ == "__main__":
    main()
