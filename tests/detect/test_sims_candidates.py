"""The SIM score bound: every card that scores at least a floor is a candidate, and few others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fraudlink.detect.sims import score_sims
from fraudlink.detect.sims_book import SimScoreBook
from fraudlink.detect.sims_candidates import CallFigures, CardRegister, floor_logit
from fraudlink.store import Store
from fraudlink.store.arrays import epoch_us
from fraudlink.store.string_ids import StringIds


@pytest.fixture(scope="module")
def tiny_store(tiny_world: Path, ingested_file: Callable[[Path, str], Path]) -> Path:
    return ingested_file(tiny_world, "sims-candidates-tiny")


def _candidates(book: SimScoreBook, as_of: datetime, floor: float) -> set[str]:
    logit = floor_logit(floor)
    assert logit is not None
    book.update()
    cards = CardRegister()
    got, _ = cards.candidates(book.store, book._numbers, book._figures(), epoch_us(as_of),
                              book._known_bad(as_of), logit)  # fmt: skip
    return set(got.to_pylist())


@pytest.mark.parametrize("floor", [0.3, 0.5, 0.8, 0.9, 0.99])
def test_every_card_at_the_floor_is_a_candidate_and_most_others_are_not(
    tiny_store: Path, floor: float
) -> None:
    with Store(tiny_store, read_only=True) as store:
        as_of = store.con.execute("select max(time) + interval 1 day from calls").fetchall()[0][0]
        book = SimScoreBook(store)
        every = score_sims(store, as_of)
        high = every.filter(pc.greater_equal(every["score"], floor))
        found = _candidates(book, as_of, floor)
        assert set(high["msisdn"].to_pylist()) <= found
        # The bound prunes: a bound of "everyone" would pass the line above too.
        assert len(found) < every.num_rows / 4
        assert book.score(as_of, floor).equals(high)


def test_a_number_that_called_before_its_card_was_registered(tmp_path: Path) -> None:
    """A reissued number: its first call predates the card, so the card's age is negative and
    the new-card signal passes one (the SQL does not clamp it); the bound must follow it there."""
    t0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
    with Store(tmp_path / "s.duckdb") as store:
        store.con.executemany(
            "insert into sim_cards (msisdn, inst_id, owner_idno, registered_at, device_imei) "
            "values (?, 'CMCC', ?, ?, ?)",
            [("13900000001", "A", t0 + timedelta(days=400), "IMEI-1"),
             ("13900000002", "B", t0, "IMEI-1"), ("13900000003", "C", t0, None)],
        )  # fmt: skip
        rows = [(i, t0 + timedelta(minutes=i), "13900000001", f"1500000{i:04d}", "sms", 0, "C1")
                for i in range(120)]  # fmt: skip
        rows += [(200, t0, "13900000003", "13900000001", "call", 300, "C2")]
        store.con.executemany(
            "insert into calls (call_id, time, caller, callee, kind, duration_s, cell_id) "
            "values (?, ?, ?, ?, ?, ?, ?)", rows,
        )  # fmt: skip
        as_of = t0 + timedelta(days=401)
        every = score_sims(store, as_of)
        book = SimScoreBook(store)
        for floor in (0.5, 0.9, 0.999):
            high = every.filter(pc.greater_equal(every["score"], floor))
            assert "13900000001" in high["msisdn"].to_pylist()
            assert book.score(as_of, floor).equals(high)


@pytest.mark.parametrize("floor", [0.0, -1.0, 1.0, 2.0])
def test_a_floor_outside_zero_to_one_scores_every_card(floor: float) -> None:
    assert floor_logit(floor) is None


def test_a_register_refuses_a_store_that_lost_cards(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute(
            "insert into sim_cards (msisdn, inst_id, owner_idno, registered_at) "
            "values ('13900000001', 'CMCC', 'A', now()), ('13900000002', 'CMCC', 'B', now())"
        )
        cards = CardRegister()
        cards.update(store)
        assert cards.seen == 2
        # No card has a handset on record: each counts as alone on its own.
        got, _ = cards.candidates(
            store,
            StringIds(),
            CallFigures(*[np.zeros(0, np.int64)] * 7),
            epoch_us(datetime.now(UTC)),
            pa.array([], pa.string()),
            -10.0,
        )
        assert sorted(got.to_pylist()) == ["13900000001", "13900000002"]
        store.con.execute("delete from sim_cards where msisdn = '13900000002'")
        with pytest.raises(ValueError, match="append-only"):
            cards.update(store)
