"""The working store: rows reach the listeners and the store in the order they arrived, and
deferred rows reach the store later but whole."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.engine import working_store
from fraudlink.engine.replay import ARRIVAL
from fraudlink.engine.working_store import WorkingStore
from fraudlink.store import Store
from fraudlink.store.store import StoreError

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _payments(first: int, n: int) -> pa.Table:
    ids = list(range(first, first + n))
    return pa.table({
        "txn_id": pa.array(ids, pa.int64()),
        "time": pa.array([T0 + timedelta(seconds=i) for i in ids], pa.timestamp("us", "UTC")),
        "from_account": pa.array([f"62{i:014d}" for i in ids]),
        "to_account": pa.array([f"63{i:014d}" for i in ids]),
        "amount_fen": pa.array([100 * i for i in ids], pa.int64()),
        "channel": pa.array(["mobile"] * n),
        ARRIVAL: pa.array([T0 + timedelta(seconds=i) for i in ids], pa.timestamp("us", "UTC")),
    })  # fmt: skip


def _stored_ids(path: Path) -> list[int]:
    with Store(path, read_only=True) as s:
        return s.arrow("select txn_id from transactions order by rowid")["txn_id"].to_pylist()


# Each step: receive a batch of n payments, then flush deferring the ledger, flush it, or not.
steps = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(["defer", "write", "none"])), max_size=12
)


@settings(max_examples=30, deadline=None)
@given(steps=steps, threshold=st.sampled_from([5, 10**9]))
def test_rows_reach_listener_and_store_in_arrival_order(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, str]], threshold: int
) -> None:
    path = tmp_path_factory.mktemp("work") / "w.duckdb"
    seen: list[int] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(working_store, "DEFERRED_ROWS", threshold)
        work = WorkingStore(path)
        work.on_write("transactions", lambda t: seen.extend(t["txn_id"].to_pylist()))
        counter = itertools.count()
        arrived: list[int] = []
        handed = 0  # rows a flush has handed to the listener so far
        for n, flush in steps:
            first = next(counter) * 100
            if n:
                work.receive({"transactions": _payments(first, n)})
                arrived += list(range(first, first + n))
            if flush == "none":
                continue
            work.flush(("transactions",), defer=("transactions",) if flush == "defer" else ())
            handed = len(arrived)
            assert seen == arrived[:handed]  # the listener has every row a flush released
            stored = work.store.arrow("select txn_id from transactions order by rowid")
            ids = stored["txn_id"].to_pylist()
            assert ids == arrived[: len(ids)]  # the store holds a prefix, in order
            if flush == "write":
                assert ids == arrived  # nothing deferred is left behind by a plain flush
            else:
                assert handed - len(ids) < threshold  # deferred rows wait only under the limit
        work.close()
    assert seen == arrived[:handed]
    # Closing writes what was deferred; rows never flushed stay unwritten, as before.
    assert _stored_ids(path) == arrived[:handed]


def test_listeners_and_store_never_see_the_arrival_column(tmp_path: Path) -> None:
    work = WorkingStore(tmp_path / "w.duckdb")
    columns: list[list[str]] = []
    work.on_write("transactions", lambda t: columns.append(t.column_names))
    work.receive({"transactions": _payments(0, 3)})
    work.flush(defer=("transactions",))
    work.receive({"transactions": _payments(3, 2)})
    work.flush()
    assert len(columns) == 2 and all(ARRIVAL not in c for c in columns)
    assert work.rows_written == 5
    work.close()
    assert _stored_ids(tmp_path / "w.duckdb") == [0, 1, 2, 3, 4]


def test_a_deferred_feed_is_written_by_the_next_flush_of_everything(tmp_path: Path) -> None:
    work = WorkingStore(tmp_path / "w.duckdb")
    work.receive({"transactions": _payments(0, 4)})
    work.flush(("transactions",), defer=("transactions",))
    assert work.store.count("transactions") == 0
    work.flush()  # nothing pending: the deferred rows alone are written
    assert work.store.count("transactions") == 4
    work.close()


def test_the_scratch_store_is_written_uncompressed(tmp_path: Path) -> None:
    """Compressing the working store at each checkpoint cost 5% of a city month's replay."""
    work = WorkingStore(tmp_path / "w.duckdb")
    work.receive({"transactions": _payments(0, 5000)})
    work.flush()
    work.store.con.execute("checkpoint")
    kinds = work.store.con.sql(
        "select distinct column_name, compression from pragma_storage_info('transactions') "
        "where segment_type <> 'VALIDITY'"
    ).fetchall()
    assert ("from_account", "Uncompressed") in kinds
    assert {k for _, k in kinds} <= {"Uncompressed", "Constant"}  # constant: an all-null column
    work.close()


def test_a_feed_kept_out_reaches_its_listener_and_no_table(tmp_path: Path) -> None:
    work = WorkingStore(tmp_path / "w.duckdb")
    got: list[pa.Table] = []
    work.on_arrival("web_events", got.append)
    work.keep_out(("web_events", "platform_accounts"))
    rows = pa.table({"event_id": pa.array([1, 2], pa.int64()), "msisdn": ["1", "2"]})
    work.receive({"web_events": rows, "platform_accounts": pa.table({"x": [1]})})
    assert [t.num_rows for t in got] == [2]  # at arrival, with no flush
    work.flush()
    assert [t.num_rows for t in got] == [2]
    with pytest.raises(ValueError, match="kept out"):
        work.on_write("web_events", got.append)  # it is never written
    assert {"web_events", "platform_accounts"}.isdisjoint(work.store.tables())
    with pytest.raises(StoreError, match="web_events"):
        work.store.count("web_events")  # a reader fails instead of finding nothing
    with pytest.raises(ValueError, match="persons"):
        work.keep_out(("persons",))
    work.close()


def test_a_feed_kept_out_with_no_listener_is_not_held(tmp_path: Path) -> None:
    work = WorkingStore(tmp_path / "w.duckdb")
    work.keep_out(("web_events",))
    work.receive({"web_events": pa.table({"event_id": pa.array([1], pa.int64())})})
    assert "web_events" not in work._pending  # a strategy that never flushes holds nothing
    work.flush(("web_events",), defer=("web_events",))
    work.close()  # nothing deferred to write into the dropped table


def test_a_feed_cannot_be_kept_out_once_its_rows_arrived(tmp_path: Path) -> None:
    work = WorkingStore(tmp_path / "w.duckdb")
    work.receive({"calls": pa.table({"call_id": pa.array([1], pa.int64())})})
    with pytest.raises(ValueError, match="calls rows have arrived"):
        work.keep_out(("calls",))
    work.close()


def test_arrival_listeners_get_each_batch_before_a_flush_without_its_arrival(
    tmp_path: Path,
) -> None:
    work = WorkingStore(tmp_path / "w.duckdb")
    arrived: list[pa.Table] = []
    written: list[pa.Table] = []
    work.on_arrival("transactions", arrived.append)
    work.on_write("transactions", written.append)
    with pytest.raises(ValueError, match="listeners to its writes"):
        work.keep_out(("transactions",))  # its write listeners would never hear a row
    first, second = _payments(0, 3), _payments(3, 2)
    for t in (first, second):
        work.receive({"transactions": t})
    assert [t.num_rows for t in arrived] == [3, 2] and written == []
    assert all(ARRIVAL not in t.column_names for t in arrived)
    work.flush()
    assert work.store.count("transactions") == 5  # still written: the feed is not kept out
    assert pa.concat_tables(arrived).equals(pa.concat_tables(written))
    work.close()
