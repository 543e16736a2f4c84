"""Benchmark: rapid comparison on a 10M-row indicator index, against DuckDB in the same run.

Run: uv run python benchmarks/bench_match.py [--rows 10000000] [--queries 1000000] [--repeat 3]

(a) Bulk: 1M query node ids (half known, half unknown) through `IndicatorIndex.lookup_many`;
    peer: a DuckDB hash join of the same queries against the same rows in a DuckDB table.
(b) Single: 100,000 random `lookup()` calls, p50/p99 in µs; peer: the same kind of lookup as a
    DuckDB point query on the node_id column with an ART index (a few thousand of them).
The rows are synthetic but valid: phone numbers and Luhn card numbers built vectorised.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.match.index import IndicatorIndex
from fraudlink.model.identifiers._vector import affine_serials, make_luhn_numbers, make_phones

T = TypeVar("T")
SOURCES = np.array(["report", "case", "seized", "member:ICBC", "member:CMCC", "engine:simbox"])


def rss_mib() -> float:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def node_ids(n_phones: int, n_cards: int, rng: np.random.Generator, prefix: str) -> pa.Array:
    """Distinct phone and card node ids; `prefix` is the phones' network prefix."""
    phones = make_phones(np.full(n_phones, prefix), affine_serials(n_phones, 10**8, rng))
    cards = make_luhn_numbers(np.array("622202"), affine_serials(n_cards, 10**12, rng), 19)
    # Columns this long come back from NumPy in chunks.
    tel = pc.binary_join_element_wise("tel:+86", pa.chunked_array([pa.array(phones)]), "")
    card = pc.binary_join_element_wise("card:", pa.chunked_array([pa.array(cards)]), "")
    return pa.concat_arrays([*tel.chunks, *card.chunks])


def indicator_table(n_rows: int, rng: np.random.Generator) -> pa.Table:
    """n_rows indicator rows over about 0.8 n_rows distinct identifiers."""
    distinct = int(n_rows * 0.8)
    ids = node_ids(distinct * 6 // 10, distinct - distinct * 6 // 10, rng, "138")
    # The other fifth are second and later hits on identifiers already there.
    repeat = pa.array(rng.integers(0, distinct, n_rows - distinct))
    nodes = pa.concat_arrays([ids, ids.take(repeat)])
    kind = pc.if_else(pc.starts_with(nodes, "tel:"), "phone", "account")
    src_ix = rng.integers(0, len(SOURCES), n_rows)
    ref_ix = rng.integers(0, 50_000, n_rows)
    refs = pa.DictionaryArray.from_arrays(
        pa.array(ref_ix.astype(np.int32)), pa.array([f"R{i:08d}" for i in range(50_000)])
    ).cast(pa.string())
    source = pa.DictionaryArray.from_arrays(
        pa.array(src_ix.astype(np.int32)), pa.array(SOURCES)
    ).cast(pa.string())
    report = pc.if_else(pc.equal(source, "report"), refs, pa.scalar(None, pa.string()))
    t0 = np.datetime64("2026-03-01T00:00:00", "us")
    times = t0 + rng.integers(0, 30 * 86400 * 10**6, n_rows).astype("timedelta64[us]")
    return pa.table(
        {
            "node_id": nodes,
            "kind": kind,
            "value": pc.replace_substring_regex(nodes, "^[a-z]+:(\\+86)?", ""),
            "source": source,
            "ref": refs,
            "report_id": report,
            "time": pa.array(times, pa.timestamp("us", tz="UTC")),
            "confidence": pa.array(np.full(n_rows, 0.8)),
        }
    )


def queries(rows: pa.Table, n: int, rng: np.random.Generator) -> pa.Array:
    """n query node ids: half drawn from the table, half unknown phones (another prefix)."""
    known = rows.column("node_id").take(pa.array(rng.integers(0, rows.num_rows, n // 2)))
    unknown = node_ids(n - n // 2, 0, rng, "139")
    q = pa.concat_arrays([known.combine_chunks(), unknown])
    return q.take(pa.array(rng.permutation(n)))


def timed(fn: Callable[..., T], *args: object) -> tuple[float, T]:
    """Seconds for one call, and its result."""
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def single_us(lookup: Callable[[str], object], ids: list[str]) -> tuple[float, float]:
    """p50 and p99 in µs of one call of `lookup` per id."""
    lat = np.empty(len(ids))
    clock = time.perf_counter_ns
    for i, nid in enumerate(ids):
        t0 = clock()
        lookup(nid)
        lat[i] = clock() - t0
    p50, p99 = np.percentile(lat, [50, 99]) / 1000
    return float(p50), float(p99)


def main() -> None:
    """Build, time both sides, print one JSON line of medians."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--queries", type=int, default=1_000_000)
    ap.add_argument("--single", type=int, default=100_000)
    ap.add_argument("--peer-single", type=int, default=3_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    rows = indicator_table(args.rows, rng)
    q = queries(rows, args.queries, rng)
    rss0 = rss_mib()
    build_s, index = timed(IndicatorIndex, rows)
    rss_index = rss_mib() - rss0

    con = duckdb.connect()
    con.register("rows_arrow", rows)
    con.execute("create table t as select * from rows_arrow")
    con.register("q_arrow", pa.table({"query_row": pa.array(np.arange(len(q))), "node_id": q}))
    con.execute("create table q as select * from q_arrow")
    join_sql = "select q.query_row, t.* from q join t using (node_id)"
    ours, peer, hits = [], [], 0
    for _ in range(args.repeat):
        s, out = timed(index.lookup_many, q)
        ours.append(s)
        hits = out.num_rows
        s, got = timed(lambda: con.sql(join_sql).to_arrow_table())
        peer.append(s)
        assert got.num_rows == hits, (got.num_rows, hits)

    sample = q.take(pa.array(rng.integers(0, len(q), args.single))).to_pylist()
    p50, p99 = single_us(index.lookup, sample)
    t0 = time.perf_counter()
    con.execute("create index t_node on t (node_id)")
    art_s = time.perf_counter() - t0

    def point(nid: str) -> object:
        return con.execute("select * from t where node_id = ?", [nid]).fetchall()

    d50, d99 = single_us(point, sample[: args.peer_single])
    print(
        json.dumps(
            {
                "bench": "match",
                "rows": rows.num_rows,
                "identifiers": len(index),
                "queries": len(q),
                "hits": hits,
                "build_s": round(build_s, 2),
                "index_rss_mib": round(rss_index),
                "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "bulk_s": round(statistics.median(ours), 3),
                "duckdb_join_s": round(statistics.median(peer), 3),
                "single_p50_us": round(p50, 1),
                "single_p99_us": round(p99, 1),
                "duckdb_art_build_s": round(art_s, 2),
                "duckdb_point_p50_us": round(d50, 1),
                "duckdb_point_p99_us": round(d99, 1),
                "repeat": args.repeat,
            }
        )
    )


if __name__ == "__main__":
    main()
