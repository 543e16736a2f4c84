"""Short contact from suspected numbers, kept for a day by the number contacted.

A fraud number dials thousands of people who hang up within seconds; one such call or SMS from
a number only a detector suspects earns nothing on its own, and grading every person it reached
would bury the desk. But it is evidence for a person who earns other evidence within the day (a
fraud site visited after the call is medium, not low). So the desk holds these rows here, as
whole batches of Arrow rows keyed by nothing but the number called, and brings them in only for
the numbers of people who earn other evidence: an index of the numbers held answers most
look-ups, and one `is_in` over the day's rows the others. Nobody is graded on them alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.warn.screen import CONTACT, EVIDENCE

COMPACT_EVERY = 24
"""Held batches are combined into one table once this many wait: a day of 5-minute batches
would otherwise be 288 pieces for every look-up to walk."""

SWEEP_EVERY = timedelta(hours=1)
"""How often the index of numbers called forgets the ones no longer held."""

_NONE = EVIDENCE.empty_table()  # built once: an empty table costs more than most look-ups


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
        # Number called -> the last batch that held contact to it. Most people who earn
        # evidence were never called by a suspected number: this answers them with no Arrow
        # work at all (a few hundred numbers a batch at city scale go in, once each).
        self._last: dict[str, datetime] = {}
        self._swept: datetime | None = None  # when `_last` was last rid of numbers out of it

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
            self._last.update(dict.fromkeys(called.to_pylist(), now))
        # A batch goes once it is a window old; older rows of a kept one are cut on reading.
        if self._chunks and now - self._chunks[0][0] > self.window:
            self._chunks = [c for c in self._chunks if now - c[0] <= self.window]
        if len(self._chunks) > COMPACT_EVERY:
            since = pa.scalar(now - self.window, EVIDENCE.field("at").type)
            table = pa.concat_tables([c for _, c, _ in self._chunks])
            table = table.filter(pc.greater_equal(table.column("at"), since)).combine_chunks()
            self._chunks = [(now, table, table.column("msisdn").chunks)] if table.num_rows else []
        if self._swept is None or now - self._swept >= SWEEP_EVERY:
            self._swept = now
            self._last = {n: t for n, t in self._last.items() if now - t <= self.window}

    def of(self, numbers: list[str], now: datetime) -> pa.Table:
        """The held rows within the window that reached any of `numbers`, oldest first."""
        last = self._last
        if not any(n in last and now - last[n] <= self.window for n in numbers):
            return _NONE
        table = pa.concat_tables([c for _, c, _ in self._chunks])
        since = pa.scalar(now - self.window, EVIDENCE.field("at").type)
        called = pa.chunked_array([a for _, _, arrays in self._chunks for a in arrays], pa.string())
        hit = pc.and_(pc.is_in(called, value_set=pa.array(numbers, pa.string())),
                      pc.greater_equal(table.column("at"), since))  # fmt: skip
        found = table.filter(hit)
        return found.sort_by("at") if found.num_rows > 1 else found
