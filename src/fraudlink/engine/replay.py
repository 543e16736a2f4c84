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
WINDOW = timedelta(days=1)
"""Arrival time each feed reads in one query: a city day of calls is about 1.3 M rows."""

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
    """One feed's rows in arrival order, read a window of arrival time at a time and cut at
    batch ends.

    One query of the whole period sorted every row of the month before the first batch, in
    DuckDB's memory or spilled under the engine's cap (calls: 13 s at city). A window's query
    reads only the row groups whose times can arrive in it, bounded by the least and most lag of
    arrival behind the feed's own time column (a call's duration): ingest stores the feeds in
    that column's order. The bounds hold whatever the stored order; only the speed depends on
    it."""

    def __init__(
        self, store: Store, feed: str, sql: str, start: datetime, end: datetime, window: timedelta
    ):
        self.feed = feed
        # Each feed reads on its own cursor, so that no other query disturbs it.
        self.cursor = store.con.cursor()
        self.sql, self.end, self.window = sql, end, window
        self.read_to = start  # every row arriving in (start, read_to] has been read
        self.buffer: pa.Table | None = None
        self.times = np.empty(0, np.int64)  # the buffer's arrival times, epoch µs
        self.prune = self._prune(feed, start, end)
        # A join's output has no order of its own: rows that arrive with their report, all at
        # one instant, are put in the order of their key.
        key = ", ".join(f'"{c}"' for c in FEED_TABLES[feed].key)
        self.order = f"order by {ARRIVAL}, {key}" if feed in REPORTED_WITH else ""

    def _prune(self, feed: str, start: datetime, end: datetime) -> str:
        """A filter on the feed's own time column that keeps every row a window can hold."""
        column = FEED_TABLES[feed].time_column
        at = arrival_expr(feed)
        if column is None or at is None:
            return ""  # arrives with its report: a small table, filtered on arrival alone
        if at == f'"{column}"':
            return f'and "{column}" > $lo and "{column}" <= $hi '
        least, most = self.cursor.execute(
            f'select min(epoch_us({ARRIVAL}) - epoch_us("{column}")), '
            f'max(epoch_us({ARRIVAL}) - epoch_us("{column}")) from ({self.sql}) '
            f"where {ARRIVAL} > $start and {ARRIVAL} <= $end",
            {"start": start, "end": end},
        ).fetchall()[0]
        if least is None:
            return ""
        return (f'and "{column}" > $lo - to_microseconds({int(most)}) '
                f'and "{column}" <= $hi - to_microseconds({int(least)}) ')  # fmt: skip

    def _fill(self, upto: datetime) -> None:
        """Read every window up to the one holding `upto`."""
        while self.read_to < min(upto, self.end):
            lo, hi = self.read_to, min(self.read_to + self.window, self.end)
            query = f"select * from ({self.sql}) where {ARRIVAL} > $lo and {ARRIVAL} <= $hi "
            rel = self.cursor.sql(query + self.prune + self.order, params={"lo": lo, "hi": hi})
            table = rel.to_arrow_table()
            self.read_to = hi
            if table.num_rows == 0:
                continue
            times = _epoch_us(table.column(ARRIVAL).combine_chunks())
            # Sorted here, not by the query: a scan returns the rows in the order they are stored
            # (DuckDB keeps insertion order), for most feeds arrival order already, and a stable
            # sort keeps that order among rows arriving at one instant. A city day of logins
            # sorted by DuckDB cost 0.4 s, every column carried through the sort.
            if len(times) > 1 and (np.diff(times) < 0).any():
                order = np.argsort(times, kind="stable")
                table, times = table.take(order), times[order]
            if self.buffer is None or self.buffer.num_rows == 0:
                self.buffer, self.times = table, times
            else:
                self.buffer = pa.concat_tables([self.buffer, table.cast(self.buffer.schema)])
                self.times = np.concatenate([self.times, times])

    def take_until(self, end: datetime) -> pa.Table | None:
        """Every row that arrived at or before `end` and was not taken yet."""
        self._fill(end)
        if self.buffer is None or self.buffer.num_rows == 0:
            return None
        cut = int(np.searchsorted(self.times, _us(end), side="right"))
        head, self.buffer = self.buffer.slice(0, cut), self.buffer.slice(cut)
        self.times = self.times[cut:]
        return head if head.num_rows else None


def _epoch_us(times: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(times, pa.timestamp("us", tz="UTC")).cast(pa.int64()))


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def replay(
    store: Store, start: datetime, end: datetime, step: timedelta, window: timedelta = WINDOW
) -> Iterator[Batch]:
    """Micro-batches of every feed row that arrived in (start, end], `step` long, in time order
    (`window`: how much arrival time each feed reads at once)."""
    if step <= timedelta(0):
        raise ValueError("the replay step must be positive")
    if window <= timedelta(0):
        raise ValueError("the replay's read window must be positive")
    streams = [
        _FeedStream(store, feed, sql, start, end, window)
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
