"""The dashboard: operation results, report trends with period-over-period ratios, fraud types
and a district heat map, all as of one instant and all by SQL over the store.

Trends count reports by the China-time day, week (Monday first), month and year they were made;
every period from the first report to the as-of instant is listed, empty ones included, so a
ratio always compares a period with the one just before it (the source document's "1.55 times
last year" is the year row's `ratio_loss` or `ratio_reports`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
from pydantic import BaseModel, Field

from fraudlink.model.clock import CHINA
from fraudlink.model.enums import FRAUD_TYPES
from fraudlink.trace.order_rules import FREEZE, KINDS, STOP
from fraudlink.warn.desk import GRADES
from fraudlink.web.centre.clock import latest_event

GRAINS = ("day", "week", "month", "year")
MAX_PERIODS = 400  # per grain: the most recent ones (about 13 months of days)
# Reports are bucketed by the China-time calendar: the cursor's session zone is UTC, so a cast
# to a plain timestamp gives UTC wall time, and eight hours on gives Beijing's.
_LOCAL = "(reported_at::timestamp + interval 8 hours)"
# Tables of money returned to victims (原路返还), when a later schema version adds one.
RETURN_TABLES = ("return_lines", "returns")


class Results(BaseModel):
    """The operation's results as of the instant: reports, losses, money held, orders, warnings."""

    reports: int
    victims: int
    loss_fen: int = Field(description="losses the victims reported, in fen")
    stopped_fen: int = Field(description="held by executed stop-payment orders, in fen")
    frozen_fen: int = Field(description="held by executed freeze orders, in fen")
    returned_fen: int = Field(description="returned to victims, in fen (0 without a returns table)")
    orders: dict[str, int] = Field(description="orders requested, by kind")
    warnings: dict[str, int] = Field(description="warnings decided, by grade")
    dissuaded: int = Field(description="warnings closed with the person dissuaded")


class TrendPoint(BaseModel):
    """One period's reports and losses, with the ratio to the period before."""

    period: str = Field(description="first day of the period (China time), YYYY-MM-DD")
    reports: int
    loss_fen: int
    ratio_reports: float | None = Field(description="reports / previous period's; null if it had 0")
    ratio_loss: float | None = Field(description="loss / previous period's; null if it had 0")


class FraudType(BaseModel):
    """Reports and losses of one fraud type."""

    fraud_type: str
    label: str = Field(description="the fraud type's Chinese name")
    reports: int
    loss_fen: int


class District(BaseModel):
    """Victims and losses of one district: the heat map that targets publicity."""

    district: str
    victims: int
    reports: int
    loss_fen: int


class Dashboard(BaseModel):
    """Everything the console's front page shows."""

    as_of: dt.datetime
    results: Results
    trends: dict[str, list[TrendPoint]] = Field(description="by grain: day, week, month, year")
    fraud_types: list[FraudType]
    districts: list[District]


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> tuple[Any, ...]:
    return tuple(con.execute(sql, params).fetchall()[0])


def _counts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any],
            keys: tuple[str, ...]) -> dict[str, int]:  # fmt: skip
    found = {str(k): int(n) for k, n in con.execute(sql, params).fetchall() if k is not None}
    return {**dict.fromkeys(keys, 0), **found}


def _returned(con: duckdb.DuckDBPyConnection) -> int:
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.columns "
        "where table_schema = 'main' and column_name = 'amount_fen'"
    ).fetchall()}  # fmt: skip
    for name in RETURN_TABLES:
        if name in tables:
            return int(_one(con, f'select coalesce(sum(amount_fen), 0) from "{name}"', [])[0])
    return 0


