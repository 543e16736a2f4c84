"""The simulated city in memory: entity columns indexed by integer ids, and an event log.

Every generator module reads and extends one `World`. Entities are NumPy columns indexed
0..n-1 (person 17 is row 17 of every person column); references between entities are those
integer indices, with -1 for "none". Strings are made only where the feeds need them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudlink.simulate.config import SimConfig

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
CHINA_OFFSET_US = 8 * US_PER_HOUR  # China time is UTC+8; local hours shape daily rhythms.

Array = npt.NDArray[Any]


class Columns:
    """A growable table of equal-length NumPy columns."""

    def __init__(self, name: str, **columns: npt.ArrayLike) -> None:
        self.name = name
        self.cols: dict[str, Array] = {}
        if columns:
            self.cols = {k: np.asarray(v) for k, v in columns.items()}
            self._check()

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def __getitem__(self, key: str) -> Array:
        return self.cols[key]

    def __setitem__(self, key: str, value: npt.ArrayLike) -> None:
        arr = np.asarray(value)
        if self.cols and len(arr) != len(self):
            raise ValueError(f"{self.name}.{key}: {len(arr)} rows, table has {len(self)}")
        self.cols[key] = arr

    def __contains__(self, key: str) -> bool:
        return key in self.cols

    def add(self, **columns: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Append rows (every existing column must be given); return their new indices."""
        new = {k: np.asarray(v) for k, v in columns.items()}
        if not self.cols:
            self.cols = new
            self._check()
            return np.arange(len(self), dtype=np.int64)
        if set(new) != set(self.cols):
            missing = set(self.cols) ^ set(new)
            raise ValueError(f"{self.name}.add: columns differ from the table's: {sorted(missing)}")
        start = len(self)
        self.cols = {k: np.concatenate([self.cols[k], new[k]]) for k in self.cols}
        self._check()
        return np.arange(start, len(self), dtype=np.int64)

    def _check(self) -> None:
        lengths = {k: len(v) for k, v in self.cols.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{self.name}: columns of different lengths {lengths}")


# The in-memory contract of the big event logs: every generator appends these columns, and the
# log casts to these types (a scalar stands for the whole chunk), so no generator repeats it.
EVENT_COLUMNS: dict[str, dict[str, type]] = {
    "transactions": {"time": np.int64, "from_acc": np.int32, "to_acc": np.int32,
                     "amount": np.int64, "channel": np.int8, "terminal": np.int32},
    "calls": {"time": np.int64, "caller": np.int32, "callee": np.int32, "kind": np.int8,
              "duration_s": np.int32, "cell": np.int32},
    "logins": {"time": np.int64, "account_kind": np.int8, "account": np.int32,
               "device": np.int32, "ip": np.int32},
    "web_events": {"time": np.int64, "sim": np.int32, "kind": np.int8, "url": np.int32,
                   "app": np.int32},
}  # fmt: skip


class EventLog:
    """Events of one feed, gathered in chunks from many generators, sorted once at the end.

    `append` hands back provisional ids (append order). After `finish`, `final_ids` maps them to
    the published ids, which follow event time, so truth tables can point at events before the
    order is known.
    """

    def __init__(self, name: str, time_column: str = "time") -> None:
        self.name = name
        self.time_column = time_column
        self.dtypes = EVENT_COLUMNS.get(name, {})
        self.chunks: list[dict[str, Array]] = []
        self.count = 0
        self.order: npt.NDArray[np.int64] | None = None
        self.rank: npt.NDArray[np.int64] | None = None
        self.table: dict[str, Array] | None = None

    def append(self, **columns: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Add a chunk of events; return their provisional ids."""
        if self.table is not None:
            raise RuntimeError(f"{self.name}: log already finished")
        if self.dtypes and set(columns) != set(self.dtypes):
            raise ValueError(f"{self.name}.append: columns {sorted(columns)} are not the "
                             f"contract's {sorted(self.dtypes)}")  # fmt: skip
        n = len(np.asarray(columns[self.time_column]))
        chunk = {k: self._column(k, v, n) for k, v in columns.items()}
        if any(len(v) != n for v in chunk.values()):
            raise ValueError(f"{self.name}.append: columns of different lengths")
        if self.chunks and set(chunk) != set(self.chunks[0]):
            raise ValueError(
                f"{self.name}.append: columns {sorted(chunk)} differ from {sorted(self.chunks[0])}"
            )
        self.chunks.append(chunk)
        ids = np.arange(self.count, self.count + n, dtype=np.int64)
        self.count += n
        return ids

    def _column(self, name: str, values: npt.ArrayLike, n: int) -> Array:
        """A column of the chunk, in the contract's type; a scalar repeats for every row."""
        arr = np.asarray(values, dtype=self.dtypes.get(name))
        return np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr

    def finish(self) -> dict[str, Array]:
        """Concatenate, sort by time (ties by append order) and return the columns."""
        if self.table is None:
            if not self.chunks:
                self.table = {}
                self.order = np.zeros(0, dtype=np.int64)
            else:
                times = np.concatenate([c[self.time_column] for c in self.chunks])
                self.order = np.argsort(times, kind="stable")
                del times
                names = list(self.chunks[0])
                table: dict[str, Array] = {}
                # Column by column, releasing each column's chunks as soon as it is sorted, so
                # peak memory stays near one copy of the log rather than two.
                for name in names:
                    col = np.concatenate([c.pop(name) for c in self.chunks])
                    table[name] = col[self.order]
                    del col
                self.table = table
            self.rank = np.empty_like(self.order)
            self.rank[self.order] = np.arange(len(self.order), dtype=self.order.dtype)
            self.chunks = []
        return self.table

    def final_ids(self, provisional: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Published ids (1-based, in time order) of events given their provisional ids."""
        self.finish()
        assert self.rank is not None
        return self.rank[np.asarray(provisional, dtype=np.int64)] + 1


@dataclass
class World:
    """The city being simulated: configuration, random streams, entities, events and truth."""

    cfg: SimConfig
    seed: int
    entities: dict[str, Columns] = field(default_factory=dict)
    events: dict[str, EventLog] = field(default_factory=dict)
    truth: dict[str, Columns] = field(default_factory=dict)
    # Free-form facts one generator leaves for a later one (e.g. den cells, gang cards).
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def start_us(self) -> int:
        """Start of the period, microseconds since the epoch (UTC)."""
        return int(self.cfg.start.timestamp()) * US_PER_SECOND

    @property
    def end_us(self) -> int:
        """End of the period (exclusive), microseconds since the epoch (UTC)."""
        return self.start_us + self.cfg.world.days * US_PER_DAY

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random stream per generator, so modules do not disturb each other."""
        digest = hashlib.sha256(stream.encode()).digest()
        return np.random.default_rng([self.seed, int.from_bytes(digest[:8], "little")])

    def entity(self, name: str) -> Columns:
        """The entity table of that name, created empty on first use."""
        return self.entities.setdefault(name, Columns(name))

    def log(self, name: str, time_column: str = "time") -> EventLog:
        """The event log of that feed, created on first use."""
        if name not in self.events:
            self.events[name] = EventLog(name, time_column)
        return self.events[name]

    def truth_table(self, name: str) -> Columns:
        """The truth table of that name, created empty on first use."""
        return self.truth.setdefault(name, Columns(name))

    def datetime(self, us: int) -> dt.datetime:
        """A UTC datetime from microseconds since the epoch."""
        return dt.datetime.fromtimestamp(us / US_PER_SECOND, tz=dt.UTC)


def sample_mix(rng: np.random.Generator, mix: dict[str, float], n: int) -> npt.NDArray[np.int64]:
    """Draw n indices into the mix's keys (in their written order) with the mix's shares."""
    p = np.array(list(mix.values()), dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def mix_keys(mix: dict[str, float]) -> list[str]:
    """The keys of a mix, in the order `sample_mix` indexes them."""
    return list(mix)


def lognormal_fen(
    rng: np.random.Generator, median_yuan: float, sigma: float, n: int, round_to_fen: int = 1
) -> npt.NDArray[np.int64]:
    """Log-normal amounts in fen around a median in yuan, at least 1 yuan."""
    yuan = rng.lognormal(np.log(max(median_yuan, 0.01)), sigma, n)
    fen = np.maximum(np.round(yuan * 100 / round_to_fen) * round_to_fen, 100)
    return fen.astype(np.int64)


def daily_times(
    rng: np.random.Generator,
    day_us: npt.NDArray[np.int64],
    night_share: float,
) -> npt.NDArray[np.int64]:
    """Times within the given UTC day starts, shaped by a China-time daily rhythm."""
    n = len(day_us)
    night = rng.random(n) < night_share
    # Daytime activity 07:00-23:00 China time peaks around midday and evening.
    local_hour = np.where(
        night, rng.uniform(0, 6, n), np.clip(rng.normal(14.5, 3.8, n), 6.0, 23.99)
    )
    offset = (local_hour * US_PER_HOUR).astype(np.int64) - CHINA_OFFSET_US
    return day_us + offset + rng.integers(0, US_PER_SECOND, n)


def concat_strings(parts: Iterable[npt.ArrayLike]) -> npt.NDArray[np.str_]:
    """Element-wise string concatenation of several columns."""
    it = iter(parts)
    out = np.asarray(next(it)).astype(str)
    for p in it:
        out = np.char.add(out, np.asarray(p).astype(str))
    return out
