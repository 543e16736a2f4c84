"""The in-memory indicator index: every known identifier's hits, looked up in microseconds.

The engine asks "is this number known?" on every event, so the index lives in memory
(architecture.md, performance habits): the hits are one Arrow table sorted by node id, and a
Python dict maps each node id to its run of rows. New rows (`add`) go to a pending chunk with
their own dict, seen by lookups at once; the pending chunk is merged in when it grows large.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.match.sources import INDICATOR_COLUMNS, indicator_rows
from fraudlink.store.compute import compute_connection

if TYPE_CHECKING:
    from fraudlink.store import Store

SCHEMA = pa.schema(
    [
        ("node_id", pa.string()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("source", pa.string()),
        ("ref", pa.string()),
        ("report_id", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("confidence", pa.float64()),
    ]
)
assert tuple(SCHEMA.names) == INDICATOR_COLUMNS

# Merge the pending chunk into the sorted table once it holds this many rows (or a quarter of
# the table): below that, the per-row pending dict is cheaper than a re-sort.
COMPACT_MIN_ROWS = 200_000
# From this many queries on, `lookup_many` joins in DuckDB instead of probing the dict per query.
BULK_JOIN_FROM = 100_000

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Hit:
    """One record that knows an identifier: where it came from and how sure it is."""

    node_id: str
    kind: str
    value: str
    source: str
    ref: str
    report_id: str | None
    time: dt.datetime | None
    confidence: float


def conform(rows: pa.Table) -> pa.Table:
    """Indicator rows in the index's column order and types."""
    return rows.select(list(INDICATOR_COLUMNS)).cast(SCHEMA)


def _id_list(node_ids: pa.Array | pa.ChunkedArray | Iterable[str]) -> list[str | None]:
    if isinstance(node_ids, pa.Array | pa.ChunkedArray):
        return node_ids.to_pylist()
    return list(node_ids)


