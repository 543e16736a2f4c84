"""Benchmark: dense ids for the books' account numbers and phone numbers, against the old ways.

Run at city: uv run python benchmarks/bench_string_ids.py --store /tmp/city.duckdb [--rows N]
     [--repeat 3]
     (without --store a demo world is simulated and ingested; the store is opened read only)

Two workloads, as the engine's books meet them:
- accounts: the first --rows transactions in time order, in 17,500-row inserts (a 5-minute batch
  at city), each insert's payers and payees numbered together (`LedgerBook`);
- numbers: the calls' callers and callees in daily pieces of 2 M calls (`SimScoreBook`).
Ours: `store.string_ids.StringIds` (digit strings found by binary search on their own value).
Peers, the engines' code until 2026-12-01, kept here: for accounts, Arrow's dictionary of each
insert and a Python dict lookup per distinct account; for numbers, `pyarrow.compute.index_in`
against every number seen. Every id must be the same. Seconds for the whole workload, medians
over --repeat passes; the ratio is peer / ours.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import repeat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from common import table, world_and_store, world_arguments

from fraudlink.store import Store
from fraudlink.store.arrays import NO_ID
from fraudlink.store.string_ids import StringIds

INSERT_ROWS = 17_500
CALL_ROWS = 2_000_000


class DictIds:
    """Peer for accounts: one Arrow dictionary per insert, a dict lookup per distinct string."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def ids(self, values: pa.Array) -> np.ndarray:
        """Each string's id, new strings numbered as they first appear."""
        enc = pc.dictionary_encode(values)
        names = enc.dictionary.to_pylist()
        got = np.fromiter(map(self.codes.get, names, repeat(NO_ID)), np.int64, len(names))
        new = np.flatnonzero(got == NO_ID)
        n = len(self.codes)
        got[new] = np.arange(n, n + len(new), dtype=np.int64)
        self.codes.update(zip([names[i] for i in new.tolist()], got[new].tolist(), strict=True))
        idx = pc.fill_null(enc.indices, len(names)).to_numpy(zero_copy_only=False)
        return np.append(got, NO_ID)[idx]


class IndexInIds:
    """Peer for numbers: `index_in` against every string seen so far."""

    def __init__(self) -> None:
        self.values = pa.array([], pa.string())

    def ids(self, values: pa.Array) -> np.ndarray:
        """Each string's id, new strings numbered as they first appear."""
        out = pc.index_in(values, value_set=self.values).fill_null(-1).to_numpy().astype(np.int64)
        missing = np.flatnonzero(out < 0)
        if len(missing):
            fresh = values.take(missing)
            new = pc.unique(fresh)
            out[missing] = pc.index_in(fresh, value_set=new).to_numpy() + len(self.values)
            self.values = pa.concat_arrays([self.values, new])
        return out


def pieces(store: Store, rows: int) -> dict[str, list[pa.Array]]:
    """Each workload's pieces, payers and payees (callers and callees) side by side."""
    ledger = store.arrow(
        f"select from_account, to_account from transactions order by time, txn_id limit {rows}"
    )
    calls = store.arrow("select caller, callee from calls order by time, call_id")

    def cut(t: pa.Table, a: str, b: str, size: int) -> list[pa.Array]:
        return [pa.concat_arrays([t[a].slice(i, size).combine_chunks(),
                                  t[b].slice(i, size).combine_chunks()]).cast(pa.string())
                for i in range(0, t.num_rows, size)]  # fmt: skip

    return {
        "accounts": cut(ledger, "from_account", "to_account", INSERT_ROWS),
        "numbers": cut(calls, "caller", "callee", CALL_ROWS),
    }


def one_pass(make: Callable[[], object], feed: list[pa.Array]) -> tuple[float, list[np.ndarray]]:
    """Seconds to number every piece with a fresh dictionary, and the ids it gave."""
    ids = make()
    t = time.perf_counter()
    got = [ids.ids(p) for p in feed]  # type: ignore[attr-defined]
    return time.perf_counter() - t, got


def main() -> None:
    """Number each workload with ours and its peer in turn; print medians and the ratios."""
    ap = world_arguments(repeat=3)
    ap.add_argument("--rows", type=int, default=4_000_000, help="transactions to number")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fraudlink-bench-") as tmp:
        db = args.store if args.store is not None else world_and_store(args, Path(tmp))[1]
        with Store(db, read_only=True) as store:
            feeds = pieces(store, args.rows)
    peers = {"accounts": DictIds, "numbers": IndexInIds}
    rows = [["workload", "pieces", "strings", "peer s", "ours s", "ratio peer/ours", "same ids"]]
    out = {}
    for name, feed in feeds.items():
        ours, peer, same = [], [], True
        for _ in range(args.repeat):
            s, a = one_pass(peers[name], feed)
            peer.append(s)
            s, b = one_pass(StringIds, feed)
            ours.append(s)
            same &= all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
        o, p = statistics.median(ours), statistics.median(peer)
        n = sum(len(x) for x in feed)
        rows.append([name, str(len(feed)), f"{n:,}", f"{p:.2f}", f"{o:.2f}", f"{p / o:.2f}",
                     str(same)])  # fmt: skip
        out[name] = {"pieces": len(feed), "strings": n, "peer_s": round(p, 3),
                     "ours_s": round(o, 3), "ratio": round(p / o, 2), "same": same}  # fmt: skip
    print(table(rows))
    print(json.dumps({"bench": "string_ids", "store": str(args.store or "demo (simulated)"),
                      **out}))  # fmt: skip


if __name__ == "__main__":
    main()
