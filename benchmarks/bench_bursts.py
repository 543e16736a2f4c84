"""Benchmark: the dialling-burst window, batch by batch, against one Arrow group-by per batch.

Run at city: uv run python benchmarks/bench_bursts.py --store /tmp/city.duckdb [--start 08:00]
     [--hours 6] [--repeat 5]
     (without --store a demo world is simulated and ingested; the store is opened read only)

The calls of `--hours` daytime hours (from `--start` UTC on the fifth day of the ledger) are cut
into 5-minute batches, the engine's step, and fed in order.
Ours: `engine.bursts.BurstWatch`, hash counts (`value_counts`) over the hour's calls.
Peer: the same window with one Arrow `group_by` over the hour per batch (the engine's code
before 2026-11-30, kept here). Both must flag the same numbers at every batch. Times are
milliseconds per batch, medians over --repeat passes; the ratio is peer / ours.
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


class GroupByWatch(BurstWatch):
    """The peer: the same window and rule, counted with one Arrow group-by per batch."""

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
    """Feed the same batches to ours and the peer, alternating; print medians and the ratio."""
    ap = world_arguments(repeat=5)
    ap.add_argument("--start", default="08:00", help="UTC time of day of the first batch")
    ap.add_argument("--hours", type=float, default=6.0)
    args = ap.parse_args()
    ours: list[float] = []
    peer: list[float] = []
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        db = args.store if args.store is not None else world_and_store(args, Path(tmp))[1]
        with Store(db, read_only=True) as store:
            feed = batches(store, args.start, args.hours)
    calls = sum(b.num_rows for _, b in feed)
    same = True
    for _ in range(args.repeat):
        ms, a = one_pass(GroupByWatch(), feed)
        peer.append(ms)
        ms, b = one_pass(BurstWatch(), feed)
        ours.append(ms)
        same &= a == b
    flagged = sum(len(x) for x in b)
    o, p = statistics.median(ours), statistics.median(peer)
    print(table([
        ["run", "batches", "calls", "ms/batch (median)", "ratio peer/ours", "same flags"],
        ["peer: group-by", str(len(feed)), f"{calls:,}", f"{p:.2f}", "", ""],
        ["ours: BurstWatch", str(len(feed)), f"{calls:,}", f"{o:.2f}", f"{p / o:.2f}", str(same)],
    ]))  # fmt: skip
    print(json.dumps({"bench": "bursts", "store": str(args.store or "demo (simulated)"),
                      "batches": len(feed), "calls": calls, "flagged": flagged,
                      "ours_ms": round(o, 3), "peer_ms": round(p, 3),
                      "ratio": round(p / o, 2), "same": same}))  # fmt: skip


if __name__ == "__main__":
    main()
