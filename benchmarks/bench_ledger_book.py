"""Benchmark: fund control's questions by account, from the ledger book against the store's SQL.

Run at city:
    uv run python benchmarks/bench_ledger_book.py --store /tmp/arena_city/store.duckdb \
        --until 2026-03-20 --reports 40 --ticks 20
Options: [--world DIR] [--store DB] [--until DATE] [--reports N] [--ticks N] [--chunk ROWS]
     (without --store a demo world is simulated and ingested into a temporary store)

At each fund-control tick the engine traces its open reports on the ledger known so far and asks
for the hold times of the accounts holding their money. The ledger book (ours, with the engine's
holder book for the victims' own accounts) is fed the ledger up to `--until` in inserts of
`--chunk` rows, as the engine's working store is; then, for `--ticks` random sets of `--reports`
reports made in the last three days before `--until`, the trace (payment matching, sub-ledger,
lots) and the hold times are computed with the book and by the plain SQL on the store (the
peer), in the same process, and must be equal. Prints medians per tick and one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from common import table, world_and_store, world_arguments

from fraudlink.store import Store
from fraudlink.trace.engine import ledger_end, trace_all
from fraudlink.trace.holders import HolderBook
from fraudlink.trace.ledger_book import LedgerBook
from fraudlink.trace.ranking import hold_times


def feed(store: Store, until: datetime, chunk: int) -> tuple[LedgerBook, float]:
    """A book fed the store's ledger up to `until`, and the seconds it took."""
    ledger = store.arrow("select * from transactions where time <= ? order by time", [until])
    book = LedgerBook()
    t = time.perf_counter()
    for i in range(0, ledger.num_rows, chunk):
        book.add(ledger.slice(i, chunk))
    return book, time.perf_counter() - t


def main() -> int:
    """Time the book against the SQL on random ticks; 1 if any answer differs."""
    ap = world_arguments(1)
    ap.add_argument("--until", help="ISO date (UTC); default: the ledger's last payment")
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--ticks", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=13_000)  # about 30 minutes of city payments
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _, db = world_and_store(args, Path(tmp))
        with Store(db, read_only=True) as store:
            until = ledger_end(store)
            if args.until:
                until = datetime.fromisoformat(args.until).replace(tzinfo=UTC)
            book, fed_s = feed(store, until, args.chunk)
            reports = store.arrow(
                "select report_id from victim_reports where reported_at between ? and ? "
                "order by 1", [until - timedelta(days=3), until],
            ).column("report_id").to_pylist()  # fmt: skip
            if not reports:
                print(f"no reports in the three days before {until}", file=sys.stderr)
                return 1
            rng = np.random.default_rng(args.seed)
            holders = HolderBook()  # as in the engine: remembered across ticks
            rows, same = [], True
            for _ in range(args.ticks):
                todo = sorted(rng.choice(reports, min(args.reports, len(reports)), replace=False))
                t0 = time.perf_counter()
                ours = trace_all(store, until, report_ids=todo, book=book, holders=holders)
                t1 = time.perf_counter()
                peer = trace_all(store, until, report_ids=todo)
                t2 = time.perf_counter()
                accounts = ours.positions.column("account").to_pylist()
                h_ours = hold_times(store, accounts, until, book)
                t3 = time.perf_counter()
                h_peer = hold_times(store, accounts, until)
                t4 = time.perf_counter()
                same &= ours.trail_rows.equals(peer.trail_rows) and h_ours == h_peer
                rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, len(accounts)))
    med = [statistics.median(r[i] for r in rows) for i in range(5)]
    print(table([
        ["per tick (median)", "book s", "SQL s", "ratio"],
        ["trace (match, sub-ledger, lots)", f"{med[0]:.3f}", f"{med[1]:.3f}",
         f"{med[1] / med[0]:.1f}x"],
        ["hold times", f"{med[2]:.3f}", f"{med[3]:.3f}", f"{med[3] / med[2]:.1f}x"],
    ]))  # fmt: skip
    print(f"book fed {book.rows:,} transactions in {fed_s:.1f} s; answers equal: {same}")
    print(json.dumps({"until": until.isoformat(), "ticks": args.ticks, "reports": args.reports,
                      "rows": book.rows, "feed_s": round(fed_s, 2), "equal": same,
                      "trace_book_s": med[0], "trace_sql_s": med[1], "hold_book_s": med[2],
                      "hold_sql_s": med[3], "accounts_median": med[4]}))  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
