"""Benchmark: the dialling-burst window, batch by batch, against hash counts of the numbers.

Run at city: uv run python benchmarks/bench_bursts.py --store /tmp/city.duckdb [--start 08:00]
     [--hours 6] [--repeat 5]
     (without --store a demo world is simulated and ingested; the store is opened read only)

The calls of `--hours` daytime hours (from `--start` UTC on the fifth day of the ledger) are cut
into 5-minute batches, the engine's step, and fed in order.
Ours: `engine.bursts.BurstWatch`, the numbers as integer keys, sorted once per batch and merged
over the hour.
Peers, the same window and rule on the numbers as strings:
- `value_counts`: hash counts over the hour's calls (`BurstWatch.bursting`, which the engine
  still uses for a window holding a number that is not all digits; the engine's code until
  2026-12-01);
- `group_by`: one Arrow group-by over the hour per batch (the engine's code before 2026-11-30).
All must flag the same numbers at every batch. Times are milliseconds per batch, medians over
--repeat passes; each ratio is peer / ours.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from common import table, world_and_store, world_arguments

from fraudlink.engine.bursts import BURST_SCORE, MIN_CALLS, MIN_SHORT_SHARE, BurstWatch
from fraudlink.store import Store

STEP = timedelta(minutes=5)


class StringWatch(BurstWatch):
    """A peer: the same window and rule, the numbers counted as strings by hash."""

    def add(self, calls: pa.Table, now: datetime) -> dict[str, float]:
        """Take in a batch of calls; the numbers bursting in the last hour, with their score."""
        return self.bursting(self.hour(calls, now))


class GroupByWatch(StringWatch):
    """A peer: the same window and rule, counted with one Arrow group-by per batch."""

    def bursting(self, hour: pa.Table) -> dict[str, float]:
        """The numbers bursting in the hour's calls, with their score."""
        outs = hour.group_by("caller").aggregate([("short", "count"), ("short", "sum")])
        busy = outs.filter(pc.greater_equal(outs.column("short_count"), MIN_CALLS))
        if busy.num_rows == 0:
            return {}
        share = pc.divide(pc.cast(busy.column("short_sum"), pa.float64()),
                          pc.cast(busy.column("short_count"), pa.float64()))  # fmt: skip
        numbers = busy.filter(pc.greater_equal(share, MIN_SHORT_SHARE)).column("caller")
        callees = hour.column("callee")
        called = pc.unique(callees.filter(pc.is_in(callees, value_set=numbers.combine_chunks())))
        numbers = numbers.filter(pc.invert(pc.is_in(numbers, value_set=called)))
        return dict.fromkeys(numbers.to_pylist(), BURST_SCORE)


def batches(store: Store, start: str, hours: float) -> list[tuple[datetime, pa.Table]]:
    """The calls from `start` on the ledger's fifth day, for `hours`, in 5-minute batches."""
    first = store.arrow("select min(time)::date + 4 as d from calls").column("d")[0].as_py()
    t0 = datetime.fromisoformat(f"{first.isoformat()}T{start}+00:00")
    t1 = t0 + timedelta(hours=hours)
    calls = store.arrow(
        "select time, caller, callee, kind, duration_s from calls "
        "where time >= ? and time < ? order by time, call_id",
        [t0, t1],
    )
    out = []
    lo = t0
    while lo < t1:
        hi = lo + STEP
        m = pc.and_(pc.greater_equal(calls["time"], lo), pc.less(calls["time"], hi))
        out.append((hi, calls.filter(m)))
        lo = hi
    return out


def one_pass(watch: BurstWatch, feed: list[tuple[datetime, pa.Table]]) -> tuple[
    float, list[dict[str, float]]
]:  # fmt: skip
    """Milliseconds per batch for one pass over the batches, and what each batch flagged."""
    t = time.perf_counter()
    got = [watch.add(b, now) for now, b in feed]
    return (time.perf_counter() - t) * 1000 / len(feed), got


def main() -> None:
    """Feed the same batches to ours and the peers in turn; print medians and the ratios."""
    ap = world_arguments(repeat=5)
    ap.add_argument("--start", default="08:00", help="UTC time of day of the first batch")
    ap.add_argument("--hours", type=float, default=6.0)
    args = ap.parse_args()
    times: dict[str, list[float]] = {"ours": [], "value_counts": [], "group_by": []}
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        db = args.store if args.store is not None else world_and_store(args, Path(tmp))[1]
        with Store(db, read_only=True) as store:
            feed = batches(store, args.start, args.hours)
    calls = sum(b.num_rows for _, b in feed)
    same = True
    watches = {"group_by": GroupByWatch, "value_counts": StringWatch, "ours": BurstWatch}
    for _ in range(args.repeat):
        got = []
        for name, watch in watches.items():
            ms, flags = one_pass(watch(), feed)
            times[name].append(ms)
            got.append(flags)
        same &= got[0] == got[1] == got[2]
    flagged = sum(len(x) for x in got[-1])
    med = {name: statistics.median(t) for name, t in times.items()}
    o = med["ours"]
    head = ["run", "batches", "calls", "ms/batch (median)", "ratio peer/ours", "same flags"]
    rows = [[f"peer: {n}", str(len(feed)), f"{calls:,}", f"{med[n]:.2f}", f"{med[n] / o:.2f}", ""]
            for n in ("group_by", "value_counts")]  # fmt: skip
    rows.append(["ours: integer keys", str(len(feed)), f"{calls:,}", f"{o:.2f}", "", str(same)])
    print(table([head, *rows]))
    print(json.dumps({"bench": "bursts", "store": str(args.store or "demo (simulated)"),
                      "batches": len(feed), "calls": calls, "flagged": flagged,
                      "ours_ms": round(o, 3), "value_counts_ms": round(med["value_counts"], 3),
                      "group_by_ms": round(med["group_by"], 3),
                      "ratio_value_counts": round(med["value_counts"] / o, 2),
                      "ratio_group_by": round(med["group_by"] / o, 2), "same": same}))  # fmt: skip


if __name__ == "__main__":
    main()
