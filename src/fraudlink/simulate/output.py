"""Writing the world: feeds to `DIR/feeds/`, truth to `DIR/truth/`, as Parquet per the model.

Entities and events live in memory as integer-indexed columns; strings are made here, by
taking from the entity's identifier column, so the hot event tables never hold Python strings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fraudlink.model import enums
from fraudlink.model.schema import Table
from fraudlink.model.tables import FEED_TABLES, TRUTH
from fraudlink.simulate.world import US_PER_DAY, World

ROW_GROUP = 1_000_000
Columns = dict[str, Any]


def ref(values: pa.Array | np.ndarray, idx: np.ndarray) -> pa.Array:
    """Strings of the referenced entities; index -1 gives null."""
    idx = np.asarray(idx)
    dictionary = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return pc.take(dictionary, pa.array(idx, mask=idx < 0, type=pa.int64()))


def ts(us: np.ndarray, null_below: int | None = None) -> pa.Array:
    """UTC timestamps from microseconds since the epoch; values below `null_below` are null."""
    us = np.asarray(us, dtype=np.int64)
    mask = us < null_below if null_below is not None else None
    return pa.array(us, type=pa.timestamp("us", tz="UTC"), mask=mask)


def code(vocabulary: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Strings of a closed vocabulary from their integer codes."""
    return ref(pa.array(list(vocabulary), pa.string()), np.asarray(codes, dtype=np.int64))


def nullable_str(values: np.ndarray) -> pa.Array:
    """Strings, with the empty string as null."""
    values = np.asarray(values)
    return pa.array(values, type=pa.string(), mask=values == "")


class Resolver:
    """Per-table functions that turn the world's columns into the feed or truth columns."""

    def __init__(self, world: World) -> None:
        self.w = world
        self._strings: dict[tuple[str, str], pa.Array] = {}

    def s(self, entity: str, column: str) -> pa.Array:
        """An entity's string column as Arrow, built once."""
        key = (entity, column)
        if key not in self._strings:
            self._strings[key] = pa.array(self.w.entity(entity)[column], pa.string())
        return self._strings[key]

    def e(self, name: str) -> Any:
        return self.w.entity(name)


def _write(table: Table, columns: Columns, path: Path) -> int:
    arrays = []
    n = None
    for col in table.columns:
        value = columns[col.name]
        arr = value if isinstance(value, pa.Array | pa.ChunkedArray) else pa.array(value)
        if arr.type != col.arrow_type:
            arr = arr.cast(col.arrow_type)
        arrays.append(arr)
        n = len(arr) if n is None else n
        if len(arr) != n:
            raise ValueError(f"{table.name}.{col.name}: {len(arr)} rows, expected {n}")
    pa_table = pa.Table.from_arrays(arrays, schema=table.arrow_schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa_table, path, compression="zstd", row_group_size=ROW_GROUP, write_statistics=True
    )
    return pa_table.num_rows


def write_world(
    world: World,
    out: Path,
    progress: Callable[[str], None] | None = None,
    builders: dict[str, Callable[[Resolver], Columns]] | None = None,
) -> dict[str, int]:
    """Write every feed and truth table; return row counts by table name."""
    from fraudlink.simulate.output_tables import BUILDERS

    r = Resolver(world)
    counts: dict[str, int] = {}
    for name, build in (builders or BUILDERS).items():
        table = FEED_TABLES.get(name) or TRUTH[name]
        folder = "feeds" if name in FEED_TABLES else "truth"
        counts[name] = _write(table, build(r), out / folder / f"{name}.parquet")
        if progress:
            progress(f"wrote {folder}/{name}.parquet ({counts[name]:,} rows)")
    return counts


def date32(days: np.ndarray) -> pa.Array:
    """Dates from days since the epoch."""
    return pa.array(np.asarray(days, dtype=np.int32), pa.date32())


def role_codes(vocab: tuple[str, ...]) -> dict[str, int]:
    """Code of each role in a truth vocabulary."""
    return {r: i for i, r in enumerate(vocab)}


__all__ = [
    "US_PER_DAY",
    "Resolver",
    "code",
    "date32",
    "enums",
    "nullable_str",
    "ref",
    "role_codes",
    "ts",
    "write_world",
]
