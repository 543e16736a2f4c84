"""Benchmark: the accounts' weekly payment figures, kept by folds (`LedgerFigures`) against
counted afresh (`account_ledger_of`), on the same payments in the same process.

Run: uv run python benchmarks/bench_ledger_figures.py --store DB --as-of 2026-03-08
     --as-of 2026-03-15 --as-of 2026-03-22 --as-of 2026-03-29 [--repeat 1] [--json FILE]
     (DB from ingesting `fraudlink simulate --preset city`, opened read only; without --store a
     demo world is simulated and ingested; without --as-of, every seventh midnight UTC from the
     first transaction's day on, until one after the last transaction)

The engine scores every account weekly from its ledger book, which grows by payments appended
in time order with accounts numbered as first seen. The store's transactions are loaded in
that order (`order by time, txn_id`; not timed) as the book's columns, accounts renumbered as
the book numbers them. At each --as-of, in order, on the payments up to it: the peer is
`account_ledger_of` over all of them; ours is `LedgerFigures.update`, one book kept over the
run, folding in the payments since the previous --as-of. Same means `Table.equals`: schema,
row order and every value, bit for bit. Times (wall and CPU seconds) are medians over --repeat
runs, each with a fresh book; the totals add up the --as-of dates, as the engine's month does.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
from common import table, world_and_store, world_arguments

from fraudlink.detect.accounts_ledger import NO_ACCOUNT, PaymentColumns, payment_columns
from fraudlink.detect.accounts_ledger import account_ledger_of as peer
from fraudlink.detect.ledger_figures import LedgerFigures
from fraudlink.store import Store
from fraudlink.store.arrays import epoch_us

COLUMNS = "from_account, to_account, time, amount_fen, channel"


class Seconds(NamedTuple):
    """Wall-clock and CPU (all threads) seconds: on a shared machine CPU time is the steadier."""

    wall: float
    cpu: float


class Step(NamedTuple):
    """One date of a run: both sides' seconds and whether their tables were the same."""

    peer: Seconds
    ours: Seconds
    same: bool


def timed(fn: Callable[[], Any]) -> tuple[Seconds, Any]:
    """Wall and CPU seconds for one call, and its result."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return Seconds(time.perf_counter() - w0, time.process_time() - c0), out


def book_columns(store: Store, until: datetime) -> PaymentColumns:
    """The payments up to `until` in time order, accounts numbered as the ledger book does: in
    the order first seen, a payment's payer before its payee."""
    p = payment_columns(store.arrow(
        f"select {COLUMNS} from transactions where time <= ? order by time, txn_id", [until]
    ))  # fmt: skip
    n = len(p.payer)
    seen = np.empty(2 * n, np.int64)
    seen[0::2], seen[1::2] = p.payer, p.payee
    first = np.full(len(p.accounts), np.iinfo(np.int64).max, np.int64)
    named = seen != NO_ACCOUNT
    np.minimum.at(first, seen[named], np.flatnonzero(named))
    order = np.argsort(first, kind="stable")
    renumber = np.empty(len(order), np.int64)
    renumber[order] = np.arange(len(order))
    payee = np.where(p.payee == NO_ACCOUNT, NO_ACCOUNT, renumber[p.payee])
    return PaymentColumns(accounts=p.accounts.take(pa.array(order)), payer=renumber[p.payer],
                          payee=payee, time_us=p.time_us, amount_fen=p.amount_fen,
                          cash_out=p.cash_out)  # fmt: skip


def prefix(p: PaymentColumns, as_of: datetime) -> PaymentColumns:
    """The payments up to `as_of` and the accounts seen by then, as the book holds them then."""
    end = int(np.searchsorted(p.time_us, epoch_us(as_of), "right"))
    n_acc = max(int(p.payer[:end].max(initial=-1)), int(p.payee[:end].max(initial=-1))) + 1
    return PaymentColumns(accounts=p.accounts.slice(0, n_acc), payer=p.payer[:end],
                          payee=p.payee[:end], time_us=p.time_us[:end],
                          amount_fen=p.amount_fen[:end], cash_out=p.cash_out[:end])  # fmt: skip


