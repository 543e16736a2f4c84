"""Benchmark: daily SIM scores in a replay, incremental (`SimScoreBook`) against from scratch.

Run at city:
    uv run python benchmarks/bench_sims_book.py --store /tmp/arena_city/store.duckdb \
        --bulk-days 25 --threads 1 --memory-limit 4GB
Options: [--world DIR] [--store DB] [--bulk-days 0] [--threads N] [--memory-limit 4GB]
     (without --store the world's feeds, or a simulated demo world's, are ingested into a
     temporary store; the source store is only attached read only)

The engine's working store grows day by day, and the engine scores every SIM once a day. This
replays that: a scratch store receives, for each day of the calls' period, the rows that became
known during it (calls when they end, cards when registered, reports, confirmations, seizures and
flags at their own time), and after each day both `SimScoreBook.score(day end)` (ours, one book
kept over the whole run) and `score_sims(store, day end)` (the peer) run on it, in the same
process, and their tables must be equal. --bulk-days N folds the first N days in one go (one
untimed score) and times the days after it. Prints each day's seconds, then one JSON line with
medians, totals and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import table, world_and_store

from fraudlink.detect.sims import score_sims
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.engine.replay import arrival_expr
from fraudlink.store import Store

# Feeds `score_sims` reads, with the time each row becomes known (as the replay has it).
SCORED_FEEDS = ("sim_cards", "victim_reports", "case_confirmations", "seized_evidence",
                "member_flags", "calls")  # fmt: skip
KNOWN_AT = {f: arrival_expr(f) for f in SCORED_FEEDS}


def append(store: Store, start: datetime, end: datetime) -> int:
    """Copy the rows known in (start, end] from the attached source `src`; return the calls."""
    con, p = store.con, [start, end]
    for feed, at in KNOWN_AT.items():
        con.execute(f"insert into {feed} by name select * from src.{feed} "
                    f"where {at} > ? and {at} <= ? order by {at}", p)  # fmt: skip
    con.execute("insert into report_indicators by name select i.* from src.report_indicators i "
                "join src.victim_reports r using (report_id) "
                "where r.reported_at > ? and r.reported_at <= ?", p)  # fmt: skip
    n = con.execute("select count(*) from calls").fetchall()[0][0]
    return int(n)


def timed_pair(book: SimScoreBook, store: Store, cut: datetime) -> tuple[float, float]:
    """Seconds for the book's and `score_sims`'s tables at `cut`, which must be equal."""
    t0 = time.perf_counter()
    ours = book.score(cut)
    t1 = time.perf_counter()
    peer = score_sims(store, cut)
    t2 = time.perf_counter()
    if not ours.equals(peer):
        raise SystemExit(f"tables differ at {cut}")
    return t1 - t0, t2 - t1


def main() -> None:
    """Replay the calls' period day by day, timing both scorers, and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", type=Path)
    ap.add_argument("--store", type=Path)
    ap.add_argument("--bulk-days", type=int, default=0)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 4GB, on a shared machine.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        if args.store is None:
            _, args.store = world_and_store(args, Path(tmp))
        with Store(Path(tmp) / "scratch.duckdb") as store:
            con = store.con
            if args.threads:
                con.execute(f"set threads = {args.threads}")
            if args.memory_limit:
                con.execute(f"set memory_limit = '{args.memory_limit}'")
                con.execute(f"set temp_directory = '{Path(tmp) / 'spill'}'")
            con.execute(f"attach '{args.store}' as src (read_only)")
            first, last = con.execute("select min(time), max(time) from src.calls").fetchall()[0]
            day0 = datetime.combine(first.date(), datetime.min.time(), first.tzinfo)
            cuts = [day0 + timedelta(days=i + 1) for i in range((last - day0).days + 1)]
            book = SimScoreBook(store)
            prev = datetime(1900, 1, 1, tzinfo=first.tzinfo)
            if args.bulk_days:
                prev, cuts = cuts[args.bulk_days - 1], cuts[args.bulk_days :]
                append(store, datetime(1900, 1, 1, tzinfo=first.tzinfo), prev)
                t0 = time.perf_counter()
                book.score(prev)
                bulk_s = time.perf_counter() - t0
                print(f"bulk fold of {args.bulk_days} days: {bulk_s:.1f} s", file=sys.stderr)
            rows = [["day", "calls", "book_s", "score_sims_s", "ratio"]]
            ours, peer = [], []
            for cut in cuts:
                n = append(store, prev, cut)
                o, p = timed_pair(book, store, cut)
                ours.append(o)
                peer.append(p)
                rows.append([str(cut.date() - timedelta(days=1)), f"{n:,}", f"{o:.2f}",
                             f"{p:.2f}", f"{p / o:.1f}"])  # fmt: skip
                print("  ".join(rows[-1]), file=sys.stderr)
                prev = cut
            # One more scoring with nothing appended: the book must still agree.
            o, p = timed_pair(book, store, prev)
            threads = con.execute("select current_setting('threads')").fetchall()[0][0]
    print(table(rows))
    print(json.dumps({
        "store": str(args.store), "bulk_days": args.bulk_days, "days_timed": len(ours),
        "duckdb_threads": threads, "memory_limit": args.memory_limit, "equal_every_day": True,
        "book_median_s": round(statistics.median(ours), 2), "book_total_s": round(sum(ours), 1),
        "score_sims_median_s": round(statistics.median(peer), 2),
        "score_sims_total_s": round(sum(peer), 1), "total_ratio": round(sum(peer) / sum(ours), 1),
        "no_new_rows_s": {"book": round(o, 2), "score_sims": round(p, 2)},
    }))  # fmt: skip


if __name__ == "__main__":
    main()
