"""Checks beyond types: money that cannot be negative, times that cannot be in the future."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from fraudlink.ingest.convert import mask
from fraudlink.ingest.problems import Problems
from fraudlink.model.schema import Table

# A member's clock may run a little fast; beyond this a time is refused as in the future.
FUTURE_SLACK = dt.timedelta(minutes=10)


def check_rules(
    table: Table,
    columns: dict[str, pa.Array],
    sent: dict[str, pa.Array | pa.ChunkedArray],
    problems: Problems,
    now: dt.datetime,
) -> None:
    """Record rows that break the feed's rules, on top of type and identifier checks: judged on
    the converted `columns`, quarantined with the values as `sent`."""
    limit = pa.scalar(now + FUTURE_SLACK, pa.timestamp("us", tz="UTC"))
    for col in table.columns:
        values, shown = columns[col.name], sent[col.name]
        if col.unit == "fen":
            strict = col.name == "amount_fen"
            bad = pc.less_equal(values, 0) if strict else pc.less(values, 0)
            problems.add(
                mask(bad),
                col.name,
                shown,
                "amount must be positive" if strict else "amount must not be negative",
            )
        elif col.type == "timestamp":
            problems.add(
                mask(pc.greater(values, limit)), col.name, shown, "timestamp in the future"
            )
        elif col.name == "confidence":
            bad = pc.or_(pc.less(values, 0.0), pc.greater(values, 1.0))
            problems.add(mask(bad), col.name, shown, "confidence must be between 0 and 1")
        elif col.unit == "s":
            problems.add(
                mask(pc.less(values, 0)), col.name, shown, "duration must not be negative"
            )
