"""The replay driver: every feed row once, in arrival order, never before the centre knows it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest

from fraudlink.engine import arrival_sql, replay
from fraudlink.model.tables import FEED_TABLES, TRUTH
from fraudlink.store import Store
from fraudlink.store.store import scalar

STEP = timedelta(hours=6)


@pytest.fixture(scope="module")
def store(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> Iterator[Store]:
    """The tiny world's store, read only."""
    with Store(ingested_file(tiny_world, "replay-db"), read_only=True) as s:
        yield s


def period(store: Store) -> tuple[datetime, datetime]:
    """From just before the first transaction to just after the last report."""
    first = scalar(store.con, "select min(time) from transactions")
    last = scalar(store.con, "select max(reported_at) from victim_reports")
    return first - timedelta(seconds=1), last + timedelta(days=1)


def test_every_row_arrives_once_in_its_own_batch(store: Store) -> None:
    """Batches tile the period; each row lies in its batch's window; none is lost or repeated."""
    start, end = period(store)
    seen: dict[str, int] = {}
    clock = start
    for batch in replay(store, start, end, STEP):
        assert batch.start == clock and batch.end <= end
        clock = batch.end
        for feed, rows in batch.events.items():
            known = rows.column("known_at")
            assert pc.min(known).as_py() > batch.start
            assert pc.max(known).as_py() <= batch.end
            in_order = pc.greater_equal(known.slice(1), known.slice(0, len(known) - 1))
            assert pc.all(in_order).as_py() in (True, None)  # None: a single row
            seen[feed] = seen.get(feed, 0) + rows.num_rows
    assert clock == end
    for feed in FEED_TABLES:
        sql = arrival_sql(feed)
        if sql is None:
            continue
        n = scalar(
            store.con,
            f"select count(*) from ({sql}) where known_at > ? and known_at <= ?",
            [start, end],
        )
        assert seen.get(feed, 0) == n, feed
    assert seen["transactions"] > 0 and seen["report_payments"] > 0


def test_a_reported_payment_arrives_with_the_report_not_when_paid(store: Store) -> None:
    """The centre learns of a victim's payment when the victim reports it, hours or days later."""
    start, end = period(store)
    late = 0
    for batch in replay(store, start, end, STEP):
        paid = batch.events.get("report_payments")
        if paid is None:
            continue
        assert pc.all(pc.greater_equal(paid.column("known_at"), paid.column("paid_at"))).as_py()
        late += pc.sum(pc.less_equal(paid.column("paid_at"), batch.start)).as_py() or 0
    assert late > 0


def test_only_feeds_are_replayed() -> None:
    """Truth tables are not feeds: the replay has no query for them and cannot hand them out."""
    assert not set(TRUTH) & set(FEED_TABLES)
    with pytest.raises(KeyError):
        arrival_sql("account_roles")
    assert arrival_sql("persons") is None  # reference data: known from the start


def test_step_must_be_positive(store: Store) -> None:
    t = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="positive"):
        next(replay(store, t, t + STEP, timedelta(0)))
    with pytest.raises(ValueError, match="window"):
        next(replay(store, t, t + STEP, STEP, window=timedelta(0)))


def arrivals(store: Store, start: datetime, end: datetime, window: timedelta) -> dict[str, list]:
    """Every feed's rows in the order the replay hands them out, each with its batch's end."""
    out: dict[str, list] = {}
    for batch in replay(store, start, end, timedelta(hours=1), window=window):
        for feed, rows in batch.events.items():
            out.setdefault(feed, []).extend((batch.end, r) for r in rows.to_pylist())
    return out


def by_query(store: Store, start: datetime, end: datetime) -> dict[str, list]:
    """The same from one query per feed, sorted by arrival and then by every column."""
    out = {}
    for feed in FEED_TABLES:
        if (sql := arrival_sql(feed)) is None:
            continue
        rows = store.arrow(f"select * from ({sql}) where known_at > ? and known_at <= ?",
                           [start, end]).to_pylist()  # fmt: skip
        if rows:
            hour = timedelta(hours=1)
            out[feed] = [
                (min(start + -((start - r["known_at"]) // hour) * hour, end), r) for r in rows
            ]
    return out


def canonical(rows: list) -> list:
    return sorted(rows, key=lambda er: (er[0], er[1]["known_at"], repr(er[1])))


def test_windows_of_any_length_hand_out_the_same_rows_in_the_same_order(store: Store) -> None:
    """The replay reads each feed a window of arrival time at a time: a call that starts in one
    window and ends in the next arrives once, at its end, and rows arriving at one instant come
    in the order they are stored, whatever the window."""
    start, end = period(store)
    whole = arrivals(store, start, end, end - start)
    short = timedelta(minutes=7)
    assert arrivals(store, start, end, short) == whole
    assert arrivals(store, start, end, timedelta(days=1)) == whole
    expected = by_query(store, start, end)
    assert {f: canonical(r) for f, r in whole.items()} == {
        f: canonical(r) for f, r in expected.items()
    }
    # The short windows did cut calls in two: some started in one window and ended in the next.
    crossing = scalar(
        store.con,
        f"select count(*) from ({arrival_sql('calls')}) where known_at > ? and known_at <= ? "
        "and (epoch_us(time) - epoch_us(?::timestamptz)) // ? "
        "<> (epoch_us(known_at) - epoch_us(?::timestamptz)) // ?",
        [start, end, start, short // timedelta(microseconds=1), start,
         short // timedelta(microseconds=1)],
    )  # fmt: skip
    assert crossing > 0


def test_rows_stored_out_of_time_order_still_arrive_in_order(store: Store, tmp_path: Path) -> None:
    """A feed stored in no particular order (a member's late file, say) replays the same rows,
    each in its batch and in arrival order: the read windows never rely on the stored order."""
    start, end = period(store)
    shuffled = tmp_path / "shuffled.duckdb"
    with Store(shuffled) as s:
        s.con.execute(f"attach '{store.path}' as src (read_only)")
        for feed in FEED_TABLES:
            s.con.execute(f'insert into "{feed}" select * from src."{feed}" order by hash(rowid)')
        s.con.execute("detach src")
    with Store(shuffled, read_only=True) as s:
        got = arrivals(s, start, end, timedelta(hours=5))
    for rows in got.values():
        assert [r["known_at"] for _, r in rows] == sorted(r["known_at"] for _, r in rows)
    assert {f: canonical(r) for f, r in got.items()} == {
        f: canonical(r) for f, r in by_query(store, start, end).items()
    }
