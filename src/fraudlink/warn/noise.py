"""Short contact from suspected numbers, kept for a day by the number contacted.

A fraud number dials thousands of people who hang up within seconds; one such call or SMS from
a number only a detector suspects earns nothing on its own, and grading every person it reached
would bury the desk. But it is evidence for a person who earns other evidence within the day (a
fraud site visited after the call is medium, not low). So the desk holds these rows here, as
whole batches of Arrow rows keyed by nothing but the number called, and brings them in only for
the numbers of people who earn other evidence: an index of the numbers held (`LatestValues`: each
number called and when it was last held) answers most look-ups, a whole column of numbers at a
time, and one `is_in` over the day's rows the others. Nobody is graded on them alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.store.arrays import epoch_us
from fraudlink.store.latest_values import LatestValues
from fraudlink.warn.screen import CONTACT, EVIDENCE

COMPACT_EVERY = 24
"""Held batches are combined into one table once this many wait: a day of 5-minute batches
would otherwise be 288 pieces for every look-up to walk."""

_NONE = EVIDENCE.empty_table()  # built once: an empty table costs more than most look-ups
_NEVER = -1  # the time a number never held was last held: before any batch


def dialling_noise(evidence: pa.Table, talk_s: int) -> np.ndarray:
    """Per EVIDENCE row: a call or SMS shorter than `talk_s` from a number only suspected."""
    short = pc.less(pc.fill_null(evidence.column("duration_s"), 0), talk_s)
    contact = pc.equal(evidence.column("evidence"), CONTACT)
    suspected = pc.invert(pc.fill_null(evidence.column("known"), False))
    mask = pc.and_(pc.and_(contact, short), suspected)
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


class ShortContacts:
    """The last `window` of short suspected contact (EVIDENCE rows), by the number contacted."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        # Per held batch: when it was held (no row of it is later), its rows, and the pieces of
        # their number column (kept apart, so that a look-up probes that column alone).
        self._chunks: list[tuple[datetime, pa.Table, list[pa.Array]]] = []
        # Number called -> when the last batch that held contact to it was held (epoch µs).
        # Most people who earn evidence were never called by a suspected number: this answers
        # them without walking the day's rows. A number stays in it (16 bytes) once called, as
        # its time says whether it is still held.
        self._held = LatestValues()

    def __len__(self) -> int:
        return sum(c.num_rows for _, c, _ in self._chunks)

    def hold(self, rows: pa.Table, now: datetime) -> None:
        """Keep a batch's short suspected contact (rows that arrived by `now`); forget what
        has left the window."""
        if rows.num_rows:
            if rows.schema != EVIDENCE:
                rows = rows.select(EVIDENCE.names).cast(EVIDENCE)
            called = rows.column("msisdn")
            self._chunks.append((now, rows, called.chunks))
            self._held.set(called, np.full(len(called), epoch_us(now), np.int64))
        # A batch goes once it is a window old; older rows of a kept one are cut on reading.
        if self._chunks and now - self._chunks[0][0] > self.window:
            self._chunks = [c for c in self._chunks if now - c[0] <= self.window]
        if len(self._chunks) > COMPACT_EVERY:
            since = pa.scalar(now - self.window, EVIDENCE.field("at").type)
            table = pa.concat_tables([c for _, c, _ in self._chunks])
            table = table.filter(pc.greater_equal(table.column("at"), since)).combine_chunks()
            self._chunks = [(now, table, table.column("msisdn").chunks)] if table.num_rows else []

    def of(self, numbers: pa.Array | list[str], now: datetime) -> pa.Table:
        """The held rows within the window that reached any of `numbers`, oldest first."""
        numbers = pa.array(numbers, pa.string()) if isinstance(numbers, list) else numbers
        if not (self._held.get(numbers, _NEVER) >= epoch_us(now - self.window)).any():
            return _NONE
        table = pa.concat_tables([c for _, c, _ in self._chunks])
        since = pa.scalar(now - self.window, EVIDENCE.field("at").type)
        called = pa.chunked_array([a for _, _, arrays in self._chunks for a in arrays], pa.string())
        hit = pc.and_(pc.is_in(called, value_set=numbers),
                      pc.greater_equal(table.column("at"), since))  # fmt: skip
        found = table.filter(hit)
        return found.sort_by("at") if found.num_rows > 1 else found
