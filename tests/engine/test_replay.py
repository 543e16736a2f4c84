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