def results(con: duckdb.DuckDBPyConnection, at: dt.datetime,
            actions_to: dt.datetime | None = None) -> Results:  # fmt: skip
    """The operation-results figures: reports as of `at`, the centre's orders and warnings up to
    `actions_to` (default `at`), which run on the wall clock (see `clock`)."""
    acted = actions_to or at
    reports, victims, loss = _one(
        con,
        "select count(*), count(distinct victim_idno), coalesce(sum(claimed_loss_fen), 0) "
        "from victim_reports where reported_at <= ?",
        [at],
    )
    held = _counts(
        con,
        "select o.kind, coalesce(sum(e.amount_fen), 0) from order_events e "
        "join orders o using (order_id) where e.event = 'execute' and e.at <= ? group by 1",
        [acted],
        KINDS,
    )
    orders = _counts(con, "select kind, count(*) from orders where requested_at <= ? group by 1",
                     [acted], KINDS)  # fmt: skip
    warnings = _counts(
        con, "select grade, count(*) from warning_queue where decided_at <= ? group by 1", [acted],
        tuple(reversed(GRADES)),
    )  # fmt: skip
    dissuaded = _one(
        con,
        "select count(distinct warning_id) from warning_events "
        "where outcome = 'dissuaded' and \"at\" <= ?",
        [acted],
    )[0]
    return Results(reports=reports, victims=victims, loss_fen=int(loss), stopped_fen=held[STOP],
                   frozen_fen=held[FREEZE], returned_fen=_returned(con), orders=orders,
                   warnings=warnings, dissuaded=int(dissuaded))  # fmt: skip


def _next(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    if grain == "month":
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return dt.date(start.year + 1, 1, 1)


def _start(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return dt.date(day.year, 1, 1)


def ratio(now: int, before: int) -> float | None:
    """This period over the previous one, rounded to 4 places; None when the previous had none."""
    return round(now / before, 4) if before else None


def trend(con: duckdb.DuckDBPyConnection, at: dt.datetime, grain: str,
          until: dt.datetime | None = None) -> list[TrendPoint]:  # fmt: skip
    """Reports and losses per period of `grain`, from the first report to `at` (or to `until`,
    the store's latest event, when that is earlier), with ratios; the last MAX_PERIODS."""
    rows = con.execute(
        f"select date_trunc('{grain}', {_LOCAL})::date as p, count(*), "
        "coalesce(sum(claimed_loss_fen), 0) from victim_reports where reported_at <= ? "
        "group by 1 order by 1",
        [at],
    ).fetchall()
    if not rows:
        return []
    got = {p: (int(n), int(loss)) for p, n, loss in rows}
    end = at if until is None else min(at, until)
    last = _start(end.astimezone(CHINA).date(), grain)
    out: list[TrendPoint] = []
    p, before = rows[0][0], (0, 0)
    while p <= last:
        n, loss = got.get(p, (0, 0))
        out.append(TrendPoint(period=p.isoformat(), reports=n, loss_fen=loss,
                              ratio_reports=ratio(n, before[0]) if out else None,
                              ratio_loss=ratio(loss, before[1]) if out else None))  # fmt: skip
        p, before = _next(p, grain), (n, loss)
    return out[-MAX_PERIODS:]


def fraud_types(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> list[FraudType]:
    """Reports and losses per fraud type, largest loss first."""
    rows = con.execute(
        "select fraud_type, count(*), coalesce(sum(claimed_loss_fen), 0) from victim_reports "
        "where reported_at <= ? group by 1 order by 3 desc, 1",
        [at],
    ).fetchall()
    return [FraudType(fraud_type=t, label=FRAUD_TYPES.get(t, t), reports=n, loss_fen=int(loss))
            for t, n, loss in rows]  # fmt: skip


def districts(con: duckdb.DuckDBPyConnection, at: dt.datetime) -> list[District]:
    """Victims and losses per district of residence, most victims first."""
    rows = con.execute(
        "select district, count(distinct victim_idno), count(*), "
        "coalesce(sum(claimed_loss_fen), 0) from victim_reports where reported_at <= ? "
        "group by 1 order by 2 desc, 4 desc, 1",
        [at],
    ).fetchall()
    return [District(district=d, victims=v, reports=n, loss_fen=int(loss))
            for d, v, n, loss in rows]  # fmt: skip


def dashboard(con: duckdb.DuckDBPyConnection, at: dt.datetime,
              actions_to: dt.datetime | None = None) -> Dashboard:  # fmt: skip
    """The whole dashboard as of `at`, with the centre's actions up to `actions_to`."""
    until = latest_event(con)
    return Dashboard(as_of=at, results=results(con, at, actions_to),
                     trends={g: trend(con, at, g, until) for g in GRAINS},
                     fraud_types=fraud_types(con, at), districts=districts(con, at))  # fmt: skip
