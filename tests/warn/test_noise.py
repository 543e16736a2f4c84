"""The memory of short contact from suspected numbers: a day of it, found by the number called."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
from call_count import calls_made
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.warn import CONTACT, EVIDENCE, TALK_S, ShortContacts, dialling_noise
from fraudlink.warn.desk import WINDOW
from fraudlink.warn.noise import COMPACT_EVERY
from fraudlink.warn.screen import SITE

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NUMBERS = [f"1390000000{i}" for i in range(5)]


def rows(spec: list[tuple[int, str]]) -> pa.Table:
    """Short suspected calls: (minutes after T0, number called)."""
    base = {n: None for n in EVIDENCE.names}
    return pa.Table.from_pylist(
        [{**base, "evidence": CONTACT, "at": T0 + timedelta(minutes=m), "msisdn": n,
          "flagged": "13800000000", "known": False, "duration_s": 4} for m, n in spec],
        schema=EVIDENCE,
    )  # fmt: skip


def test_only_short_contact_from_a_number_merely_suspected_is_noise() -> None:
    base = {n: None for n in EVIDENCE.names}
    t = pa.Table.from_pylist(
        [
            {**base, "evidence": CONTACT, "at": T0, "known": False, "duration_s": TALK_S - 1},
            {**base, "evidence": CONTACT, "at": T0, "known": False, "duration_s": None},  # SMS
            {**base, "evidence": CONTACT, "at": T0, "known": False, "duration_s": TALK_S},
            {**base, "evidence": CONTACT, "at": T0, "known": True, "duration_s": 3},
            {**base, "evidence": SITE, "at": T0, "known": False},
        ],
        schema=EVIDENCE,
    )
    assert dialling_noise(t, TALK_S).tolist() == [True, True, False, False, False]


def test_held_contact_is_found_by_the_number_called_for_a_day() -> None:
    memory = ShortContacts(WINDOW)
    memory.hold(rows([(0, NUMBERS[0]), (1, NUMBERS[1])]), T0 + timedelta(minutes=5))
    memory.hold(rows([(10, NUMBERS[0])]), T0 + timedelta(minutes=10))
    got = memory.of([NUMBERS[0]], T0 + timedelta(hours=1))
    assert got.column("msisdn").to_pylist() == [NUMBERS[0]] * 2
    assert got.schema == EVIDENCE
    assert memory.of([NUMBERS[2]], T0 + timedelta(hours=1)).num_rows == 0
    # A day and a minute after the first call, only the later one is still evidence.
    later = T0 + WINDOW + timedelta(minutes=1)
    assert memory.of([NUMBERS[0]], later).column("at").to_pylist() == [T0 + timedelta(minutes=10)]
    memory.hold(rows([]), T0 + WINDOW + timedelta(hours=1))
    assert len(memory) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 4), st.sampled_from(NUMBERS)), max_size=4),
        min_size=COMPACT_EVERY + 1,
        max_size=100,
    ),
    st.sets(st.sampled_from(NUMBERS)),
)
def test_a_look_up_finds_exactly_the_rows_of_the_window_whatever_was_compacted(
    batches: list[list[tuple[int, str]]], wanted: set[str]
) -> None:
    # Batches half an hour apart: they are compacted, and past 48 of them some leave the day.
    memory = ShortContacts(WINDOW)
    held: list[tuple[datetime, str]] = []
    now = T0
    for b, batch in enumerate(batches):
        now = T0 + timedelta(minutes=30 * b + 5)
        spec = [(30 * b + m, n) for m, n in batch]
        memory.hold(rows(spec), now)
        held += [(T0 + timedelta(minutes=m), n) for m, n in spec]
    got = memory.of(sorted(wanted), now)
    want = sorted((t, n) for t, n in held if n in wanted and now - t <= WINDOW)
    assert sorted(zip(got.column("at").to_pylist(), got.column("msisdn").to_pylist(),
                      strict=True)) == want  # fmt: skip
    assert got.column("at").to_pylist() == sorted(got.column("at").to_pylist())


def test_the_memory_of_short_contact_is_asked_about_many_numbers_with_no_step_a_number() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    memory = ShortContacts(WINDOW)
    called = [str(13900000000 + i) for i in range(2000)]
    base = dict.fromkeys(EVIDENCE.names)
    held = pa.Table.from_pylist(
        [
            {**base, "evidence": CONTACT, "at": t0, "msisdn": n, "known": False, "duration_s": 3}
            for n in called[::2]
        ],
        schema=EVIDENCE,
    )
    memory.hold(held, t0 + timedelta(minutes=5))
    later = t0 + timedelta(hours=1)
    others = [str(13800000000 + i) for i in range(2000)]  # never called: nothing to fetch
    small = calls_made(lambda: memory.of(others[:3], later))
    big = calls_made(lambda: memory.of(others, later))
    assert big - small < 20, (small, big)
    assert memory.of(pa.array(called[:4]), later).column("msisdn").to_pylist() == called[:4:2]