class IndicatorIndex:
    """Known identifiers and their hits, in memory; built from indicator rows."""

    def __init__(self, rows: pa.Table | None = None) -> None:
        self._build(conform(rows) if rows is not None else SCHEMA.empty_table())

    @classmethod
    def from_store(cls, store: Store) -> IndicatorIndex:
        """The index of everything the store knows (see `sources.indicator_rows`)."""
        return cls(indicator_rows(store))

    def _build(self, rows: pa.Table) -> None:
        order = pc.sort_indices(rows, [("node_id", "ascending"), ("time", "ascending")])
        table = rows.take(order).combine_chunks()
        ids = table.column("node_id").combine_chunks()
        n = len(ids)
        # Runs of equal node ids in the sorted column: group g spans rows starts[g]:starts[g+1].
        change = np.ones(n, dtype=bool)
        if n > 1:
            change[1:] = np.asarray(pc.not_equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False))
        firsts = np.flatnonzero(change)
        self._starts: IntArray = np.append(firsts, n).astype(np.int64)
        # Values are group numbers, not (start, stop) tuples: a tuple per key would double the
        # memory of a 10M-identifier index for no faster lookup.
        self._groups: dict[str | None, int] = dict(
            zip(ids.take(pa.array(firsts)).to_pylist(), range(len(firsts)), strict=True)
        )
        self._main = table
        self._pending: list[pa.Table] = []
        self._pending_rows: dict[str | None, list[int]] = {}
        self._n_pending = 0
        self._all: pa.Table = table

    # -- changes --------------------------------------------------------------------------

    def add(self, rows: pa.Table) -> None:
        """Add new indicator rows (a new report, a new suspicion); lookups see them at once."""
        rows = conform(rows)
        base = self._main.num_rows + self._n_pending
        pending = self._pending_rows
        for i, nid in enumerate(rows.column("node_id").to_pylist()):
            pending.setdefault(nid, []).append(base + i)
        self._pending.append(rows)
        self._n_pending += rows.num_rows
        self._all = pa.concat_tables([self._main, *self._pending])
        if self._n_pending >= max(COMPACT_MIN_ROWS, self._main.num_rows // 4):
            self.compact()

    def compact(self) -> None:
        """Merge the pending rows into the sorted table."""
        if self._n_pending:
            self._build(self._all)

    # -- lookups ----------------------------------------------------------------------------

    def _rows_of(self, node_id: str) -> list[int] | range:
        g = self._groups.get(node_id)
        main = range(int(self._starts[g]), int(self._starts[g + 1])) if g is not None else range(0)
        extra = self._pending_rows.get(node_id) if self._n_pending else None
        return [*main, *extra] if extra else main

    def lookup(self, node_id: str) -> list[Hit]:
        """Every hit on one node id, oldest first (pending rows last)."""
        rows = self._rows_of(node_id)
        if not rows:
            return []
        if isinstance(rows, range):
            part = self._main.slice(rows.start, len(rows))
        else:
            part = self._all.take(pa.array(rows, pa.int64()))
        return [Hit(**r) for r in part.to_pylist()]

    def lookup_many(self, node_ids: pa.Array | pa.ChunkedArray | Iterable[str]) -> pa.Table:
        """One row per hit of each query, with `query_row` (the query's position) first."""
        if isinstance(node_ids, pa.Array | pa.ChunkedArray) and len(node_ids) >= BULK_JOIN_FROM:
            return self._join_many(node_ids)
        ids = _id_list(node_ids)
        get = self._groups.get
        g = np.fromiter(map(get, ids, repeat(-1)), dtype=np.int64, count=len(ids))
        qrow = np.flatnonzero(g >= 0)
        starts = self._starts[g[qrow]]
        counts = self._starts[g[qrow] + 1] - starts
        # Row r of the answer is starts[q] + (r - first answer row of q), all in NumPy.
        out_first = np.cumsum(counts) - counts
        query_row = np.repeat(qrow, counts)
        take = np.repeat(starts - out_first, counts) + np.arange(int(counts.sum()), dtype=np.int64)
        if self._n_pending:
            query_row, take = self._with_pending(ids, query_row, take)
        hits = self._all.take(pa.array(take, pa.int64()))
        return hits.add_column(0, "query_row", pa.array(query_row, pa.int64()))

    def _join_many(self, node_ids: pa.Array | pa.ChunkedArray) -> pa.Table:
        """Bulk lookups as one parallel hash join: past ~10^5 queries, faster than the dict."""
        con = compute_connection()
        hits = self._all.append_column("_pos", pa.array(np.arange(self._all.num_rows)))
        queries = pa.table({"query_row": pa.array(np.arange(len(node_ids))), "node_id": node_ids})
        con.register("index_hits", hits)
        con.register("index_queries", queries)
        try:
            # Same order as the dict path: by query, then by the hit's place in the index.
            joined = con.sql(
                "select q.query_row, h.* exclude (_pos) from index_queries q "
                "join index_hits h using (node_id) order by q.query_row, h._pos"
            ).to_arrow_table()
        finally:
            con.unregister("index_hits")
            con.unregister("index_queries")
        return joined.select(["query_row", *INDICATOR_COLUMNS]).cast(
            pa.schema([("query_row", pa.int64()), *SCHEMA])
        )

    def _with_pending(
        self, ids: list[str | None], query_row: IntArray, take: IntArray
    ) -> tuple[IntArray, IntArray]:
        pending = self._pending_rows
        extra = [(q, r) for q, nid in enumerate(ids) if nid in pending for r in pending[nid]]
        if not extra:
            return query_row, take
        ex = np.array(extra, dtype=np.int64)
        qr = np.concatenate([query_row, ex[:, 0]])
        # Stable: each query's hits stay together, sorted-table rows before pending ones.
        order = np.argsort(qr, kind="stable")
        return qr[order], np.concatenate([take, ex[:, 1]])[order]

    def known(self, node_ids: pa.Array | pa.ChunkedArray | Iterable[str]) -> npt.NDArray[np.bool_]:
        """Whether each node id has at least one hit."""
        ids = _id_list(node_ids)
        groups, pending = self._groups, self._pending_rows
        return np.fromiter(
            (nid in groups or nid in pending for nid in ids), dtype=bool, count=len(ids)
        )

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._groups or node_id in self._pending_rows

    def __len__(self) -> int:
        """The number of distinct identifiers."""
        return len(self._groups) + sum(1 for k in self._pending_rows if k not in self._groups)

    @property
    def num_hits(self) -> int:
        """The number of hit rows."""
        return self._all.num_rows

    @property
    def table(self) -> pa.Table:
        """All hit rows (sorted rows, then pending ones)."""
        return self._all

    def kinds(self) -> dict[str, int]:
        """Distinct identifiers per kind."""
        counts = self._all.group_by("kind").aggregate([("node_id", "count_distinct")])
        pairs = zip(
            counts["kind"].to_pylist(), counts["node_id_count_distinct"].to_pylist(), strict=True
        )
        return dict(sorted(pairs))
