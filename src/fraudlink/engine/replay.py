"""Replay a store's feeds in event time, in micro-batches, so the engine sees nothing early.

Each feed row becomes known at its arrival time: an event's own time (for a call, its end, when
its record is written), a registration's opening time, and for what a victim tells the police
(the payments and indicators in a report) the time of the report, not of the payment. Reference
tables with no time (persons, institutions, outlets, devices...) are known from the start.
Truth tables are not feeds and are never replayed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.model.tables import FEED_TABLES
from fraudlink.store import Store

ARRIVAL = "known_at"
ROWS_PER_READ = 262_144

# Rows a victim's report carries become known with the report.
REPORTED_WITH = ("report_payments", "report_indicators")


def arrival_expr(feed: str) -> str | None:
    """SQL over the feed's own columns giving a row's arrival; None for reference tables and
    for the feeds that arrive with their report (`REPORTED_WITH`)."""
    if feed in REPORTED_WITH:
        return None
    if feed == "calls":
        # A call detail record exists once the call ends: its duration is not known before.
        return "time + to_seconds(coalesce(duration_s, 0))"
    column = FEED_TABLES[feed].time_column
    return None if column is None else f'"{column}"'


def arrival_sql(feed: str) -> str | None:
    """SQL giving the feed's rows with their arrival time `known_at`; None for reference tables."""
    if feed in REPORTED_WITH:
        return (
            f'select f.*, r.reported_at as {ARRIVAL} from "{feed}" f '
            "join victim_reports r using (report_id)"
        )
    at = arrival_expr(feed)
    return None if at is None else f'select *, {at} as {ARRIVAL} from "{feed}"'


@dataclass(frozen=True)
class Batch:
    """The rows that arrived in (start, end], per feed, in arrival order."""

    start: datetime
    end: datetime
    events: dict[str, pa.Table]

    def rows(self) -> int:
        """How many rows arrived in this batch, over every feed."""
        return sum(t.num_rows for t in self.events.values())


class _FeedStream:
    """One feed's rows in arrival order, read in chunks and cut at batch ends."""

    def __init__(self, store: Store, feed: str, sql: str, start: datetime, end: datetime):
        self.feed = feed
        query = f"select * from ({sql}) where {ARRIVAL} > $start and {ARRIVAL} <= $end "
        query += f"order by {ARRIVAL}"
        # Each feed streams on its own cursor: one DuckDB connection runs one result at a time.
        cursor = store.con.cursor()
        rel = cursor.sql(query, params={"start": start, "end": end})
        self.reader = rel.to_arrow_reader(ROWS_PER_READ)
        self.buffer: pa.Table | None = None
        self.done = False

    def _fill(self) -> None:
        try:
            chunk = self.reader.read_next_batch()
        except StopIteration:
            self.done = True
            return
        table = pa.Table.from_batches([chunk])
        self.buffer = table if self.buffer is None else pa.concat_tables([self.buffer, table])

    def take_until(self, end: datetime) -> pa.Table | None:
        """Every buffered or unread row that arrived at or before `end`."""
        while not self.done and (self.buffer is None or self._last() <= end):
            self._fill()
        if self.buffer is None or self.buffer.num_rows == 0:
            return None
        times = self.buffer.column(ARRIVAL).combine_chunks()
        cut = int(np.searchsorted(_epoch_us(times), _us(end), side="right"))
        head, self.buffer = self.buffer.slice(0, cut), self.buffer.slice(cut)
        return head if head.num_rows else None

    def _last(self) -> datetime:
        assert self.buffer is not None
        last = self.buffer.column(ARRIVAL)[-1].as_py()
        assert isinstance(last, datetime)
        return last


def _epoch_us(times: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(times, pa.timestamp("us", tz="UTC")).cast(pa.int64()))


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def replay(store: Store, start: datetime, end: datetime, step: timedelta) -> Iterator[Batch]:
    """Micro-batches of every feed row that arrived in (start, end], `step` long, in time order."""
    if step <= timedelta(0):
        raise ValueError("the replay step must be positive")
    streams = [
        _FeedStream(store, feed, sql, start, end)
        for feed in FEED_TABLES
        if (sql := arrival_sql(feed)) is not None
    ]
    clock = start
    while clock < end:
        upto = min(clock + step, end)
        events = {s.feed: got for s in streams if (got := s.take_until(upto)) is not None}
        yield Batch(clock, upto, events)
        clock = upto


def history(store: Store, until: datetime) -> Batch:
    """Every feed row that arrived at or before `until`: the past the engine starts from."""
    events: dict[str, pa.Table] = {}
    for feed in FEED_TABLES:
        sql = arrival_sql(feed)
        if sql is None:
            continue
        t = store.arrow(f"select * from ({sql}) where {ARRIVAL} <= ? order by {ARRIVAL}", [until])
        if t.num_rows:
            events[feed] = t
    first = min((t.column(ARRIVAL)[0].as_py() for t in events.values()), default=until)
    return Batch(min(first, until), until, events)


def reference(store: Store) -> dict[str, pa.Table]:
    """The reference tables (no time column), known from the start."""
    return {
        feed: store.arrow(f'select * from "{feed}"')
        for feed in FEED_TABLES
        if arrival_sql(feed) is None
    }
