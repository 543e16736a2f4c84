"""The incremental SIM score book against `score_sims`: equal tables after every appended chunk."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudlink.detect import sims_book
from fraudlink.detect.sims import score_sims
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.engine.replay import arrival_expr
from fraudlink.store import Store

# When each row `score_sims` reads becomes known, as the replay has it (a call when it ends).
SCORED_FEEDS = ("sim_cards", "victim_reports", "case_confirmations", "seized_evidence",
                "member_flags", "calls")  # fmt: skip
KNOWN_AT = {f: arrival_expr(f) for f in SCORED_FEEDS}
EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


class Replay:
    """A fresh store at `dst` receiving the rows of the store at `src` as they become known."""

    def __init__(self, src: Path, dst: Path) -> None:
        self.store = Store(dst)
        self.store.con.execute(f"attach '{src}' as src (read_only)")

    def append(self, start: datetime, end: datetime,
               on_calls: Callable[[pa.Table], None] | None = None) -> None:  # fmt: skip
        """Append the rows known in (start, end], the calls in two inserts, in arrival order;
        `on_calls` is handed each calls table as it is inserted (as the engine's writer does)."""
        con = self.store.con
        mid = start + (end - start) / 2 if start > EPOCH else end - timedelta(days=1)
        for feed, at in KNOWN_AT.items():
            for a, b in ((start, mid), (mid, end)) if feed == "calls" else ((start, end),):
                sql = f"select * from src.{feed} where {at} > ? and {at} <= ? order by {at}"
                if feed == "calls" and on_calls is not None:
                    rows = con.sql(sql, params=[a, b]).to_arrow_table()
                    con.execute("insert into calls by name select * from rows")
                    on_calls(rows)
                else:
                    con.execute(f"insert into {feed} by name {sql}", [a, b])
        con.execute("insert into report_indicators by name select i.* from src.report_indicators i "
                    "join src.victim_reports r using (report_id) "
                    "where r.reported_at > ? and r.reported_at <= ?", [start, end])  # fmt: skip


@pytest.fixture(scope="module")
def tiny_source(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> Path:
    """The tiny world's feeds in a store, replayed from by every test here."""
    return ingested_file(tiny_world, "sims-book-tiny")


@pytest.fixture(scope="module")
def period(tiny_source: Path) -> tuple[datetime, datetime]:
    """The first call's time and the last call's end in the tiny world."""
    with Store(tiny_source, read_only=True) as store:
        row = store.con.execute(
            "select min(time), max(time + to_seconds(duration_s)) from calls"
        ).fetchall()[0]
    return row[0], row[1]


def _check_replay(
    src: Path, dst: Path, cuts: list[datetime], fed: bool = False
) -> list[tuple[int, int]]:
    """Replay up to each cut and compare the book with `score_sims`; (calls, calls folded).
    `fed`: the book is handed the calls as they are inserted instead of reading them back."""
    replay = Replay(src, dst)
    book = SimScoreBook(replay.store, fed=fed)
    seen, prev = [], EPOCH
    try:
        for cut in cuts:
            replay.append(prev, cut, book.take if fed else None)
            ours, theirs = book.score(cut), score_sims(replay.store, cut)
            assert ours.schema == theirs.schema
            assert ours.equals(theirs), f"book differs from score_sims at {cut}"
            # Asked for the high scores only: the same rows as the whole table's, and only them.
            floor = float(np.quantile(theirs["score"].to_numpy(), 0.9)) if len(theirs) else 0.5
            high = theirs.filter(pc.greater_equal(theirs["score"], floor))
            assert book.score(cut, floor).equals(high)
            assert score_sims(replay.store, cut, floor).equals(high)
            seen.append((replay.store.count("calls"), book.calls_seen))
            prev = cut
    finally:
        replay.store.close()
    return seen


def test_equal_after_every_chunk_and_with_no_new_rows(
    tiny_source: Path, period: tuple[datetime, datetime], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(sims_book, "FOLD_ROWS", 4096)  # chunks folded in several steps too
    first, last = period
    cuts = [first - timedelta(hours=1)]  # cards but no calls yet
    cuts += [first + timedelta(hours=7 * i) for i in range(1, 100) if i * 7 < 24 * 6]
    cuts += [cuts[-1], last, last, last + timedelta(days=1)]  # nothing new, then the rest
    seen = _check_replay(tiny_source, tmp_path / "w.duckdb", cuts)
    assert seen[0] == (0, 0) and seen[-1][0] > 20_000
    assert all(n == folded for n, folded in seen)
    with Store(tiny_source, read_only=True) as store:
        final = score_sims(store, last + timedelta(days=1))
    # The replay reaches the paths that matter: calls to later victims, labels, several cells.
    assert pc.sum(final["victim_contacts"]).as_py() > 0
    assert pc.sum(final["known_bad"].cast("int64")).as_py() > 0
    assert pc.max(final["n_cells"]).as_py() > 1


def test_a_book_fed_by_the_writer_equals_one_reading_the_store(
    tiny_source: Path, period: tuple[datetime, datetime], tmp_path: Path
) -> None:
    first, last = period
    cuts = [first - timedelta(hours=1)]
    cuts += [first + timedelta(hours=11 * i) for i in range(1, 100) if i * 11 < 24 * 6]
    cuts += [last, last + timedelta(days=1)]
    seen = _check_replay(tiny_source, tmp_path / "w.duckdb", cuts, fed=True)
    assert seen[-1][0] > 20_000 and all(n == folded for n, folded in seen)


def test_a_fed_book_refuses_to_read_and_a_reading_book_to_be_fed(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute("insert into calls (call_id, caller, callee, time, duration_s, kind, "
                          "cell_id) values (1, '13800000001', '13900000002', now(), 5, 'voice', "
                          "'C1')")  # fmt: skip
        assert SimScoreBook(store, fed=True).update() == 0  # never reads the store's calls
        with pytest.raises(ValueError, match="twice"):
            SimScoreBook(store).take(store.arrow("select * from calls"))


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
def test_equal_at_random_chunk_boundaries(
    tiny_source: Path, period: tuple[datetime, datetime], shares: list[float]
) -> None:
    first, last = period
    cuts = [*sorted(first + (last - first) * s for s in shares), last]
    with tempfile.TemporaryDirectory() as tmp:
        _check_replay(tiny_source, Path(tmp) / "w.duckdb", cuts)


def test_a_missed_chunk_is_caught(
    tiny_source: Path, period: tuple[datetime, datetime], tmp_path: Path
) -> None:
    first, last = period
    replay = Replay(tiny_source, tmp_path / "w.duckdb")
    book = SimScoreBook(replay.store)
    replay.append(EPOCH, first + timedelta(days=2))
    book.score(first + timedelta(days=2))
    replay.append(first + timedelta(days=2), last)
    book.calls_seen = replay.store.count("calls")  # as if the chunk had been folded in
    assert not book.score(last).equals(score_sims(replay.store, last))
    replay.store.close()


def _calls(store: Store, rows: list[tuple[datetime, str, str]]) -> None:
    start = store.count("calls")
    store.con.executemany(
        "insert into calls (call_id, time, caller, callee, kind, duration_s, cell_id) "
        "values (?, ?, ?, ?, 'call', 10, 'C1')",
        [(start + i, *r) for i, r in enumerate(rows)],
    )


def test_late_calls_and_late_reports(tmp_path: Path) -> None:
    """A call arriving after later ones, to a number its victim reports only afterwards."""
    t0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
    store = Store(tmp_path / "s.duckdb")
    store.con.executemany(
        "insert into sim_cards (msisdn, inst_id, owner_idno, registered_at, device_imei) "
        "values (?, 'CMCC', 'X', ?, 'IMEI')",
        [("13900000001", t0 - timedelta(days=5)), ("13900000002", t0 - timedelta(days=1))],
    )
    book = SimScoreBook(store)
    _calls(store, [(t0 + timedelta(hours=2), "13900000001", "15000000001"),
                   (t0 + timedelta(hours=1), "13900000001", "15000000002")])  # fmt: skip
    assert book.score(t0 + timedelta(hours=3)).equals(score_sims(store, t0 + timedelta(hours=3)))
    at = t0 + timedelta(days=1, hours=1)
    # Late, earlier than both calls before it, and on the day before; then the victim reports.
    _calls(store, [(t0 - timedelta(hours=9), "13900000001", "15000000001"),
                   (t0 + timedelta(days=1), "13900000002", "13900000001")])  # fmt: skip
    store.con.execute(
        "insert into victim_reports (report_id, reported_at, victim_idno, victim_msisdn, district, "
        "fraud_type, contact_channel, narrative, claimed_loss_fen) "
        "values ('R1', ?, 'V', '15000000001', 'D', 'f', 'phone', 'n', 100)",
        [t0],
    )
    ours = book.score(at)
    assert ours.equals(score_sims(store, at))
    row = next(r for r in ours.to_pylist() if r["msisdn"] == "13900000001")
    assert (row["victim_contacts"], row["n_in"], row["out_per_day"]) == (1, 1, 1.5)
    with pytest.raises(ValueError, match="later than"):
        book.score(t0)
    store.close()
