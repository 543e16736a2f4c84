"""The centre's two times. Analyses (trace, dashboard, rings) default to the store's latest event:
a simulated city lives in the past, and its data ends there. Actions and timers (issuing an
order, a warning's step, the 48-hour stop) run on the wall clock, as the member API's answers do,
so that both sides of an order read the same timer.

The server's clock stamps every action the centre stores: a client's time on a write
(`action_time_for`) is refused unless the server was started to replay a simulated city
(`fraudlink serve --client-clock`). Reads may still ask for any `now` to see timers at: they
store nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import duckdb
from fastapi import HTTPException
from pydantic import AfterValidator

from fraudlink.model.tables import FEED_TABLES

if TYPE_CHECKING:
    from fraudlink.web.context import WebContext

CLIENT_CLOCK_OPTION = "--client-clock"
NOW_LOC = ("query", "now")

# Every event feed with its time column: the latest of them is the moment the store describes.
_EVENT_TIMES = [(t.name, t.time_column) for t in FEED_TABLES.values()
                if t.kind == "event" and t.time_column]  # fmt: skip
# A row whose time is the very instant of its own ingest was stamped on receipt, not carried by a
# feed: a member's POST /suspects takes the wall clock for both. It tells when the centre heard,
# and counting it would pull a simulated city's clock to today, so only fed times count.
_LATEST_SQL = "select max(t) from (" + " union all ".join(
    f'select max(e."{col}") as t from "{name}" e left join ingest_log l '
    f'on l.ingest_id = e.ingest_id and l.ingested_at = e."{col}" where l.ingest_id is null'
    for name, col in _EVENT_TIMES
) + ")"  # fmt: skip


# Instants the centre answers for: anything outside is a typing slip (and would overflow China-time
# arithmetic at the ends of the calendar).
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def in_range(t: dt.datetime) -> dt.datetime:
    """The instant in UTC; ValueError when it is outside 1970-2100."""
    t = utc(t)
    if not EARLIEST <= t < LATEST:
        raise ValueError(f"{t.isoformat()} is outside {EARLIEST.year}-{LATEST.year}")
    return t


Instant = Annotated[dt.datetime, AfterValidator(in_range)]
"""A datetime between 1970 and 2100, in UTC (no zone: UTC)."""


def utc(t: dt.datetime) -> dt.datetime:
    """An instant in UTC; a time without a zone is taken as UTC."""
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def latest_event(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The latest time any event feed carries (not a receipt stamp); the clock when none."""
    rows = con.execute(_LATEST_SQL).fetchall()
    t = rows[0][0] if rows else None
    return utc(t) if t is not None else dt.datetime.now(dt.UTC)


def action_time(given: dt.datetime | None = None) -> dt.datetime:
    """The instant timers are shown at: the time asked for, in UTC, or the wall clock (for reads:
    a stored action takes `action_time_for`)."""
    return utc(given) if given is not None else dt.datetime.now(dt.UTC)


def action_time_for(ctx: WebContext, given: dt.datetime | None,
                    loc: Sequence[str] = NOW_LOC) -> dt.datetime:  # fmt: skip
    """The instant a centre action is stamped with: the server's clock; the client's time only
    on a server replaying a simulated city, else a 422 naming the field (`loc`) it came in."""
    if given is None:
        return dt.datetime.now(dt.UTC)
    if not ctx.client_clock:
        # A back-dated or future-dated action would move a legal order's timers (a stop's 48 h,
        # an acknowledgement's deadline) and the stored record would say so.
        msg = (
            f"the server's clock stamps the centre's actions: leave out {loc[-1]!r}; a client's "
            f"time is taken only by a server replaying a simulated city "
            f"(fraudlink serve {CLIENT_CLOCK_OPTION})"
        )
        raise HTTPException(422, [{"loc": list(loc), "msg": msg, "type": "value_error"}])
    return utc(given)


def as_of(con: duckdb.DuckDBPyConnection, given: dt.datetime | None) -> dt.datetime:
    """The time asked for, in UTC, or the store's latest event when none was."""
    return utc(given) if given is not None else latest_event(con)
