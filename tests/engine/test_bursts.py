"""Dialling bursts: the hour's calls, kept batch by batch, against a plain count of the hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudlink.engine.bursts import BURST_SCORE, MIN_CALLS, WINDOW, BurstWatch, number_keys
from fraudlink.store.string_ids import MAX_LENGTH_KEY_DIGITS as KEY_DIGITS
from fraudlink.store.string_ids import digits_of_key

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NUMBERS = [f"1380000000{i}" for i in range(4)]
Call = tuple[str, str, str, int | None]  # caller, callee, kind, duration_s

OTHERS = [f"1390000000{i}" for i in range(3)]  # people called, who never call in the test
calls_ = st.tuples(
    st.sampled_from(NUMBERS),
    st.sampled_from(NUMBERS[:2] + OTHERS),
    st.sampled_from(["voice", "sms"]),
    st.one_of(st.none(), st.integers(0, 90)),
)  # fmt: skip
batches = st.lists(st.lists(calls_, max_size=40), min_size=1, max_size=20)
# Numbers that spell the same integer, and numbers with no integer key, which send the window
# back to counting strings for as long as they are in it.
ODD = ["0138", "138", "00138", "+8613800000000", "１３８", "1" * (KEY_DIGITS + 1)]
odd_calls = st.tuples(
    st.sampled_from(NUMBERS[:2] + ODD),
    st.sampled_from(NUMBERS[:1] + ODD + OTHERS),
    st.sampled_from(["voice", "sms"]),
    st.one_of(st.none(), st.integers(0, 90)),
)  # fmt: skip
odd_batches = st.lists(st.lists(st.one_of(calls_, odd_calls), max_size=40), min_size=1, max_size=20)


def table(calls: list[Call]) -> pa.Table:
    """A batch of call records."""
    return pa.table({
        "caller": pa.array([c[0] for c in calls], pa.string()),
        "callee": pa.array([c[1] for c in calls], pa.string()),
        "kind": pa.array([c[2] for c in calls], pa.string()),
        "duration_s": pa.array([c[3] for c in calls], pa.int64()),
    })  # fmt: skip


def bursting(hour: list[Call]) -> set[str]:
    """By hand: 20+ calls, 80%+ of them short or SMS, and never called within the hour."""
    out = set()
    for n in {c[0] for c in hour}:
        mine = [c for c in hour if c[0] == n]
        short = [c for c in mine if c[2] == "sms" or (c[3] or 0) < 30]
        called = any(c[1] == n for c in hour)
        if len(mine) >= MIN_CALLS and len(short) >= 0.8 * len(mine) and not called:
            out.add(n)
    return out


def replay_against_hand_count(batch_calls: list[list[Call]], minutes: int) -> None:
    """Feed the batches in; at each, the watch flags what counting the hour by hand flags."""
    watch = BurstWatch()
    seen: list[tuple[datetime, list[Call]]] = []
    for i, calls in enumerate(batch_calls):
        now = T0 + i * timedelta(minutes=minutes)
        seen.append((now, calls))
        hour = [c for t, cs in seen if now - t < WINDOW for c in cs]
        got = watch.add(table(calls), now)
        assert got == dict.fromkeys(bursting(hour), BURST_SCORE)


@settings(max_examples=80, deadline=None)
@given(batches, st.integers(5, 40))
def test_bursts_are_counted_over_the_last_hour(batch_calls: list[list[Call]], minutes: int) -> None:
    # Every number here has an integer key: the string count must not be needed.
    def no_strings(self: BurstWatch, hour: pa.Table) -> dict[str, float]:
        raise AssertionError("counted as strings")

    with pytest.MonkeyPatch.context() as m:
        m.setattr(BurstWatch, "bursting", no_strings)
        replay_against_hand_count(batch_calls, minutes)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(calls_, max_size=6), min_size=20, max_size=70), st.integers(1, 3))
def test_a_burst_spread_thin_over_many_short_batches(
    batch_calls: list[list[Call]], minutes: int
) -> None:
    # Twenty or more batches in the hour: a burst may show no more than one call in any of them.
    replay_against_hand_count(batch_calls, minutes)


def test_a_burst_of_one_call_a_batch() -> None:
    # Never two calls in one batch, yet MIN_CALLS of them within the hour.
    one = [[("13800000003", "13900000000", "sms", None)] for _ in range(MIN_CALLS + 5)]
    replay_against_hand_count(one, 1)
    watch = BurstWatch()
    got = {}
    for i, calls in enumerate(one):
        got = watch.add(table(calls), T0 + timedelta(minutes=i))
    assert got == {"13800000003": BURST_SCORE}


@settings(max_examples=80, deadline=None)
@given(odd_batches, st.integers(5, 40))
def test_numbers_without_a_key_are_counted_as_strings(
    batch_calls: list[list[Call]], minutes: int
) -> None:
    replay_against_hand_count(batch_calls, minutes)


@given(st.lists(st.text("0123456789", min_size=1, max_size=KEY_DIGITS), max_size=30))
def test_a_number_key_spells_its_number_back(numbers: list[str]) -> None:
    keys = number_keys(pa.chunked_array([pa.array(numbers, pa.string())]))
    assert keys is not None
    assert [digits_of_key(k) for k in keys.tolist()] == numbers
    assert len(set(keys.tolist())) == len(set(numbers))  # "0138" and "138" stay apart


@pytest.mark.parametrize(
    "odd", ["", "+8613800000000", "138 0000", "１３８", "1" * (KEY_DIGITS + 1), None]
)
def test_a_number_that_is_not_plain_digits_has_no_key(odd: str | None) -> None:
    assert number_keys(pa.array(["13800000000", odd], pa.string())) is None


def test_a_sim_box_bursts_and_a_called_number_does_not() -> None:
    box = [(NUMBERS[0], f"139{i:08d}", "voice", 5) for i in range(25)]
    called_back = [(NUMBERS[1], f"139{i:08d}", "sms", None) for i in range(25)]
    called_back.append((NUMBERS[2], NUMBERS[1], "voice", 60))
    assert BurstWatch().add(table(box + called_back), T0) == {NUMBERS[0]: BURST_SCORE}


def test_the_thresholds_are_inclusive() -> None:
    at = [(NUMBERS[2], f"139{i:08d}", "voice", 5 if i < 16 else 60) for i in range(MIN_CALLS)]
    assert BurstWatch().add(table(at), T0) == {NUMBERS[2]: BURST_SCORE}  # 20 calls, 80% short
    assert BurstWatch().add(table(at[1:]), T0) == {}  # 19 calls
    fewer_short = [(n, m, k, 60 if i == 15 else d) for i, (n, m, k, d) in enumerate(at)]
    assert BurstWatch().add(table(fewer_short), T0) == {}  # 20 calls, 75% short
    later = BurstWatch()
    later.add(table(at[:10]), T0)
    assert later.add(table(at[10:]), T0 + WINDOW - timedelta(microseconds=1)) != {}
    assert later.add(table([]), T0 + WINDOW) == {}  # the first half is an hour old