def one_run(payments: PaymentColumns, dates: list[datetime]) -> list[Step]:
    """Both sides at each date, one fresh book kept over the run."""
    book = LedgerFigures()
    out = []
    for as_of in dates:
        p = prefix(payments, as_of)
        peer_s, want = timed(partial(peer, p, as_of))
        ours_s, got = timed(partial(book.update, p, as_of))
        out.append(Step(peer_s, ours_s, bool(got.equals(want))))
        del want, got
    return out


def weekly(store: Store) -> list[datetime]:
    """Every seventh midnight UTC after the first transaction's day, up to one past the last."""
    [(lo, hi)] = store.con.execute("select min(time), max(time) from transactions").fetchall()
    day = datetime(lo.year, lo.month, lo.day, tzinfo=UTC)
    dates = [day + timedelta(days=7)]
    while dates[-1] <= hi:
        dates.append(dates[-1] + timedelta(days=7))
    return dates


def parse_as_of(text: str) -> datetime:
    """An ISO date or time, UTC unless it says otherwise."""
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def median(runs: list[Seconds]) -> Seconds:
    """The median wall and the median CPU seconds of some runs."""
    return Seconds(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs))


def figures(peer_s: Seconds, ours_s: Seconds, same: bool) -> dict[str, Any]:
    """Both sides' seconds, their ratio and whether the tables were the same."""
    return {"peer_s": round(peer_s.wall, 3), "peer_cpu_s": round(peer_s.cpu, 3),
            "ours_s": round(ours_s.wall, 3), "ours_cpu_s": round(ours_s.cpu, 3),
            "ratio": round(peer_s.wall / ours_s.wall, 2), "identical": same}  # fmt: skip


def summary(payments: PaymentColumns, dates: list[datetime], runs: list[list[Step]]) -> dict:
    """The medians at each date and their totals over the dates."""
    per_date, before = {}, 0
    peer_total, ours_total = Seconds(0.0, 0.0), Seconds(0.0, 0.0)
    for i, as_of in enumerate(dates):
        n = int(np.searchsorted(payments.time_us, epoch_us(as_of), "right"))
        peer_s, ours_s = median([r[i].peer for r in runs]), median([r[i].ours for r in runs])
        peer_total = Seconds(peer_total.wall + peer_s.wall, peer_total.cpu + peer_s.cpu)
        ours_total = Seconds(ours_total.wall + ours_s.wall, ours_total.cpu + ours_s.cpu)
        same = all(r[i].same for r in runs)
        per_date[as_of.isoformat()] = {"payments": n, "new": n - before}
        per_date[as_of.isoformat()] |= figures(peer_s, ours_s, same)
        before = n
    same = all(d["identical"] for d in per_date.values())
    return {"dates": per_date, "total": figures(peer_total, ours_total, same)}


def text_table(out: dict[str, Any]) -> str:
    """The figures as a text table, a row per date and one of totals."""
    names = ["peer_s", "peer_cpu_s", "ours_s", "ours_cpu_s", "ratio", "identical"]
    rows = [["as_of", "payments", "new", *names]]
    for name, d in [*out["dates"].items(), ("total", out["total"])]:
        counts = [str(d.get("payments", "")), str(d.get("new", ""))]
        rows.append([name, *counts, *(f"{d[k]:.2f}" if k != "identical" else str(d[k])
                                      for k in names)])  # fmt: skip
    return table(rows)


def main() -> None:
    """Time both sides at each --as-of and print a table and one JSON line."""
    ap = world_arguments(repeat=1)
    ap.add_argument("--as-of", action="append", type=parse_as_of, default=[])
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        db = args.store if args.store is not None else world_and_store(args, Path(tmp))[1]
        with Store(db, read_only=True) as store:
            dates = sorted(args.as_of) or weekly(store)
            load_s, payments = timed(lambda: book_columns(store, dates[-1]))
    runs = [one_run(payments, dates) for _ in range(args.repeat)]
    out = {"store": str(args.store or "demo (simulated)"), "repeat": args.repeat}
    out |= summary(payments, dates, runs)
    print(f"payments loaded in time order in {load_s.wall:.1f} s (not timed)")
    print(f"{text_table(out)}\n")
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", "utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
