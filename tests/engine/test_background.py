"""A book folded in on a worker thread: in order, whole at each wait, and failures not lost."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.engine.background import BackgroundFold


def _rows(values: list[int]) -> pa.Table:
    return pa.table({"v": pa.array(values, pa.int64())})


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 99), max_size=7), max_size=12),
    st.integers(1, 10),
    st.sets(st.integers(0, 12)),
)
def test_a_wait_finds_every_table_folded_in_in_order(
    tables: list[list[int]], chunk: int, waits: set[int]
) -> None:
    folded: list[list[int]] = []
    threads: set[str] = set()

    def fold(t: pa.Table) -> None:
        threads.add(threading.current_thread().name)
        folded.append(t.column("v").to_pylist())

    bg = BackgroundFold(fold, chunk_rows=chunk)
    given_so_far: list[int] = []
    try:
        for i, values in enumerate(tables):
            bg(_rows(values))
            given_so_far += values
            if i in waits:
                bg.wait()
                assert [v for part in folded for v in part] == given_so_far
        bg.wait()
        assert [v for part in folded for v in part] == given_so_far
        # Gathered into chunks: no fold is of an empty table.
        assert all(folded)
        assert threads <= {"fraudlink-fold"}
    finally:
        bg.close()


def test_tables_are_gathered_until_a_chunk_is_full() -> None:
    sizes: list[int] = []
    bg = BackgroundFold(lambda t: sizes.append(t.num_rows), chunk_rows=5)
    for _ in range(4):
        bg(_rows([1, 2]))  # 2 + 2 + 2 = 6 reaches the chunk, then 2 wait
    bg.wait()
    bg.close()
    assert sizes == [6, 2]


def test_a_failed_fold_is_raised_at_the_next_call_and_folds_nothing_more() -> None:
    calls: list[int] = []
    both_given = threading.Event()

    def fold(t: pa.Table) -> None:
        calls.append(t.num_rows)
        both_given.wait(5)  # the second table is queued before this fold fails
        raise ValueError("bad rows")

    bg = BackgroundFold(fold, chunk_rows=1)
    bg(_rows([1]))
    bg(_rows([2, 3]))
    both_given.set()
    with pytest.raises(RuntimeError, match="background") as err:
        bg.wait()
    assert isinstance(err.value.__cause__, ValueError)
    assert calls == [1]  # the queued table was not folded into a book no longer trusted
    with pytest.raises(RuntimeError):
        bg(_rows([4]))
    bg.close()


def test_close_drops_what_is_not_folded_yet() -> None:
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def fold(t: pa.Table) -> None:
        calls.append(t.num_rows)
        started.set()
        release.wait(5)

    bg = BackgroundFold(fold, chunk_rows=1)
    bg(_rows([1]))
    assert started.wait(5)
    bg(_rows([2, 3]))  # queued behind the fold under way
    closing = threading.Thread(target=bg.close)
    closing.start()
    release.set()
    closing.join(5)
    assert not closing.is_alive() and not bg._thread.is_alive()
    assert calls == [1]


def test_a_closed_fold_refuses_more_and_its_thread_ends() -> None:
    bg = BackgroundFold(lambda t: None)
    bg.close()
    bg.close()  # twice is harmless
    assert not bg._thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        bg(_rows([1]))
