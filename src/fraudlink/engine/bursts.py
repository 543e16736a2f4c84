"""Dialling bursts: numbers that call many people within the hour, almost all briefly, and are
called by nobody. That is a SIM box or a fraud caller at work, and it shows within the hour,
where the daily SIM scores need a day: a gang that loses a blocked line moves its dialling to a
spare one, and the spare must be caught before it reaches the next victims.

Measured on the demo world (seed 1), hourly: 20 or more calls, 80% or more under 30 seconds or
SMS, and no incoming call in the hour picks out 33 of 42 fraud callers and 70 of 96 SIM boxes,
and not one of the 145 call centres or 433 delivery riders.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

WINDOW = timedelta(hours=1)
MIN_CALLS = 20
MIN_SHORT_SHARE = 0.8
SHORT_S = 30
BURST_SCORE = 0.85  # above the warning desk's SIM threshold, below the block threshold


class BurstWatch:
    """Per-batch call counts of the last hour, and the numbers that burst."""

    def __init__(self) -> None:
        self._parts: deque[tuple[datetime, pa.Table, pa.Table]] = deque()

    def add(self, calls: pa.Table, now: datetime) -> dict[str, float]:
        """Take in a batch of calls; the numbers bursting in the last hour, with their score."""
        short = pc.or_(pc.equal(calls.column("kind"), "sms"),
                       pc.less(pc.fill_null(calls.column("duration_s"), 0), SHORT_S))  # fmt: skip
        out = pa.table({"msisdn": calls.column("caller"), "short": pc.cast(short, pa.int64())})
        out = out.group_by("msisdn").aggregate([("short", "count"), ("short", "sum")])
        inc = pa.table({"msisdn": calls.column("callee")}).group_by("msisdn").aggregate(
            [("msisdn", "count")])  # fmt: skip
        self._parts.append((now, out, inc))
        while self._parts and now - self._parts[0][0] >= WINDOW:
            self._parts.popleft()
        outs = pa.concat_tables([p[1] for p in self._parts]).group_by("msisdn").aggregate(
            [("short_count", "sum"), ("short_sum", "sum")])  # fmt: skip
        busy = outs.filter(pc.greater_equal(outs.column("short_count_sum"), MIN_CALLS))
        if busy.num_rows == 0:
            return {}
        share = pc.divide(pc.cast(busy.column("short_sum_sum"), pa.float64()),
                          pc.cast(busy.column("short_count_sum"), pa.float64()))  # fmt: skip
        busy = busy.filter(pc.greater_equal(share, MIN_SHORT_SHARE))
        called = pa.concat_tables([p[2] for p in self._parts]).column("msisdn")
        busy = busy.filter(pc.invert(pc.is_in(busy.column("msisdn"), value_set=called)))
        return dict.fromkeys(busy.column("msisdn").to_pylist(), BURST_SCORE)
